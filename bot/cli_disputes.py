"""``parley dispute …`` and ``parley stats``: the dispute clock and the metrics from a shell.

Imports stay light at module level (no aiogram, no matplotlib) so ``parley --help`` is fast;
the use cases come from the composition root (:func:`bot.wiring.open_services`, no aiogram).
Whatever these commands send to the seller (a new dispute's card, reminders) is written to
the outbox and delivered by the running ``parley run``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain.errors import ParleyError

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.wiring import Services

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML to terminal text."""
    return html.unescape(_TAG.sub("", text))


def _amount(value: str) -> Decimal:
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{value!r} is not an amount") from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def add_dispute_commands(sub: Any) -> None:
    """Add ``dispute`` (with its actions) and ``stats`` to the ``parley`` subcommands."""
    dispute = sub.add_parser("dispute", help="the dispute clock: open, list, show, offer, "
                             "answer, remind, export")  # fmt: skip
    actions = dispute.add_subparsers(dest="action", required=True)
    opening = actions.add_parser("open", help="record a dispute on an order")
    opening.add_argument("order_id")
    opening.add_argument("--at", help="when the buyer opened it: YYYY-MM-DD or ISO datetime "
                         "(seller timezone when no offset; default now)")  # fmt: skip
    opening.add_argument("--amount", type=_amount, help="amount the buyer claims")
    opening.add_argument("--reason", default="", help="the buyer's reason")
    actions.add_parser("list", help="open disputes, nearest deadline first")
    show = actions.add_parser("show", help="an order's dispute with its timeline")
    show.add_argument("order_id")
    offer = actions.add_parser("offer", help="record your offer on an open dispute")
    offer.add_argument("order_id")
    offer.add_argument("amount", type=_amount, nargs="?")
    offer.add_argument("--note", default="", help="what you offer, e.g. 'partial refund'")
    answer = actions.add_parser("answer", help="record the buyer's answer to your last offer")
    answer.add_argument("order_id")
    answer.add_argument("answer", choices=["accept", "reject", "counter"])
    answer.add_argument("--amount", type=_amount, help="the buyer's counter-offer amount")
    answer.add_argument("--note", default="", help="the buyer's words")
    actions.add_parser("remind", help="fire due reminders now (parley run does it by itself)")
    export = actions.add_parser("export", help="evidence summary for the platform")
    export.add_argument("order_id")
    export.add_argument("--format", choices=["html", "md"], default="html", dest="fmt")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    stats = sub.add_parser("stats", help="seller metrics over rolling windows")
    stats.add_argument(
        "--days",
        type=_positive,
        action="append",
        help="window length in days (repeatable; default 30, 60 and 90)",
    )
    stats.add_argument("--json", action="store_true", help="machine-readable output")


async def run_dispute_command(args: argparse.Namespace, settings: Settings) -> int | None:
    """Run ``dispute`` / ``stats``; None when ``args`` is another command."""
    if args.command not in ("dispute", "stats"):
        return None
    from bot.wiring import open_services

    async with open_services(settings) as services:
        if args.command == "stats":
            return await _stats(args, services)
        return await _dispute(args, services)


async def _stats(args: argparse.Namespace, services: Services) -> int:
    from bot.domain.metrics import WINDOWS
    from bot.services.stats import report_text

    zone = services.stats.config.timezone
    report = await services.stats.report(tuple(sorted(set(args.days))) if args.days else WINDOWS)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(plain(report_text(report, zone, services.presenter)))
    return 0


async def _dispute(args: argparse.Namespace, services: Services) -> int:
    from bot.domain.disputes import AnswerKind, BadCommand, parse_date
    from bot.services.evidence import render

    service = services.disputes
    zone = service.config.timezone
    action = args.action
    if action == "open":
        at: datetime | None = None
        if args.at:
            at = parse_date(args.at, zone)
            if at is None:
                raise BadCommand(f"--at {args.at!r}: write YYYY-MM-DD or an ISO datetime")
        dispute, created = await service.open(args.order_id, opened_at=at, amount=args.amount,
                                              reason=args.reason, source="cli")  # fmt: skip
        verb = "recorded" if created else "already open"
        print(f"dispute {dispute.id} on order {dispute.order_id}: {verb} "
              f"(opened {dispute.opened_at.isoformat()})")  # fmt: skip
        print(plain(await service.timeline_text(args.order_id) or ""))
        return 0
    if action == "list":
        print(plain(await service.listing_text(limit=None)))
        return 0
    if action == "show":
        text = await service.timeline_text(args.order_id)
        if text is None:
            print(f"parley: no dispute recorded for order {args.order_id}", file=sys.stderr)
            return 1
        print(plain(text))
        return 0
    if action == "offer":
        offer = await service.offer(args.order_id, args.amount, args.note)
        print(f"offer #{offer.id} recorded: {offer.kind} {offer.amount or ''}".rstrip())
        return 0
    if action == "answer":
        answer = await service.buyer_answer(args.order_id, AnswerKind(args.answer), args.note,
                                            args.amount)  # fmt: skip
        print(f"buyer's answer recorded: {answer.answer.value}")
        return 0
    if action == "remind":
        print(f"{await service.run_due()} reminder(s) queued for the seller")
        return 0
    if action == "export":
        text = render(await service.evidence(args.order_id), args.fmt, zone)
        if args.output is None:
            sys.stdout.write(text)
        else:
            args.output.write_text(text, encoding="utf-8")
            print(f"wrote the evidence summary for order {args.order_id} to {args.output}")
        return 0
    raise ParleyError(f"unknown dispute action {action}")  # pragma: no cover - argparse checks
