"""Linking a chat to an order by a second fact (pure rules; issue 14 item 2).

A buyer who cannot open the bot's deep link (always so in a Telegram Business chat; also a
bot-chat buyer who never got the link) names an order number. Parley then asks for a second
fact from that order — the buyer name on it, or the last 4 characters of its tracking number
— and links the order to the chat only when the fact matches (:func:`matches`). Until then
nothing about the order is shown, not even whether it exists: an unknown number gets the same
question and then "does not match".

Tries are counted per (chat, order) in an :class:`Attempt`: :data:`MAX_FAILURES` wrong answers
lock that order for that chat for :data:`LOCK` (:func:`failed`); after the lock the count
starts again (:func:`current`). Every function takes ``now``; nothing here reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.models import Order
from bot.domain.text import fold

MAX_FAILURES = 5
"""Wrong answers that lock an order for a chat."""

LOCK = timedelta(hours=1)
"""How long a locked order stays locked for that chat."""

PENDING_FOR = timedelta(hours=24)
"""How long a question stays open: a later message is not taken as its answer."""

TRACKING_TAIL = 4
"""The tracking number's last characters a buyer may give."""

_TRIM = " \t\n.,;:!?\"'«»()"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Attempt:
    """The linking state of one order for one chat.

    ``pending_since``: when the chat was last asked for this order's second fact (None when
    no question is open); ``failures``: wrong answers since the last lock; ``locked_until``:
    set while locked; ``language``: the buyer's language when asked; ``request``: the
    message that named the order, handled once the order is linked.
    """

    chat_id: int
    order_id: str
    pending_since: datetime | None = None
    failures: int = 0
    locked_until: datetime | None = None
    language: str = ""
    request: str = ""


def current(attempt: Attempt, now: datetime) -> Attempt:
    """The attempt as it stands at ``now``: a lock that has run out is gone, with its count."""
    if attempt.locked_until is not None and now >= attempt.locked_until:
        return replace(attempt, failures=0, locked_until=None)
    return attempt


def is_locked(attempt: Attempt, now: datetime) -> bool:
    """Whether the order is locked for the chat at ``now``."""
    return attempt.locked_until is not None and now < attempt.locked_until


def is_pending(attempt: Attempt, now: datetime) -> bool:
    """Whether the chat's next message is the answer to this attempt's question."""
    return (
        attempt.pending_since is not None
        and now - attempt.pending_since < PENDING_FOR
        and not is_locked(attempt, now)
    )


def asked(attempt: Attempt, now: datetime, language: str, request: str) -> Attempt:
    """The attempt once the question is asked (again) at ``now``."""
    return replace(attempt, pending_since=now, language=language, request=request)


def failed(attempt: Attempt, now: datetime) -> Attempt:
    """The attempt after a wrong answer at ``now``: the :data:`MAX_FAILURES`-th locks the
    order for :data:`LOCK` and closes the question."""
    failures = attempt.failures + 1
    if failures >= MAX_FAILURES:
        return replace(attempt, failures=failures, locked_until=now + LOCK, pending_since=None)
    return replace(attempt, failures=failures)


def matches(order: Order | None, answer: str) -> bool:
    """Whether ``answer`` is the second fact of ``order``: the buyer name on it (case, accents,
    punctuation and spacing ignored) or the last 4 characters of its tracking number (case
    ignored; an order with no tracking number yet has only the name). No order: never."""
    if order is None:
        return False
    name = _folded(order.buyer_name)
    if name and _folded(answer) == name:
        return True
    tracking = order.tracking_number.strip()
    given = answer.strip(_TRIM).replace(" ", "")
    return (
        len(tracking) >= TRACKING_TAIL
        and len(given) == TRACKING_TAIL
        and given.casefold() == tracking[-TRACKING_TAIL:].casefold()
    )


def _folded(name: str) -> str:
    """A name's words, case and accents folded (:func:`~bot.domain.text.fold`), punctuation
    and spacing dropped; digits kept."""
    return " ".join(_WORD.findall(fold(name)))
