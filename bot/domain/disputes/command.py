"""The seller's ``/dispute`` command: its words parsed into requests (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from bot.domain.disputes.records import AnswerKind
from bot.domain.disputes.timeline import aware
from bot.domain.errors import ParleyError


class BadCommand(ParleyError):
    """A seller command could not be understood; its ``key`` names the seller template
    (``refusal/<key>``) that says how to write it."""


_AMOUNT = re.compile(r"^(?:[A-Za-z]{0,3}\$|[€£¥₽])?(\d+(?:[.,]\d{1,2})?)(?:[A-Za-z]{3}|[€£¥₽])?$")


@dataclass(frozen=True)
class OpenRequest:
    """``/dispute ORDER_ID [date] [amount] [reason]`` parsed."""

    opened_at: datetime | None
    amount: Decimal | None
    reason: str


@dataclass(frozen=True)
class OfferRequest:
    """``/dispute ORDER_ID offer AMOUNT [what]`` parsed."""

    amount: Decimal | None
    note: str


@dataclass(frozen=True)
class AnswerRequest:
    """``/dispute ORDER_ID buyer accept|reject|counter [AMOUNT] [words]`` parsed."""

    answer: AnswerKind
    amount: Decimal | None
    note: str


@dataclass(frozen=True)
class DisputeCommand:
    """The order id and the words after it."""

    order_id: str
    words: tuple[str, ...] = field(default_factory=tuple)

    @property
    def action(self) -> str | None:
        """``offer`` or ``buyer`` when the first word names an action on an open dispute."""
        if self.words and self.words[0].lower() in ("offer", "buyer"):
            return self.words[0].lower()
        return None


def parse_command(args: str | None) -> DisputeCommand:
    """Split ``/dispute`` arguments; :class:`BadCommand` without an order id."""
    words = (args or "").split()
    if not words:
        raise BadCommand("no order id (Usage: /dispute ORDER_ID …)", key="dispute_usage")
    order_id = words[0].strip().lstrip("#")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", order_id):
        raise BadCommand(f"{order_id[:40]!r} is not an order id", key="not_an_order_id",
                         word=order_id[:40])  # fmt: skip
    return DisputeCommand(order_id, tuple(words[1:]))


def parse_amount(word: str) -> Decimal | None:
    """``8``, ``8.00``, ``8,50``, ``$8``, ``US$8.00``, ``8USD`` → Decimal; None if not money."""
    match = _AMOUNT.match(word.strip())
    if not match:
        return None
    try:
        return Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


def parse_date(word: str, seller_tz: tzinfo) -> datetime | None:
    """An ISO date or datetime as UTC; a date alone is 00:00 in the seller's timezone (so
    deadlines come out early rather than late); a datetime without offset is seller time."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            return datetime.combine(date.fromisoformat(word), time(0), seller_tz).astimezone(UTC)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?", word):
            value = datetime.fromisoformat(word.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=seller_tz)
            return value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across UTC
        return None
    return None


def parse_open(words: Sequence[str], now: datetime, seller_tz: tzinfo) -> OpenRequest:
    """Optional date, optional amount, then free-text reason."""
    now = aware(now)
    rest = list(words)
    opened_at = None
    if rest and re.match(r"^\d{4}-\d{2}-\d{2}", rest[0]):
        opened_at = parse_date(rest[0], seller_tz)
        if opened_at is None:
            raise BadCommand(f"{rest[0]!r} is not a date", key="not_a_date", word=rest[0][:40])
        if opened_at > now:
            raise BadCommand(f"{rest[0]} is in the future", key="date_in_future", word=rest[0][:40])
        rest.pop(0)
    amount = parse_amount(rest[0]) if rest else None
    if amount is not None:
        rest.pop(0)
    return OpenRequest(opened_at, amount, " ".join(rest)[:500])


def parse_offer(words: Sequence[str]) -> OfferRequest:
    """Words after ``offer``: an amount (optional for e.g. a replacement) and what it is."""
    rest = list(words)
    amount = parse_amount(rest[0]) if rest else None
    if amount is not None:
        rest.pop(0)
    if amount is None and not rest:
        raise BadCommand("an offer needs an amount or words", key="offer_missing")
    return OfferRequest(amount, " ".join(rest)[:500])


def parse_answer(words: Sequence[str]) -> AnswerRequest:
    """Words after ``buyer``: accept / reject / counter, an optional amount, the buyer's words."""
    if not words or words[0].lower() not in {a.value for a in AnswerKind}:
        raise BadCommand("a buyer answer needs accept, reject or counter", key="answer_missing")
    rest = list(words[1:])
    amount = parse_amount(rest[0]) if rest else None
    if amount is not None:
        rest.pop(0)
    return AnswerRequest(AnswerKind(words[0].lower()), amount, " ".join(rest)[:500])
