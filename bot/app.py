"""The composition root: builds settings-driven content, storage, services, bot and dispatcher."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer

from bot.api.metrics import Metrics, Sources
from bot.content.loader import Content
from bot.domain.intents import IntentMatcher
from bot.domain.playbook import SellerPolicy
from bot.domain.ports import Clock, GaugeSnapshot
from bot.services.buyers import BuyerConfig, BuyerService
from bot.services.clock import SystemClock
from bot.services.disputes import DisputeService
from bot.services.followup_runner import FollowupRunner, RunnerConfig
from bot.services.followups import FollowupPlanner
from bot.services.health import Health, SellerAlarm
from bot.services.imports import ImportService
from bot.services.inbox import InboxService
from bot.services.outbox import EDIT_GAP, OutboxRelay
from bot.services.presenter import Presenter
from bot.services.ratelimit import RateLimitedNotifier, RateLimiter
from bot.services.replies import Cards
from bot.services.sellers import SellerService
from bot.services.stats import StatsService
from bot.settings import Settings
from bot.storage.db import Database
from bot.telegram.disputes import build_dispute_router
from bot.telegram.handlers import build_routers
from bot.telegram.notifier import TelegramNotifier
from bot.telegram.polling import Poller
from bot.telegram.session import StatusAwareSession
from bot.telegram.texts import Texts
from bot.wiring import dispute_config, load_content, planning_config, stats_config


@dataclass
class App:
    """Everything ``parley run`` / ``parley demo`` need, wired together."""

    settings: Settings
    db: Database
    clock: Clock
    content: Content
    buyers: BuyerService
    sellers: SellerService
    imports: ImportService
    inbox: InboxService
    relay: OutboxRelay
    bot: Bot
    dispatcher: Dispatcher
    poller: Poller
    disputes: DisputeService
    stats: StatsService
    followups: FollowupPlanner
    runner: FollowupRunner
    health: Health
    limiter: RateLimiter
    metrics: Metrics

    async def close(self) -> None:
        """Close the database and the bot's HTTP session."""
        await self.db.close()
        await self.bot.session.close()


async def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    session: BaseSession | None = None,
    content: Content | None = None,
    limiter: RateLimiter | None = None,
    matcher: IntentMatcher | None = None,
) -> App:
    """Wire the whole application. ``session`` replaces the HTTP session (offline demo, tests);
    ``limiter`` defaults to Telegram's limits, or to none with an offline ``session``."""
    clock = clock or SystemClock()
    content = content or load_content(settings)
    token = settings.require_token().get_secret_value()
    secret = settings.require_link_secret().get_secret_value().encode()
    db = await Database.open(settings.database)
    sellers_ids = tuple(settings.seller_chat_ids)
    matcher = matcher or IntentMatcher(
        content.intents.phrases, default_language=settings.default_language
    )
    presenter = Presenter(content.renderer, settings.policy.seller_language)
    rules = settings.policy
    policy = SellerPolicy(
        coupon_bonus_percent=rules.coupon_bonus_percent,
        max_partial_refund_percent=rules.max_partial_refund_percent,
        delay_refund_percent=rules.delay_refund_percent,
        coupon_value=rules.coupon_value,
        wait_days=rules.wait_days,
    )
    disputes = DisputeService(db, clock, dispute_config(settings), presenter)
    dispute_rules = disputes.config.rules
    cards = Cards(presenter, sellers_ids, disputes=disputes)
    config = BuyerConfig(
        sellers_ids, secret, settings.default_language, policy, frozenset(rules.auto_approve),
        dispute_rules,
    )  # fmt: skip
    buyers = BuyerService(db, clock, matcher, presenter, config, cards)
    sellers = SellerService(db, clock, presenter, sellers_ids, cards, disputes)
    limiter = limiter or (RateLimiter() if session is None else RateLimiter.unlimited())
    if session is None:
        session = StatusAwareSession(api=TelegramAPIServer.from_base(settings.telegram_api))
    bot = Bot(token=token, session=session)
    stats = StatsService(db, clock, stats_config(settings), presenter)
    texts = Texts(content.renderer, db, sellers_ids, settings.policy.seller_language,
                  settings.default_language)  # refusals and toasts, in the reader's language
    dispatcher = Dispatcher(
        buyers=buyers, sellers=sellers, disputes=disputes, stats=stats, texts=texts
    )
    dispatcher.include_routers(build_dispute_router(sellers_ids), *build_routers(sellers_ids))
    inbox = InboxService(db, clock)
    sellers_set = frozenset(sellers_ids)
    # every send passes here; buyers' answers go before seller cards, those before follow-ups
    notifier = RateLimitedNotifier(TelegramNotifier(bot), limiter, seller_chats=sellers_set)
    health = Health()
    health.on_change = SellerAlarm(notifier, lambda down, error: presenter.seller(
        "storage_outage", down=down, error=error), sellers_ids)  # fmt: skip
    relay = OutboxRelay(db, clock, notifier, health=health, priority=notifier.priority,
                        edit_gap=EDIT_GAP if limiter.chat_gap > 0 else 0.0)  # fmt: skip
    planner = FollowupPlanner(db, clock, planning_config(settings, content.followups), disputes)
    runner = FollowupRunner(db, clock, planner, content.renderer, notifier, RunnerConfig(
        sellers_ids, settings.default_language, settings.policy.seller_language, policy,
    ), proposer=buyers)  # fmt: skip
    notifier.on_blocked = runner.buyer_blocked

    async def snapshot() -> GaugeSnapshot:
        async with db.transaction() as uow:
            return await uow.gauges.snapshot(clock.now(), sellers_set)

    metrics = Metrics(Sources(relay, notifier, health, snapshot))
    poller = Poller(bot, dispatcher, inbox, relay, health=health, on_handled=metrics.handled)
    return App(settings, db, clock, content, buyers, sellers, ImportService(db, clock, planner),
               inbox, relay, bot, dispatcher, poller, disputes, stats, planner,
               runner, health, limiter, metrics)  # fmt: skip
