"""``parley`` command line: run the bot, play the offline demo, import data, make links."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli_disputes import add_dispute_commands, run_dispute_command
from bot.cli_intents import add_intent_commands, run_intent_command
from bot.domain.errors import ParleyError
from bot.logs import configure_logging
from bot.settings import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Customer-support bot for marketplace sellers. Settings come from PARLEY_* "
        "environment variables and an optional parley.toml (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling) with the scheduler")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="receive updates at this public URL "
        "(served on PARLEY_API_HOST:PARLEY_API_PORT) instead of long polling",
    )
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
    db = sub.add_parser("db", help="database schema and moving to PostgreSQL").add_subparsers(
        dest="action", required=True
    )
    db.add_parser("upgrade", help="apply pending migrations to PARLEY_DATABASE (either engine)")
    copy = db.add_parser("copy", help="copy every table of a SQLite database into an empty "
                         "PostgreSQL database (one transaction, counts verified)")  # fmt: skip
    copy.add_argument("sqlite_file", type=Path, metavar="SQLITE_FILE")
    copy.add_argument("postgres_url", metavar="POSTGRES_URL", help="postgresql://user:pass@host/db")
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
    """One call per command into the composition root: :mod:`bot.app` for the running bot,
    :mod:`bot.wiring` for commands that need use cases but no Telegram (no aiogram import)."""
    if args.command == "run":
        from bot.app import run

        return await run(settings, args.webhook)
    if args.command == "check":
        from bot.wiring import load_content

        content = load_content(settings)
        print(f"ok: {len(content.intents.intents)} intents, "
              f"{len(content.intents.phrases)} phrases, templates valid")  # fmt: skip
        return 0
    for command in (run_dispute_command, run_intent_command):
        handled = await command(args, settings)
        if handled is not None:
            return handled
    from bot import app, wiring

    if args.command == "db":
        return await _db_command(args, settings)
    if args.command == "backup":
        done = await wiring.backup_database(settings, args.file)
        print(f"backed up {settings.database} (schema v{done.version}, {done.size} bytes) "
              f"to {args.file}")  # fmt: skip
        return 0
    if args.command == "restore":
        restored = await wiring.restore_database(settings, args.file)
        kept = f"; the previous one is kept as {restored.kept}" if restored.kept else ""
        print(f"restored {settings.database} from {args.file} "
              f"(schema v{restored.version}){kept}")  # fmt: skip
        return 0
    async with wiring.open_services(settings) as services:
        if args.command in ("orders", "catalog"):
            importer = services.importer(plan_followups=args.command == "orders")
            count = await (importer.orders if args.command == "orders" else importer.catalog)(
                args.file
            )
            print(f"imported {count} {args.command} row(s) from {args.file}")
            return 0
        if args.command == "link":
            links = services.links()
            if args.payload:
                print(await links.payload(args.order_id))
            else:
                print(await links.link(args.order_id, await app.bot_username(settings)))
            return 0
    raise AssertionError(f"unhandled command {args.command}")


async def _db_command(args: argparse.Namespace, settings: Settings) -> int:
    """``parley db upgrade`` / ``parley db copy SQLITE_FILE POSTGRES_URL``."""
    from bot import wiring
    from bot.storage.sql.admin import label

    if args.action == "upgrade":
        done = await wiring.upgrade_database(settings)
        change = "up to date" if done.before == done.after else f"was v{done.before}"
        print(f"{label(settings.database)}: schema v{done.after} ({change})")
        return 0
    copied = await wiring.copy_database(args.sqlite_file, args.postgres_url)
    width = max(len(name) for name, _ in copied.counts)
    for name, count in copied.counts:
        print(f"  {name:<{width}}  {count}")
    print(f"copied {copied.rows} rows in {len(copied.counts)} tables from {args.sqlite_file} "
          f"(schema v{copied.version}) to {label(args.postgres_url)}: counts verified, "
          "id sequences reset")  # fmt: skip
    return 0
