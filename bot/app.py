"""The composition root: settings → database → content → services → bot and dispatcher →
scheduler → HTTP server → start and stop, in that order.

The command line only parses arguments and calls in here (:func:`run` for ``parley run``,
:func:`bot_username` for ``parley link``) or, for commands that need use cases but no
Telegram, into :func:`bot.wiring.open_services`; :func:`build_app` serves the demo, the
offline chat and the tests. aiogram, aiohttp, APScheduler and prometheus_client are imported
inside the functions that build the bot, the HTTP server and the scheduler: ``parley
dispute``/``stats``/``orders`` never load them, and ``parley run`` loads content and trains
the matcher before importing aiogram (their peaks do not add up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.content.loader import Content
from bot.domain.errors import StorageUnavailable
from bot.domain.intents import IntentMatcher
from bot.domain.learned import TeachableMatcher
from bot.domain.playbook import SellerPolicy
from bot.domain.ports import Clock, GaugeSnapshot
from bot.services.buyers import BuyerConfig, BuyerService
from bot.services.clock import SystemClock
from bot.services.csat import CsatService
from bot.services.desk import Desk
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
from bot.services.teaching import TeachingService
from bot.services.team import TeamService
from bot.services.topics import TopicService
from bot.settings import ConfigError, Settings
from bot.storage.sql import Database, open_database
from bot.wiring import (
    console_of,
    console_summary,
    csat_config,
    dispute_config,
    intent_matcher,
    load_content,
    planning_config,
    stats_config,
)

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.base import BaseSession
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.api.metrics import Metrics
    from bot.api.server import HttpServer, InboxPump
    from bot.telegram.polling import Poller

log = logging.getLogger("parley")


async def bot_username(settings: Settings) -> str:
    """``PARLEY_BOT_USERNAME``, or the Bot API's getMe (ConfigError if that fails)."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    from bot.telegram.identity import UnknownBot, ask_username

    try:
        return await ask_username(
            settings.telegram_api, settings.require_token().get_secret_value()
        )
    except UnknownBot as exc:
        raise ConfigError(
            f"PARLEY_BOT_USERNAME: not set, and asking the Bot API failed ({exc})"
        ) from None


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
    teaching: TeachingService
    followups: FollowupPlanner
    runner: FollowupRunner
    health: Health
    limiter: RateLimiter
    metrics: Metrics
    csat: CsatService

    async def close(self) -> None:
        """Give up this worker's inbox leases (another worker may take what it had not
        handled at once), close the database and the bot's HTTP session."""
        with contextlib.suppress(Exception):
            await self.inbox.release()
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
    from aiogram import Bot, Dispatcher
    from aiogram.client.telegram import TelegramAPIServer

    from bot.api.metrics import Metrics, Sources
    from bot.telegram.business import install_business
    from bot.telegram.disputes import build_dispute_router
    from bot.telegram.handlers import build_routers
    from bot.telegram.middlewares import SenderMiddleware
    from bot.telegram.notifier import TelegramNotifier
    from bot.telegram.polling import Poller
    from bot.telegram.session import StatusAwareSession
    from bot.telegram.texts import Texts

    clock = clock or SystemClock()
    content = content or load_content(settings)
    token = settings.require_token().get_secret_value()
    secret = settings.require_link_secret().get_secret_value().encode()
    db = await open_database(settings.database)
    sellers_ids = tuple(settings.seller_chat_ids)
    console = console_of(settings)  # private seller chats, or a team group (bot.domain.team)
    desk = Desk(console)
    matcher = matcher or intent_matcher(
        content.intents, settings.default_language, settings.cache_dir
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
    cards = Cards(presenter, desk, disputes=disputes)
    config = BuyerConfig(
        sellers_ids, secret, settings.default_language, policy, frozenset(rules.auto_approve),
        dispute_rules,
    )  # fmt: skip
    teachable = TeachableMatcher(matcher, content.intents.phrases)
    teaching = TeachingService(db, clock, teachable)
    with contextlib.suppress(StorageUnavailable):  # else at the first message, as before
        async with db.transaction() as uow:  # taught examples now, not in a buyer's message
            await teaching.sync(uow)
    buyers = BuyerService(db, clock, teachable, presenter, config, cards, teaching)
    sellers = SellerService(db, clock, presenter, desk, cards, disputes)
    topics = TopicService(db, clock, presenter, cards, buyers, teaching)
    team = TeamService(db, clock, presenter, console) if console.team else None
    limiter = limiter or (RateLimiter() if session is None else RateLimiter.unlimited())
    if session is None:
        session = StatusAwareSession(api=TelegramAPIServer.from_base(settings.telegram_api))
    bot = Bot(token=token, session=session)
    stats = StatsService(db, clock, stats_config(settings), presenter)
    csat = CsatService(db, clock, presenter, csat_config(settings), desk)
    buyers.csat = csat  # a comment on a rating is taken before a new case opens
    texts = Texts(
        content.renderer,
        db,
        (*sellers_ids, *settings.seller_user_ids),
        settings.policy.seller_language,
        settings.default_language,
    )  # refusals and toasts, in the reader's language
    dispatcher = Dispatcher(
        buyers=buyers,
        sellers=sellers,
        topics=topics,
        disputes=disputes,
        stats=stats,
        texts=texts,
        csat=csat,
    )
    for observer in (dispatcher.message, dispatcher.callback_query):
        observer.outer_middleware(SenderMiddleware(team))
    dispatcher.include_routers(build_dispute_router(console), *build_routers(console))
    business = install_business(dispatcher, db, clock, presenter, cards, buyers, console.everyone)
    # On PostgreSQL several workers may share the database: updates are leased (issue 13).
    inbox = InboxService.of_worker(db, clock, shared=db.dialect == "postgresql")
    sellers_set = frozenset(sellers_ids)
    # every send passes here; buyers' answers go before seller cards, those before follow-ups
    notifier = RateLimitedNotifier(TelegramNotifier(bot, business.route, team), limiter,
                                   seller_chats=sellers_set, group_id=console.group_id)  # fmt: skip
    health = Health()
    health.on_change = SellerAlarm(notifier, lambda down, error: presenter.seller(
        "storage_outage", down=down, error=error), console.everyone)  # fmt: skip
    relay = OutboxRelay(db, clock, notifier, health=health, priority=notifier.priority,
                        edit_gap=EDIT_GAP if limiter.chat_gap > 0 else 0.0)  # fmt: skip
    db.on_queued, relay.takes_offers = relay.offer, True  # rows go to the relay as committed
    planner = FollowupPlanner(db, clock, planning_config(settings, content.followups), disputes)
    runner = FollowupRunner(db, clock, planner, content.renderer, notifier, RunnerConfig(
        console.everyone, settings.default_language, settings.policy.seller_language, policy,
    ), proposer=buyers, leads=lambda: health.sender)  # fmt: skip
    notifier.on_blocked = runner.buyer_blocked

    async def snapshot() -> GaugeSnapshot:
        async with db.transaction() as uow:
            return await uow.gauges.snapshot(clock.now(), sellers_set)

    metrics = Metrics(Sources(relay, notifier, health, snapshot))
    poller = Poller(bot, dispatcher, inbox, relay, health=health, on_handled=metrics.handled)
    return App(settings, db, clock, content, buyers, sellers, ImportService(db, clock, planner),
               inbox, relay, bot, dispatcher, poller, disputes, stats, teaching, planner,
               runner, health, limiter, metrics, csat)  # fmt: skip


async def run(settings: Settings, webhook: str | None = None) -> int:
    """``parley run``: build everything, serve until SIGTERM/SIGINT, stop in order. Long
    polling, or Telegram posts to ``webhook``. ConfigError for what the user must fix (a
    rejected token, a port in use, webhook settings)."""
    started = time.perf_counter()
    # Content and the matcher are built before aiogram is imported: the matcher's transient
    # build memory and aiogram's large import then do not add up in the peak.
    content = load_content(settings)
    matcher = intent_matcher(content.intents, settings.default_language, settings.cache_dir)
    app = await build_app(settings, content=content, matcher=matcher)
    runner = AppRunner(app, webhook)
    try:
        me = await runner.start()
        if me is None:  # stopped while waiting for the Bot API
            return 0
        log.info("Parley is running as @%s (ready in %.0f ms); %s", me,
                 (time.perf_counter() - started) * 1000, console_summary(settings))  # fmt: skip
        await runner.serve()
        log.info("stopping: nothing is lost, pending work resumes at the next start")
        return 0
    finally:
        await runner.stop()


@dataclass
class AppRunner:
    """The running bot's start, serve and stop hooks around a built :class:`App`."""

    app: App
    webhook: str | None
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    scheduler: AsyncIOScheduler | None = None
    pump: InboxPump | None = None
    http: HttpServer | None = None
    sender: asyncio.Future[None] | None = None
    role: asyncio.Future[None] | None = None  # PostgreSQL: the sender election
    resign: asyncio.Event = field(default_factory=asyncio.Event)  # its end: the role is freed
    leases: asyncio.Future[None] | None = None  # PostgreSQL: renewing the inbox leases

    async def start(self) -> str | None:
        """Scheduler, HTTP server, signals, the Bot API, commands, the relay task, the
        scheduler's start and the webhook; the bot's username, or None if stopped while the
        Bot API was unreachable."""
        from aiogram.exceptions import TelegramUnauthorizedError

        from bot.api.server import InboxPump
        from bot.scheduling.jobs import Succession, add_csat_job, build_scheduler

        app, settings, stop = self.app, self.app.settings, self.stop_event
        self.scheduler = build_scheduler(
            app.relay, sellers=app.sellers, disputes=app.disputes, stats=app.stats,
            first_response_hours=settings.policy.first_response_hours, followups=app.runner,
            disputes_every_seconds=settings.disputes.check_every_seconds)  # fmt: skip
        lock = app.db.sender_lock()  # rows a dead sender left "sending": not sent twice
        await Succession(app.relay, app.runner, self.scheduler).begin(lock)
        add_csat_job(self.scheduler, app.csat, app.relay)
        self.pump = InboxPump(app.poller.drain, health=app.health)
        self.http = await serve_http(app, self.webhook, self.pump)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            me = await wait_for_api(app.bot, stop)
        except TelegramUnauthorizedError:
            raise ConfigError("PARLEY_BOT_TOKEN: the Bot API rejected the token") from None
        if me is None:
            return None
        from bot.telegram.commands import register_commands

        consoles = [*settings.seller_chat_ids, *filter(None, [settings.seller_group_id])]
        await register_commands(app.bot, consoles, renderer=app.content.renderer,
                                seller_language=settings.policy.seller_language)  # fmt: skip
        app.poller.stop = stop  # a stop request ends the drain after the update in hand
        if lock is not None:  # several workers: only the elected one sends
            await lock.check()
            self.role = asyncio.ensure_future(lock.run(self.resign))
        self.sender = asyncio.ensure_future(app.relay.run(stop))  # sending never blocks handling
        self.leases = asyncio.ensure_future(app.inbox.keep_leases(stop))
        self.scheduler.start()
        if self.webhook:
            from bot.telegram.webhook import set_webhook

            secret = settings.webhook_secret
            assert secret is not None  # checked by serve_http
            await set_webhook(app.bot, self.webhook, secret.get_secret_value(),
                              app.dispatcher.resolve_used_update_types())  # fmt: skip
        return me

    async def serve(self) -> None:
        """Handle updates until a stop request: the webhook's pump, or long polling."""
        if self.webhook:
            assert self.pump is not None
            log.info("webhook mode: Telegram posts updates to %s", self.webhook)
            await self.pump.run(self.stop_event)
        else:
            await self.app.poller.run(self.stop_event)

    async def stop(self) -> None:
        """Stop in order: follow-ups in flight finish, sends in flight get a few seconds, the
        sender role is given up, the scheduler, HTTP server, database and bot session close.
        Whatever was not done stays pending for the next start."""
        self.stop_event.set()
        await self.app.runner.stop()
        await asyncio.gather(*filter(None, [self.sender]), return_exceptions=True)
        self.resign.set()  # then the role; the leases are renewed no more before release
        await asyncio.gather(*filter(None, [self.role, self.leases]), return_exceptions=True)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.http is not None:
            await self.http.stop()
        await self.app.close()


async def serve_http(app: App, webhook: str | None, pump: InboxPump) -> HttpServer | None:
    """Start the HTTP server (order API, /healthz, /metrics, webhook) if a token or webhook
    mode asks for it; None otherwise."""
    from bot.api.server import HttpApi, HttpServer, Webhook, webhook_path

    settings = app.settings
    if webhook and settings.webhook_secret is None:
        raise ConfigError("PARLEY_WEBHOOK_SECRET: required with --webhook (16+ chars of "
                          "A-Z a-z 0-9 _ -); Telegram sends it with every update")  # fmt: skip
    if webhook and not webhook.startswith(("https://", "http://")):
        raise ConfigError("--webhook: must be the public https:// URL Telegram will post to")
    token = settings.api_token.get_secret_value() if settings.api_token else None
    metrics_token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if token is None and metrics_token is None and not webhook:
        return None
    hook = None
    if webhook:
        assert settings.webhook_secret is not None
        hook = Webhook(webhook_path(webhook), settings.webhook_secret.get_secret_value(),
                       app.inbox, pump.wake)  # fmt: skip
    server = HttpServer(HttpApi(app.followups, token, hook, metrics=app.metrics,
                                metrics_token=metrics_token, health=app.health))  # fmt: skip
    try:
        address = await server.start(settings.api_host, settings.api_port)
    except OSError as exc:
        await server.stop()
        raise ConfigError(f"PARLEY_API_PORT: cannot listen on {settings.api_host}:"
                          f"{settings.api_port} ({exc.strerror or exc})") from None  # fmt: skip
    log.info("HTTP server on %s (order API %s%s)", address, "on" if token else "off",
             f", webhook {hook.path}" if hook else "")  # fmt: skip
    return server


async def wait_for_api(bot: Bot, stop: asyncio.Event) -> str | None:
    """getMe until the Bot API answers (it may start after us); None if stopped meanwhile.
    A rejected token (TelegramUnauthorizedError) is not retried."""
    from aiogram.exceptions import TelegramUnauthorizedError

    delay = 0.5
    while not stop.is_set():
        try:
            me = await bot.get_me()
            return me.username or str(me.id)
        except TelegramUnauthorizedError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried
            log.warning("Bot API not reachable yet (%s); retrying in %.1fs", exc, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 15.0)
    return None
