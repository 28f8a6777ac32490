"""Dispute timeline: a pure state machine, the clock of deadlines and the reminder edges.

States::

    opened ─respond─> responded ─negotiate─> negotiating ─agree─> agreed ─execute─> executed
       │                  │   └──────────agree──────────────┘                         │
       │                  │                                                      close
       ├──────────────────┴─── escalate ──> escalated ─rule_buyer─> ruled_for_buyer   v
       │                                       └──────rule_seller─> ruled_for_seller closed
       ├─ lapse (no answer in time: the platform executed the buyer's request) ─> ruled_for_buyer
       └─ withdraw (the buyer withdrew; also from responded/negotiating) ─> closed

Day numbers count whole 24-hour periods from the moment the dispute was opened (day 0), so
"day 4" starts exactly 4 × 24 h after opening. With the default :class:`DisputeRules`:

- the seller must answer before ``opened + 5 days``; a reminder goes out 24 h earlier;
- the negotiation window runs from the start of day 4 to the end of day 15; reminders at its
  opening, at the start of days 12 and 14 (3 and 1 days before its last day) and of day 15
  (its last day);
- at the start of day 16 a dispute without agreement is escalated to the platform;
- after an agreed return the buyer has 10 days to ship the item back (one more reminder);
- buyer protection lasts 60 days (from shipping, else from payment) unless extended.

Everything takes ``now`` as an argument and works on timezone-aware UTC datetimes; naive
datetimes are refused with :class:`ValueError`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.errors import InvalidTransition, ParleyError
from bot.domain.money import Money

DAY = timedelta(days=1)


class DisputeState(StrEnum):
    """Where a dispute stands."""

    OPENED = "opened"
    RESPONDED = "responded"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    EXECUTED = "executed"
    CLOSED = "closed"
    ESCALATED = "escalated"
    RULED_FOR_BUYER = "ruled_for_buyer"
    RULED_FOR_SELLER = "ruled_for_seller"

    @property
    def terminal(self) -> bool:
        """Closed or ruled: nothing can happen to it any more."""
        return self in _TERMINAL

    @property
    def negotiable(self) -> bool:
        """Still without agreement or ruling: offers can be made, the window clock runs."""
        return self in _NEGOTIABLE


_TERMINAL = frozenset(
    {DisputeState.CLOSED, DisputeState.RULED_FOR_BUYER, DisputeState.RULED_FOR_SELLER}
)
_NEGOTIABLE = frozenset({DisputeState.OPENED, DisputeState.RESPONDED, DisputeState.NEGOTIATING})


class DisputeEvent(StrEnum):
    """What can happen to a dispute (``open`` only starts one)."""

    OPEN = "open"
    RESPOND = "respond"
    NEGOTIATE = "negotiate"
    AGREE = "agree"
    EXECUTE = "execute"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    ESCALATE = "escalate"
    RULE_FOR_BUYER = "rule_buyer"
    RULE_FOR_SELLER = "rule_seller"
    LAPSE = "lapse"


S, E = DisputeState, DisputeEvent
TRANSITIONS: dict[tuple[DisputeState, DisputeEvent], DisputeState] = {
    (S.OPENED, E.RESPOND): S.RESPONDED,
    (S.RESPONDED, E.NEGOTIATE): S.NEGOTIATING,
    (S.RESPONDED, E.AGREE): S.AGREED,
    (S.NEGOTIATING, E.AGREE): S.AGREED,
    (S.AGREED, E.EXECUTE): S.EXECUTED,
    (S.EXECUTED, E.CLOSE): S.CLOSED,
    (S.OPENED, E.WITHDRAW): S.CLOSED,
    (S.RESPONDED, E.WITHDRAW): S.CLOSED,
    (S.NEGOTIATING, E.WITHDRAW): S.CLOSED,
    (S.OPENED, E.ESCALATE): S.ESCALATED,
    (S.RESPONDED, E.ESCALATE): S.ESCALATED,
    (S.NEGOTIATING, E.ESCALATE): S.ESCALATED,
    (S.ESCALATED, E.RULE_FOR_BUYER): S.RULED_FOR_BUYER,
    (S.ESCALATED, E.RULE_FOR_SELLER): S.RULED_FOR_SELLER,
    (S.OPENED, E.LAPSE): S.RULED_FOR_BUYER,
}
"""Every valid step; anything else raises :class:`InvalidTransition`."""
del S, E


def allowed_events(state: DisputeState) -> tuple[DisputeEvent, ...]:
    """The events ``state`` accepts, in a stable order."""
    return tuple(event for (source, event) in TRANSITIONS if source == state)


def transition(state: DisputeState, event: DisputeEvent) -> DisputeState:
    """The state after ``event``; :class:`InvalidTransition` when the step is not allowed."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidTransition(state.value, event.value, tuple(allowed_events(state)))
    return target


# --- rules and timeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeRules:
    """The numbers of the dispute clock (public sources disagree, so all are settings)."""

    answer_days: int = 5
    window_opens_day: int = 4
    window_closes_day: int = 15
    escalation_day: int = 16
    return_shipping_days: int = 10
    protection_days: int = 60
    warn_days_before_close: tuple[int, ...] = (3, 1)
    answer_warning_hours: int = 24

    def __post_init__(self) -> None:
        if self.answer_days < 1:
            raise ValueError("answer_days must be at least 1")
        if not 0 <= self.window_opens_day <= self.window_closes_day < self.escalation_day:
            raise ValueError("need 0 <= window_opens_day <= window_closes_day < escalation_day")
        if self.return_shipping_days < 1 or self.protection_days < 1:
            raise ValueError("return_shipping_days and protection_days must be at least 1")
        length = self.window_closes_day - self.window_opens_day
        for days in self.warn_days_before_close:
            if not 1 <= days <= length:
                raise ValueError(
                    f"warn_days_before_close: {days} is not inside the window (1..{length})"
                )
        if not 0 <= self.answer_warning_hours < self.answer_days * 24:
            raise ValueError("answer_warning_hours must be shorter than the answer period")


def _aware(value: datetime, name: str = "time") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Timeline:
    """The deadlines of one dispute, all UTC."""

    opened_at: datetime
    answer_by: datetime
    window_opens: datetime
    window_closes: datetime  # end of the window's last day
    escalates_at: datetime


def timeline(opened_at: datetime, rules: DisputeRules) -> Timeline:
    """Deadlines computed from the moment the dispute was opened."""
    opened_at = _aware(opened_at, "opened_at")
    return Timeline(
        opened_at=opened_at,
        answer_by=opened_at + rules.answer_days * DAY,
        window_opens=opened_at + rules.window_opens_day * DAY,
        window_closes=opened_at + (rules.window_closes_day + 1) * DAY,
        escalates_at=opened_at + rules.escalation_day * DAY,
    )


def day_number(opened_at: datetime, now: datetime) -> int:
    """Which day of the dispute ``now`` falls on (day 0 is the day it was opened)."""
    return (_aware(now) - _aware(opened_at, "opened_at")) // DAY


def protection_ends(
    shipped_at: datetime | None, paid_at: datetime, rules: DisputeRules, extended_days: int = 0
) -> datetime:
    """When buyer protection ends: from shipping (else payment) plus the protection days."""
    start = _aware(shipped_at or paid_at, "shipped_at/paid_at")
    return start + (rules.protection_days + extended_days) * DAY


def return_deadline(agreed_at: datetime, rules: DisputeRules) -> datetime:
    """After an agreed return, when the buyer's time to ship the item back ends."""
    return _aware(agreed_at, "agreed_at") + rules.return_shipping_days * DAY


def in_window(opened_at: datetime, at: datetime, rules: DisputeRules) -> bool:
    """Whether ``at`` is before the negotiation window closed (agreement counts as in time)."""
    return _aware(at) < timeline(opened_at, rules).window_closes


# --- reminders ------------------------------------------------------------------------------


class EdgeKind(StrEnum):
    """The kinds of moments the seller is reminded of."""

    ANSWER_DEADLINE = "answer_deadline"
    WINDOW_OPENS = "window_opens"
    WINDOW_CLOSING = "window_closing"
    LAST_DAY = "last_day"
    ESCALATION = "escalation"
    RETURN_SHIPPING = "return_shipping"


class ReminderAction(StrEnum):
    """What a due reminder does, given the dispute's state at that moment."""

    SEND = "send"
    SKIP = "skip"
    ESCALATE = "escalate"  # escalate the dispute, then send


@dataclass(frozen=True)
class Reminder:
    """One planned reminder: ``edge`` is its unique name within the dispute."""

    edge: str
    kind: EdgeKind
    due_at: datetime
    days_before_close: int = 0


def closing_edge(days: int) -> str:
    """Edge name of the reminder ``days`` before the window's last day."""
    return f"window_closes_in_{days}d"


def edge_kind(edge: str) -> EdgeKind:
    """The kind of a stored edge name."""
    if re.fullmatch(r"window_closes_in_\d+d", edge):
        return EdgeKind.WINDOW_CLOSING
    return EdgeKind(edge)


def plan_reminders(opened_at: datetime, rules: DisputeRules) -> list[Reminder]:
    """Every reminder of a dispute opened at ``opened_at``, in firing order."""
    line = timeline(opened_at, rules)
    last_day = line.opened_at + rules.window_closes_day * DAY
    plan = [
        Reminder(EdgeKind.ANSWER_DEADLINE.value, EdgeKind.ANSWER_DEADLINE,
                 line.answer_by - timedelta(hours=rules.answer_warning_hours)),
        Reminder(EdgeKind.WINDOW_OPENS.value, EdgeKind.WINDOW_OPENS, line.window_opens),
        *(
            Reminder(closing_edge(days), EdgeKind.WINDOW_CLOSING, last_day - days * DAY, days)
            for days in sorted(set(rules.warn_days_before_close), reverse=True)
        ),
        Reminder(EdgeKind.LAST_DAY.value, EdgeKind.LAST_DAY, last_day),
        Reminder(EdgeKind.ESCALATION.value, EdgeKind.ESCALATION, line.escalates_at),
    ]  # fmt: skip
    order = list(EdgeKind)
    return sorted(plan, key=lambda r: (r.due_at, order.index(r.kind)))


def return_reminder(agreed_at: datetime, rules: DisputeRules) -> Reminder:
    """The reminder at the end of the buyer's time to ship an agreed return back."""
    due = return_deadline(agreed_at, rules)
    return Reminder(EdgeKind.RETURN_SHIPPING.value, EdgeKind.RETURN_SHIPPING, due)


def due_reminders(
    opened_at: datetime, rules: DisputeRules, now: datetime, done: Collection[str] = ()
) -> list[Reminder]:
    """Reminders whose time has come at ``now`` and whose edge is not in ``done``."""
    now = _aware(now)
    return [r for r in plan_reminders(opened_at, rules) if r.due_at <= now and r.edge not in done]


def reminder_action(kind: EdgeKind, state: DisputeState) -> ReminderAction:
    """Whether a due reminder is sent, skipped (no longer relevant) or escalates first."""
    if kind is EdgeKind.ANSWER_DEADLINE:
        return ReminderAction.SEND if state is DisputeState.OPENED else ReminderAction.SKIP
    if kind is EdgeKind.ESCALATION:
        return ReminderAction.ESCALATE if state.negotiable else ReminderAction.SKIP
    if kind is EdgeKind.RETURN_SHIPPING:
        return ReminderAction.SEND if state is DisputeState.AGREED else ReminderAction.SKIP
    return ReminderAction.SEND if state.negotiable else ReminderAction.SKIP


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispute:
    """A dispute (refund application) about one order, as stored."""

    id: int
    order_id: str
    state: DisputeState
    opened_at: datetime
    source: str = "command"
    amount: Money | None = None
    reason: str = ""
    conversation_id: int | None = None
    responded_at: datetime | None = None
    agreed_at: datetime | None = None
    escalated_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class DisputeLogEntry:
    """One stored transition: when, which event, from/to, and why (``cause``)."""

    at: datetime
    event: DisputeEvent
    from_state: DisputeState | None
    to_state: DisputeState
    cause: str
    note: str = ""


class OfferStatus(StrEnum):
    """Where an offer stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Party(StrEnum):
    """Who made an offer."""

    SELLER = "seller"
    BUYER = "buyer"


class AnswerKind(StrEnum):
    """The buyer's answer to the seller's latest offer."""

    ACCEPT = "accept"
    REJECT = "reject"
    COUNTER = "counter"


@dataclass(frozen=True)
class Offer:
    """A proposal during negotiation (``kind`` like ``partial_refund`` or ``return_refund``)."""

    id: int
    dispute_id: int
    at: datetime
    party: Party
    kind: str
    amount: Money | None
    note: str
    source: str
    status: OfferStatus = OfferStatus.OPEN


@dataclass(frozen=True)
class Answer:
    """The buyer's answer, linked to the offer it answers when there is one."""

    id: int
    dispute_id: int
    offer_id: int | None
    at: datetime
    answer: AnswerKind
    text: str
    source: str


@dataclass(frozen=True)
class StoredReminder:
    """A reminder row: the row, not the scheduler, says whether it went out."""

    id: int
    dispute_id: int
    edge: str
    due_at: datetime
    status: str  # pending, sent, skipped
    done_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class TranscriptLine:
    """A stored message of a conversation about the disputed order."""

    at: datetime
    direction: str  # "in" from the buyer, "out" to the buyer
    kind: str
    text: str
    intent: str | None = None


@dataclass(frozen=True)
class ChoiceRecord:
    """An option the buyer picked on a reply about the order, and whether it was done."""

    at: datetime
    kind: str
    amount: Money | None
    action_status: str  # none, pending, done


def is_return(kind: str) -> bool:
    """Whether an offer kind makes the buyer send the item back."""
    return "return" in kind


def best_offer(offers: Iterable[Offer]) -> Offer | None:
    """The best offer so far: one the buyer accepted, else the seller's most generous open
    offer (largest amount, latest on a tie), else the seller's latest offer."""
    seller = [o for o in offers if o.party is Party.SELLER]
    accepted = [o for o in seller if o.status is OfferStatus.ACCEPTED]
    if accepted:
        return max(accepted, key=lambda o: (o.at, o.id))
    open_ = [o for o in seller if o.status is OfferStatus.OPEN]
    if open_:
        return max(open_, key=lambda o: (o.amount.amount if o.amount else Decimal(0), o.at, o.id))
    return max(seller, key=lambda o: (o.at, o.id)) if seller else None


def events_after_offer(state: DisputeState, party: Party) -> list[DisputeEvent]:
    """Steps an offer implies: the seller's first offer is their answer; a later offer or a
    buyer's counter-offer after that answer means the two sides negotiate."""
    if not state.negotiable:
        raise InvalidTransition(state.value, "take offers")
    if state is DisputeState.OPENED:
        return [DisputeEvent.RESPOND] if party is Party.SELLER else []
    if state is DisputeState.RESPONDED:
        return [DisputeEvent.NEGOTIATE]
    return []


def events_after_answer(state: DisputeState, answer: AnswerKind) -> list[DisputeEvent]:
    """Steps the buyer's answer to an offer implies (accepting one means agreement)."""
    if not state.negotiable:
        raise InvalidTransition(state.value, "take answers")
    if answer is AnswerKind.ACCEPT:
        if state is DisputeState.OPENED:
            return [DisputeEvent.RESPOND, DisputeEvent.AGREE]
        return [DisputeEvent.AGREE]
    return [DisputeEvent.NEGOTIATE] if state is DisputeState.RESPONDED else []


# --- deadlines for lists --------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """The next thing the seller must beat, and when."""

    label: str
    at: datetime


def next_deadline(dispute: Dispute, rules: DisputeRules, now: datetime) -> Deadline | None:
    """The nearest deadline still ahead of (or just passed at) ``now`` for this dispute."""
    now = _aware(now)
    line = timeline(dispute.opened_at, rules)
    if dispute.state is DisputeState.OPENED and now < line.answer_by:
        return Deadline("answer", line.answer_by)
    if dispute.state.negotiable:
        if now < line.window_opens:
            return Deadline("window opens", line.window_opens)
        return Deadline("window closes", line.window_closes)
    return None


def time_left(at: datetime, now: datetime) -> str:
    """``3 d 4 h left`` / ``5 h left`` / ``passed 2 d ago`` (whole hours, rounded down)."""
    delta = _aware(at) - _aware(now)
    ahead = delta >= timedelta(0)
    hours = int(abs(delta).total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    span = f"{days} d {hours} h" if days else f"{hours} h"
    return f"{span} left" if ahead else f"passed {span} ago"


# --- the seller's /dispute command ----------------------------------------------------------


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
    now = _aware(now)
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


_KIND_WORDS = (
    ("return", "return_refund"),
    ("replace", "replacement"),
    ("reship", "reship"),
    ("resend", "reship"),
    ("coupon", "coupon"),
    ("full", "full_refund"),
)


def offer_kind(note: str, amount: Decimal | None) -> str:
    """The kind of a free-text offer: keywords first, else a partial refund if it has an
    amount, else ``other``."""
    lowered = note.lower()
    for word, kind in _KIND_WORDS:
        if word in lowered:
            return kind
    return "partial_refund" if amount is not None else "other"


# --- buttons --------------------------------------------------------------------------------

STEP_PREFIX = "dsp"
OPEN_PREFIX = "dspo"


@dataclass(frozen=True)
class Press:
    """A decoded dispute button: a step on dispute ``target``, or (``event`` None) the
    seller's confirmation to open a dispute from conversation ``target``."""

    target: int
    event: DisputeEvent | None = None


def step_data(dispute_id: int, event: DisputeEvent) -> str:
    """Callback data of the button that records ``event`` on a dispute (≤ 64 bytes)."""
    return f"{STEP_PREFIX}:{dispute_id}:{event.value}"


def open_data(conversation_id: int) -> str:
    """Callback data of the button that opens a dispute from a buyer's conversation."""
    return f"{OPEN_PREFIX}:{conversation_id}"


def decode_press(data: str | None) -> Press | None:
    """Parse dispute callback data; None for anything else (never raises)."""
    parts = (data or "").split(":")
    try:
        if len(parts) == 3 and parts[0] == STEP_PREFIX:
            event = DisputeEvent(parts[2])
            return None if event is DisputeEvent.OPEN else Press(int(parts[1]), event)
        if len(parts) == 2 and parts[0] == OPEN_PREFIX:
            return Press(int(parts[1]))
    except ValueError:
        return None
    return None
