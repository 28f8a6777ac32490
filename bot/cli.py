"""``parley`` command line: run the bot, play the offline demo, import data, make links."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_disputes import add_dispute_commands, run_dispute_command
from bot.cli_intents import add_intent_commands, run_intent_command
from bot.domain.errors import ParleyError
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:  # the CLI imports aiogram/aiohttp only for the commands that need them
    from bot.api.server import HttpServer, InboxPump
    from bot.app import App

log = logging.getLogger("parley")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Customer-support bot for marketplace sellers. Settings come from PARLEY_* "
        "environment variables and an optional parley.toml (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling) with the scheduler")
    run.add_argument("--webhook", metavar="URL", help="receive updates at this public URL "
                     "(served on PARLEY_API_HOST:PARLEY_API_PORT) instead of long polling")
    demo = sub.add_parser("demo", help="play the price-drop case offline (no token, no network)")
    demo.add_argument("--database", type=Path, help="keep the demo database at this path")
    chat = sub.add_parser("chat", help="play buyer and seller yourself, offline (no token)")
    chat.add_argument("--database", type=Path, default=Path("parley-chat.sqlite3"))
    sub.add_parser("check", help="validate settings, intents and reply templates, then exit")
    backup = sub.add_parser("backup", help="copy the database to FILE (safe while `run` runs)")
    backup.add_argument("file", type=Path)
    restore = sub.add_parser("restore", help="replace the database with the backup FILE "
                             "(stop `parley run` first; the old one is kept aside)")  # fmt: skip
    restore.add_argument("file", type=Path)
    for noun in ("orders", "catalog"):
        group = sub.add_parser(noun, help=f"manage {noun}").add_subparsers(
            dest="action", required=True
        )
        imp = group.add_parser("import", help=f"upsert {noun} from a CSV file (all or nothing)")
        imp.add_argument("file", type=Path)
    link = sub.add_parser("link", help="print the signed deep link a buyer opens for an order")
    link.add_argument("order_id")
    link.add_argument("--payload", action="store_true", help="print only the /start payload")
    add_dispute_commands(sub)
    add_intent_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``parley`` console command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "chat":
            from bot.chat import run_chat

            return asyncio.run(run_chat(args.database))
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(args.database))
        settings = load_settings()
        configure_logging(settings.log_level, settings.log_format)
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, ParleyError) as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `parley intents export | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in ("backup", "restore"):
        return await _backup_or_restore(args.command, args.file, settings.database)
    from bot.wiring import load_content

    if args.command == "check":
        content = load_content(settings)
        print(f"ok: {len(content.intents.intents)} intents, "
              f"{len(content.intents.phrases)} phrases, templates valid")  # fmt: skip
        return 0
    if args.command == "run":
        return await _run(settings, args.webhook)
    for command in (run_dispute_command, run_intent_command):
        handled = await command(args, settings)
        if handled is not None:
            return handled
    from bot.services.clock import SystemClock
    from bot.storage.db import Database

    db = await Database.open(settings.database)
    try:
        if args.command in ("orders", "catalog"):
            from bot.services.imports import ImportService

            hook = None
            if args.command == "orders":  # re-imported status/tracking changes plan follow-ups
                from bot.services.followups import FollowupPlanner
                from bot.wiring import planning_config

                hook = FollowupPlanner(db, SystemClock(), planning_config(settings))
            service = ImportService(db, SystemClock(), hook)
            count = await (service.orders if args.command == "orders" else service.catalog)(
                args.file
            )
            print(f"imported {count} {args.command} row(s) from {args.file}")
            return 0
        if args.command == "link":
            from bot.services.linking import LinkService

            links = LinkService(db, settings.require_link_secret().get_secret_value().encode())
            if args.payload:
                print(await links.payload(args.order_id))
            else:
                print(await links.link(args.order_id, await _bot_username(settings)))
            return 0
    finally:
        await db.close()
    raise AssertionError(f"unhandled command {args.command}")


async def _backup_or_restore(command: str, file: Path, database: Path) -> int:
    from bot.storage import backup

    if command == "backup":
        done = await asyncio.to_thread(backup.backup, database, file)
        print(f"backed up {database} (schema v{done.version}, {done.size} bytes) to {file}")
        return 0
    restored = await asyncio.to_thread(backup.restore, database, file)
    kept = f"; the previous one is kept as {restored.kept}" if restored.kept else ""
    print(f"restored {database} from {file} (schema v{restored.version}){kept}")
    return 0


async def _bot_username(settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api))
    async with Bot(settings.require_token().get_secret_value(), session=session) as bot:
        try:
            me = await bot.get_me()
        except Exception as exc:  # noqa: BLE001 - explained to the user
            raise ConfigError(
                f"PARLEY_BOT_USERNAME: not set, and asking the Bot API failed ({exc})"
            ) from None
    return me.username or str(me.id)


async def _run(settings: Settings, webhook: str | None = None) -> int:
    from bot.domain.intents import IntentMatcher
    from bot.wiring import load_content

    started = time.perf_counter()
    # Content and the matcher are built before aiogram is imported: the matcher's transient
    # build memory and aiogram's large import then do not add up in the peak.
    content = load_content(settings)
    matcher = IntentMatcher(content.intents.phrases, default_language=settings.default_language)

    from aiogram.exceptions import TelegramUnauthorizedError

    from bot.api.server import InboxPump
    from bot.app import build_app
    from bot.scheduling.jobs import build_scheduler

    app = await build_app(settings, content=content, matcher=matcher)
    scheduler = build_scheduler(
        app.relay,
        sellers=app.sellers,
        first_response_hours=settings.policy.first_response_hours,
        disputes=app.disputes,
        stats=app.stats,
        disputes_every_seconds=settings.disputes.check_every_seconds,
        followups=app.runner,
    )
    await app.runner.recover()  # rows a crash left "sending" are not sent twice
    pump = InboxPump(app.poller.drain, health=app.health)
    http = await _serve_http(app, settings, webhook, pump)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sender: asyncio.Future[None] | None = None
    try:
        me = await _wait_for_api(app.bot, stop)
        if me is None:
            return 0
        from bot.telegram.commands import register_commands

        await register_commands(app.bot, settings.seller_chat_ids, renderer=content.renderer,
                                seller_language=settings.policy.seller_language)  # fmt: skip
        app.poller.stop = stop  # a stop request ends the drain after the update in hand
        sender = asyncio.ensure_future(app.relay.run(stop))  # sending never blocks handling
        scheduler.start()
        log.info("Parley is running as @%s (ready in %.0f ms); sellers: %s",
                 me, (time.perf_counter() - started) * 1000,
                 ", ".join(map(str, settings.seller_chat_ids)) or "none configured")  # fmt: skip
        if webhook:
            from bot.telegram.webhook import set_webhook

            secret = settings.webhook_secret
            assert secret is not None  # checked by _serve_http
            await set_webhook(app.bot, webhook, secret.get_secret_value(),
                              app.dispatcher.resolve_used_update_types())  # fmt: skip
            log.info("webhook mode: Telegram posts updates to %s", webhook)
            await pump.run(stop)
        else:
            await app.poller.run(stop)
        log.info("stopping: nothing is lost, pending work resumes at the next start")
        return 0
    except TelegramUnauthorizedError:
        print("parley: PARLEY_BOT_TOKEN: the Bot API rejected the token", file=sys.stderr)
        return 2
    finally:
        stop.set()
        if sender is not None:  # sends in flight get a few seconds; the rest stay pending
            await asyncio.gather(sender, return_exceptions=True)
        await app.runner.stop()  # follow-ups in flight finish; the rest stay pending
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if http is not None:
            await http.stop()
        await app.close()


async def _serve_http(
    app: App, settings: Settings, webhook: str | None, pump: InboxPump
) -> HttpServer | None:
    """Start the HTTP server (order API, /healthz, webhook) if the API token or webhook mode
    asks for it; None otherwise."""
    from bot.api.server import HttpApi, HttpServer, Webhook, webhook_path

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


SELLER_COMMANDS = {
    "inbox": "Open conversations, longest waiting first",
    "order": "ORDER_ID — an order and its history",
    "disputes": "Open disputes, nearest deadline first",
    "dispute": "ORDER_ID [date] [amount] [reason] — record or show a dispute",
    "stats": "Seller metrics and their trend",
    "end": "Hand a taken-over conversation back",
    "cancel": "Stop editing a draft",
    "help": "How the console works",
}


async def _register_commands(bot: object, seller_chat_ids: list[int]) -> None:
    """setMyCommands: /start for buyers, the console commands in each seller chat."""
    from aiogram import Bot
    from aiogram.types import BotCommand, BotCommandScopeChat

    assert isinstance(bot, Bot)
    try:
        await bot.set_my_commands(
            [BotCommand(command="start", description="Start / link your order")]
        )
        commands = [BotCommand(command=c, description=d) for c, d in SELLER_COMMANDS.items()]
        for chat_id in seller_chat_ids:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
    except Exception as exc:  # noqa: BLE001 - commands are a nicety; the bot works without
        log.warning("setMyCommands failed: %s", exc)


async def _wait_for_api(bot: object, stop: asyncio.Event) -> str | None:
    """getMe until the Bot API answers (it may start after us); None if stopped meanwhile."""
    from aiogram import Bot
    from aiogram.exceptions import TelegramUnauthorizedError

    assert isinstance(bot, Bot)
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
