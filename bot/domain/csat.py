"""Buyer satisfaction (CSAT) and the first-response target: the rules, pure.

**When a conversation counts as resolved for the question.** The buyer is asked once the case
is closed for both sides, i.e. the conversation's status became ``resolved`` through one of:

* the buyer chose an option that needs nothing more from the seller (keep the order, keep
  waiting…): :class:`~bot.services.choosing.Chooser` resolves it with "what was done";
* the seller pressed **Done** on the action the buyer chose (refund, reship, coupon…):
  :meth:`~bot.services.sellers.SellerService.done` tells the buyer and resolves it;
* the seller ended a take-over (**End**): they talked to the buyer themselves and closed it.

Not asked: a dismissed conversation (nothing reached the buyer), and a reply without options
that resolves a conversation by itself (an automatic "hello", "thanks" or order status, or an
answer to a question): a survey after a one-line answer is noise, and the buyer may still
write back. Storage finds these conversations (:meth:`CsatRepository.resolved_unasked
<bot.domain.ports.CsatRepository.resolved_unasked>`: resolved, with a choice that needed no
action or whose action is done, or a draft taken over), so the use cases that resolve a
conversation need not know about the question.

**When it is asked** (:func:`decide`): as soon as the scheduler looks (every minute), unless
the buyer is in their quiet hours (held until they end), a dispute is open on one of the
buyer's orders, or their automation is paused (a seller took one of their conversations over,
or they asked for a person: :mod:`bot.domain.pause`) — then it is held and looked at again.
A question still held :data:`ASK_EXPIRES` after the resolution is skipped: asked days later it
would be about something the buyer has forgotten.

**The comment** (:func:`is_comment`): after a rating, the buyer's next text message within
:data:`COMMENT_WINDOW` is stored as the comment — unless the intent engine reads it as
something to act on (any intent but small talk: ``none``, ``thanks``, ``greeting``); a new
complaint ("the sole came off again") is handled as a new request, never swallowed as a
comment. No extra button: the rated question says "write it here if you like".

**Figures** (:func:`service_figures`, :func:`weekly`) are computed from plain records; every
record may carry an ``assignee`` (None until a team console assigns conversations), so a split
per assignee is the same functions over :func:`by_assignee`'s groups.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from bot.domain.quiethours import Timing

RATINGS = (1, 2, 3, 4, 5)
"""The scale the buyer answers on (buttons 1–5)."""
SATISFIED = frozenset({4, 5})
"""Ratings that count as satisfied (the "share of 4–5")."""
COMMENT_WINDOW = timedelta(minutes=30)
"""How long after a rating the buyer's next text is taken as the comment."""
ASK_EXPIRES = timedelta(days=3)
"""A question not asked this long after the resolution is skipped."""
HOLD_RECHECK = timedelta(minutes=10)
"""A question held by an open dispute or a pause is looked at again this often."""
SMALL_TALK = frozenset({"none", "thanks", "greeting"})
"""Intents that read as a comment, not as something to act on."""


class AskStatus(StrEnum):
    """Where one conversation's question stands (``csat.status``)."""

    PENDING = "pending"  # waiting for its moment (``due_at``)
    ASKED = "asked"  # queued to the buyer (at most once)
    SKIPPED = "skipped"  # never asked (``reason`` says why)


class Action(StrEnum):
    """What :func:`decide` says about a pending question."""

    ASK = "ask"
    HOLD = "hold"  # look again at ``at``
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    """Ask now, hold until ``at`` (with the reason), or skip (with the reason)."""

    action: Action
    at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class Resolved:
    """A resolved conversation that qualifies for the question and has none yet."""

    conversation_id: int
    chat_id: int
    order_id: str | None
    language: str
    resolved_at: datetime


@dataclass(frozen=True)
class CsatAsk:
    """One conversation's question and the buyer's answer (one row per conversation)."""

    id: int
    conversation_id: int
    chat_id: int
    order_id: str | None
    language: str
    status: AskStatus
    resolved_at: datetime
    due_at: datetime | None = None
    reason: str = ""
    asked_at: datetime | None = None
    rating: int | None = None
    answered_at: datetime | None = None
    comment: str | None = None
    commented_at: datetime | None = None


def decide(
    resolved_at: datetime,
    now: datetime,
    timing: Timing,
    *,
    dispute_open: bool,
    paused: str | None,
    expires: timedelta = ASK_EXPIRES,
    recheck: timedelta = HOLD_RECHECK,
) -> Decision:
    """Whether a pending question goes out now. ``paused`` is the pause's held reason
    (:attr:`bot.domain.pause.Pause.held`) or None."""
    if now - resolved_at > expires:
        return Decision(Action.SKIP, reason=f"too late: resolved {resolved_at.isoformat()}")
    if dispute_open:
        return Decision(Action.HOLD, now + recheck, "held: dispute open")
    if paused:
        return Decision(Action.HOLD, now + recheck, paused)
    if timing.quiet is not None:
        allowed = timing.quiet.next_allowed(now, timing.zone)
        if allowed > now:
            return Decision(Action.HOLD, allowed, "held: quiet hours")
    return Decision(Action.ASK)


def valid_rating(rating: int) -> bool:
    """Whether ``rating`` is on the scale."""
    return rating in RATINGS


def is_comment(
    answered_at: datetime | None,
    now: datetime,
    intent: str,
    window: timedelta = COMMENT_WINDOW,
) -> bool:
    """Whether a buyer's text at ``now`` is the comment on a rating given at ``answered_at``:
    inside the window, and not read as something to act on (see the module's docstring)."""
    if answered_at is None or not answered_at <= now <= answered_at + window:
        return False
    return intent in SMALL_TALK


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsatRecord:
    """A question as the figures see it: when asked, the rating (None: no answer)."""

    asked_at: datetime
    rating: int | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class ResponseRecord:
    """A conversation's first-response clock: the buyer's first message and the first reply
    (None: not answered yet)."""

    first_in_at: datetime
    first_reply_at: datetime | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class ServiceFigures:
    """CSAT and the first-response target over one window ``(since, until]``. Shares are
    fractions (0.8 = 80 %), None when there is nothing to divide."""

    days: int
    asked: int
    answered: int
    average: float | None
    satisfied_share: float | None
    response_rate: float | None
    target_hours: float
    target_met: int
    target_measured: int
    target_share: float | None


@dataclass(frozen=True)
class WeekPoint:
    """One week of the chart: the CSAT average of the ratings to questions asked that week, and
    the share of that week's conversations whose first response met the target."""

    start: date
    average: float | None
    answered: int
    target_share: float | None
    target_measured: int


def _inside(at: datetime | None, since: datetime, until: datetime) -> bool:
    return at is not None and since < at <= until


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def target_outcome(record: ResponseRecord, now: datetime, target: timedelta) -> bool | None:
    """Whether the first response met ``target``: True (answered in time), False (answered
    late, or still unanswered past the target), None (unanswered, target not over yet)."""
    if record.first_reply_at is not None:
        return record.first_reply_at - record.first_in_at <= target
    return None if now - record.first_in_at <= target else False


def _csat(records: Iterable[CsatRecord]) -> tuple[int, list[int]]:
    asked, ratings = 0, []
    for record in records:
        asked += 1
        if record.rating is not None:
            ratings.append(record.rating)
    return asked, ratings


def _target(records: Iterable[ResponseRecord], now: datetime, target: timedelta) -> tuple[int, int]:
    outcomes = [target_outcome(r, now, target) for r in records]
    decided = [o for o in outcomes if o is not None]
    return sum(decided), len(decided)


def service_figures(
    csat: Sequence[CsatRecord],
    responses: Sequence[ResponseRecord],
    now: datetime,
    days: int,
    target_hours: float,
) -> ServiceFigures:
    """The figures of the window ``(now - days, now]``: questions asked in it and their
    ratings; conversations whose first buyer message is in it, against the target."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    since = now - timedelta(days=days)
    asked, ratings = _csat(r for r in csat if _inside(r.asked_at, since, now))
    target = timedelta(hours=target_hours)
    met, measured = _target(
        (r for r in responses if _inside(r.first_in_at, since, now)), now, target
    )
    return ServiceFigures(
        days=days,
        asked=asked,
        answered=len(ratings),
        average=statistics.fmean(ratings) if ratings else None,
        satisfied_share=_ratio(sum(1 for r in ratings if r in SATISFIED), len(ratings)),
        response_rate=_ratio(len(ratings), asked),
        target_hours=target_hours,
        target_met=met,
        target_measured=measured,
        target_share=_ratio(met, measured),
    )


def week_start(at: datetime) -> date:
    """The Monday (UTC) of the week ``at`` falls in."""
    day = at.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly(
    csat: Sequence[CsatRecord],
    responses: Sequence[ResponseRecord],
    now: datetime,
    weeks: int,
    target_hours: float,
) -> list[WeekPoint]:
    """The last ``weeks`` weeks (Monday to Sunday, UTC; the current one included), oldest
    first: the CSAT average and the first-response target share of each."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    this_week = week_start(now)
    starts = [this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    target = timedelta(hours=target_hours)
    ratings: dict[date, list[int]] = defaultdict(list)
    for record in csat:
        if record.rating is not None and record.asked_at <= now:
            ratings[week_start(record.asked_at)].append(record.rating)
    outcomes: dict[date, list[bool]] = defaultdict(list)
    for response in responses:
        outcome = target_outcome(response, now, target)
        if outcome is not None and response.first_in_at <= now:
            outcomes[week_start(response.first_in_at)].append(outcome)
    return [
        WeekPoint(
            start=start,
            average=statistics.fmean(ratings[start]) if ratings[start] else None,
            answered=len(ratings[start]),
            target_share=_ratio(sum(outcomes[start]), len(outcomes[start])),
            target_measured=len(outcomes[start]),
        )
        for start in starts
    ]


R = TypeVar("R", CsatRecord, ResponseRecord)


def by_assignee(records: Iterable[R]) -> dict[str | None, list[R]]:
    """Records grouped by assignee (None: unassigned), for a per-assignee split of the same
    figures once conversations are assigned."""
    groups: dict[str | None, list[R]] = defaultdict(list)
    for record in records:
        groups[record.assignee].append(record)
    return dict(groups)
