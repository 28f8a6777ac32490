"""Settings → what the layers below take: validated content and plain config objects.

Part of the composition root: :mod:`bot.app` wires the running bot from these, and the
command line uses them directly. Services and content never see :class:`Settings`; they take
the plain values built here. No aiogram import, so ``parley run`` can load content and train
the matcher before aiogram is imported.
"""

from __future__ import annotations

from bot.content.followups import load_followup_rules
from bot.content.loader import Content
from bot.content.loader import load_content as load_files
from bot.content.paths import shipped_dir, shipped_file
from bot.domain.disputes import DisputeRules
from bot.domain.followups import FollowupRules, QuietHours
from bot.domain.playbook import COMPLAINTS
from bot.services import commands, dispute_texts, followups, presenter, refusals, stats
from bot.services.dispute_config import DisputeConfig, seller_timezone
from bot.services.followups import PlanningConfig
from bot.services.presenter import BUYER, SELLER, SELLER_LANGUAGES
from bot.services.stats import StatsConfig
from bot.settings import SUPPORTED_LANGUAGES, DisputeSettings, Settings

DECLARED_TEMPLATES: tuple[tuple[str, str], ...] = (
    *presenter.TEMPLATES,
    *dispute_texts.TEMPLATES,
    *stats.TEMPLATES,
    *followups.TEMPLATES,
    *refusals.TEMPLATES,
    *commands.TEMPLATES,
)
"""(audience, name) of every template a use case renders, as each module declares them."""


def required_templates(
    buyer_languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
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
        SUPPORTED_LANGUAGES,
        required_templates(),
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


def dispute_config(settings: Settings) -> DisputeConfig:
    """What the dispute use cases need: the clock's rules, the seller chats, the timezone."""
    return DisputeConfig(
        rules_from_settings(settings.disputes),
        tuple(settings.seller_chat_ids),
        seller_timezone(settings.disputes.timezone),
    )


def stats_config(settings: Settings) -> StatsConfig:
    """What the metrics use cases need: rules, seller chats, complaint intents, threshold."""
    s = settings.disputes
    return StatsConfig(
        rules_from_settings(s), tuple(settings.seller_chat_ids), COMPLAINTS,
        s.odr_threshold_percent, s.odr_min_orders, seller_timezone(s.timezone),
    )  # fmt: skip
