"""Settings → what the layers below take: validated content, plain config objects, and the
use cases a shell command needs (:func:`open_services`).

Part of the composition root: :mod:`bot.app` wires the running bot from these, and the
command line gets its services here. Services and content never see :class:`Settings`; they
take the plain values built here. No aiogram import, so ``parley run`` can load content and train
the matcher before aiogram is imported.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.content.engine_cache import cached_matcher, default_cache_dir
from bot.content.followups import load_followup_rules
from bot.content.intents import IntentCatalog, load_intents
from bot.content.loader import Content
from bot.content.loader import load_content as load_files
from bot.content.paths import shipped_dir, shipped_file
from bot.content.templates import TemplateRenderer
from bot.domain.disputes import DisputeRules
from bot.domain.followups import FollowupRules, QuietHours
from bot.domain.intents import IntentMatcher
from bot.domain.languages import BUYER_LANGUAGES, SELLER_LANGUAGES
from bot.domain.learned import TeachableMatcher
from bot.domain.playbook import COMPLAINTS
from bot.domain.ports import Clock
from bot.domain.team import Console
from bot.services import (
    business,
    commands,
    csat,
    dispute_texts,
    followups,
    presenter,
    refusals,
    stats,
    verification,
)
from bot.services.clock import SystemClock
from bot.services.csat import CsatConfig
from bot.services.dispute_config import DisputeConfig, seller_timezone
from bot.services.disputes import DisputeService
from bot.services.followups import FollowupPlanner, PlanningConfig
from bot.services.imports import ImportService
from bot.services.linking import LinkService
from bot.services.presenter import BUYER, SELLER, Presenter
from bot.services.stats import StatsConfig, StatsService
from bot.services.teaching import TeachingService
from bot.settings import DisputeSettings, Settings
from bot.storage import backup
from bot.storage.sql import Database, admin, open_database

DECLARED_TEMPLATES: tuple[tuple[str, str], ...] = (
    *presenter.TEMPLATES,
    *dispute_texts.TEMPLATES,
    *stats.TEMPLATES,
    *followups.TEMPLATES,
    *refusals.TEMPLATES,
    *commands.TEMPLATES,
    *csat.TEMPLATES,
    *business.TEMPLATES,
    *verification.TEMPLATES,
)
"""(audience, name) of every template a use case renders, as each module declares them."""


def required_templates(
    buyer_languages: tuple[str, ...] = BUYER_LANGUAGES,
    seller_languages: tuple[str, ...] = SELLER_LANGUAGES,
) -> list[tuple[str, str, str]]:
    """(audience, language, name) the loader must find: buyer templates in every buyer
    language, seller-console templates in every console language."""
    languages = {BUYER: buyer_languages, SELLER: seller_languages}
    return [
        (audience, language, name)
        for audience, name in DECLARED_TEMPLATES
        for language in languages[audience]
    ]


def load_content(settings: Settings) -> Content:
    """Load and validate intents, templates and follow-up rules from the configured folders
    (the shipped ones by default); :class:`ContentError` names the broken file."""
    return load_files(
        settings.intents_dir or shipped_dir("intents"),
        settings.replies_dir or shipped_dir("replies"),
        settings.followups_file or shipped_file("followups.toml"),
        BUYER_LANGUAGES,
        required_templates(),
        settings.cache_dir or default_cache_dir(),
    )


def load_intent_catalog(intents_dir: Path | None) -> IntentCatalog:
    """Only the intents (the shipped ones by default), for the intent tools; no templates."""
    return load_intents(Path(intents_dir or shipped_dir("intents")), BUYER_LANGUAGES)


def intent_matcher(
    catalog: IntentCatalog, default_language: str, cache_dir: Path | None = None
) -> IntentMatcher:
    """The matcher ``parley run`` and the intent tools classify with, for the catalog's
    phrases and concept lexicon: trained once per catalog and kept in ``cache_dir`` (the user's
    cache folder by default)."""
    return cached_matcher(
        catalog.phrases, default_language, cache_dir or default_cache_dir(), catalog.concepts
    )


def planning_config(settings: Settings, rules: FollowupRules | None = None) -> PlanningConfig:
    """Planning settings: the rules file (loaded and validated unless given), quiet hours and
    the buyers' fallback time zone."""
    if rules is None:
        rules = load_followup_rules(settings.followups_file or shipped_file("followups.toml"))
    return PlanningConfig(
        rules=rules,
        quiet=QuietHours.parse(settings.quiet_hours),
        fallback_zone=settings.buyer_timezone,
    )


def rules_from_settings(settings: DisputeSettings) -> DisputeRules:
    """The domain rules from the ``[disputes]`` settings."""
    return DisputeRules(
        answer_days=settings.answer_days,
        window_opens_day=settings.window_opens_day,
        window_closes_day=settings.window_closes_day,
        escalation_day=settings.escalation_day,
        return_shipping_days=settings.return_shipping_days,
        protection_days=settings.protection_days,
        warn_days_before_close=tuple(settings.warn_days_before_close),
        answer_warning_hours=settings.answer_warning_hours,
    )


def console_of(settings: Settings) -> Console:
    """The seller console of the settings: private seller chats, the team group if any and
    the users who may act in it (:mod:`bot.domain.team`)."""
    return Console(
        tuple(settings.seller_chat_ids),
        settings.seller_group_id,
        frozenset(settings.seller_user_ids),
    )


def console_summary(settings: Settings) -> str:
    """One line for the start-up log: the seller chats and the team group, if any."""
    chats = ", ".join(map(str, settings.seller_chat_ids)) or "none configured"
    if settings.seller_group_id is None:
        return f"sellers: {chats}"
    people = len(settings.seller_user_ids)
    return f"sellers: {chats}; team group {settings.seller_group_id} ({people} people)"


def dispute_config(settings: Settings) -> DisputeConfig:
    """What the dispute use cases need: the clock's rules, where alerts go (every seller
    chat, or the team group's General topic), the timezone and who may act."""
    console = console_of(settings)
    return DisputeConfig(
        rules_from_settings(settings.disputes),
        console.everyone,
        seller_timezone(settings.disputes.timezone),
        console,
    )


def stats_config(settings: Settings) -> StatsConfig:
    """What the metrics use cases need: rules, seller chats, complaint intents, threshold."""
    s = settings.disputes
    console = console_of(settings)
    return StatsConfig(
        rules_from_settings(s), console.everyone, COMPLAINTS,
        s.odr_threshold_percent, s.odr_min_orders, seller_timezone(s.timezone),
        settings.policy.first_response_hours, console,
    )  # fmt: skip


def csat_config(settings: Settings) -> CsatConfig:
    """What the satisfaction question needs: the seller chats, the buyers' quiet hours and
    their fallback time zone."""
    return CsatConfig(
        console_of(settings).everyone,
        QuietHours.parse(settings.quiet_hours),
        settings.buyer_timezone,
    )


def seller_presenter(settings: Settings) -> Presenter:
    """Seller texts in the console's language, from the configured replies folder (read on
    demand, so a shell command does not validate every template first)."""
    folder = settings.replies_dir or shipped_dir("replies")
    return Presenter(TemplateRenderer(Path(folder)), settings.policy.seller_language)


@dataclass
class Services:
    """The use cases a shell command needs, over one open database; no aiogram."""

    settings: Settings
    db: Database
    clock: Clock
    presenter: Presenter
    disputes: DisputeService
    stats: StatsService

    def importer(self, *, plan_followups: bool) -> ImportService:
        """CSV imports; with ``plan_followups`` re-imported status/tracking changes plan
        follow-ups (orders)."""
        hook = None
        if plan_followups:
            hook = FollowupPlanner(self.db, self.clock, planning_config(self.settings))
        return ImportService(self.db, self.clock, hook)

    def links(self) -> LinkService:
        """Signed deep links (needs ``PARLEY_LINK_SECRET``)."""
        secret = self.settings.require_link_secret().get_secret_value().encode()
        return LinkService(self.db, secret)


@contextlib.asynccontextmanager
async def open_services(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Services]:
    """Open the database and build the shell commands' use cases; closes the database."""
    clock = clock or SystemClock()
    db = await open_database(settings.database)
    try:
        presenter = seller_presenter(settings)
        yield Services(
            settings, db, clock, presenter,
            DisputeService(db, clock, dispute_config(settings), presenter),
            StatsService(db, clock, stats_config(settings), presenter),
        )  # fmt: skip
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def open_teaching(
    settings: Settings, matcher: TeachableMatcher, clock: Clock | None = None
) -> AsyncIterator[TeachingService]:
    """The taught examples in the settings' database, applied to ``matcher``; closes it."""
    db = await open_database(settings.database)
    try:
        yield TeachingService(db, clock or SystemClock(), matcher)
    finally:
        await db.close()


async def backup_database(settings: Settings, file: Path) -> backup.BackupResult:
    """Copy the SQLite database to ``file`` (safe while ``parley run`` runs); ConfigError
    for PostgreSQL."""
    return await asyncio.to_thread(backup.backup, settings.sqlite_file("backup"), file)


async def restore_database(settings: Settings, file: Path) -> backup.RestoreResult:
    """Replace the SQLite database with the backup ``file`` (the old one is kept aside);
    ConfigError for PostgreSQL."""
    return await asyncio.to_thread(backup.restore, settings.sqlite_file("restore"), file)


async def upgrade_database(settings: Settings) -> admin.Upgraded:
    """``parley db upgrade``: apply pending migrations to ``PARLEY_DATABASE``."""
    return await admin.upgrade(settings.database)


async def copy_database(source: Path, target: str) -> admin.Copied:
    """``parley db copy``: the SQLite file ``source`` into the empty PostgreSQL ``target``."""
    return await admin.copy_sqlite_to_postgres(source, target)
