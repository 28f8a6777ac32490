"""Proactive follow-ups: which messages an order should get, when, and when not any more.

Pure planning. Given an order, its events, whether a complaint or dispute is open, the
seller's rules (``followups.toml``) and ``now``, :func:`plan` says for every rule whose
trigger has happened whether its message is due (and at what time), held (look again later)
or skipped (with the reason). The service stores one row per (order, rule) and calls
:func:`plan` again whenever the facts change and when a row comes due, so a fact that
changes meanwhile (the parcel was delivered, a complaint was opened) cancels or moves the
message before it goes out.

Rules (before / during / after delivery):

==================== ======================================= ================================
rule                 trigger → raw due time                  no longer relevant when
==================== ======================================= ================================
thank_you            paid → paid + after                     shipped, cancelled/refunded
ship_delay           paid, not shipped → paid + handling      shipped, cancelled/refunded
shipped              shipped → shipped + after                delivered, cancelled/refunded
tracking_stalled     shipped → last movement + after          delivered, closed
late_delivery  (*)   promised date → promised + after         delivered, closed
protection_expiring  protection end − before  (*)             delivered, closed
delivered_checkin    delivered → delivered + after            complaint open, cancelled/refunded
review_request       delivered → delivered + after            cancelled/refunded; held while a
                                                              complaint or dispute is open
==================== ======================================= ================================

(*) goes to the seller first (a draft to approve, or an alert), so quiet hours do not hold it.
Buyer-facing messages are moved out of the buyer's quiet hours (local time from the buyer's
country, else the configured zone; see :mod:`bot.domain.quiethours`). A message more than
``expires`` late is skipped. Planning sees only the order's facts: a buyer-facing message
that comes due while the buyer's automation is paused (a seller took a conversation over, or
the buyer asked for a person; :mod:`bot.domain.pause`) is held when it is prepared for
sending (:mod:`bot.services.followup_preparation`), with :attr:`Pause.held
<bot.domain.pause.Pause.held>` as its reason, and decided here again once the pause ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.durations import span
from bot.domain.models import Order, OrderStatus
from bot.domain.orderevents import EventType, OrderEvent

# when buyers may be written to was defined here: still importable from this module
from bot.domain.quiethours import COUNTRY_ZONES as COUNTRY_ZONES
from bot.domain.quiethours import QuietHours as QuietHours
from bot.domain.quiethours import Timing as Timing
from bot.domain.quiethours import buyer_zone as buyer_zone

RULES = (
    "thank_you", "ship_delay", "shipped", "tracking_stalled", "late_delivery",
    "protection_expiring", "delivered_checkin", "review_request",
)  # fmt: skip
"""Every rule, in the order an order meets them; each has a buyer template per language."""

APPROVAL_RULES = frozenset({"late_delivery", "protection_expiring"})
"""Rules whose message goes to the seller first (draft for approval / alert)."""

STAGES = {
    "thank_you": "before", "ship_delay": "before", "shipped": "during",
    "tracking_stalled": "during", "late_delivery": "during", "protection_expiring": "during",
    "delivered_checkin": "after", "review_request": "after",
}  # fmt: skip

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class Action(StrEnum):
    """What a plan says about one rule."""

    DUE = "due"  # send at ``at`` (now or later)
    HOLD = "hold"  # not now, look again at ``at``
    SKIP = "skip"  # never (``reason`` says why)


@dataclass(frozen=True)
class Rule:
    """One follow-up rule as the seller configured it."""

    name: str
    enabled: bool = True
    after: timedelta = timedelta(0)
    expires: timedelta | None = None
    new_date_in: timedelta = 2 * DAY  # ship_delay: the new ship-by date, from the apology
    before: timedelta = 5 * DAY  # protection_expiring: warn this long before the end

    @property
    def needs_approval(self) -> bool:
        """Whether the message goes to the seller first."""
        return self.name in APPROVAL_RULES


def default_rules() -> dict[str, Rule]:
    """The defaults of the shipped ``followups.toml``."""
    return {
        "thank_you": Rule("thank_you", expires=2 * DAY),
        "ship_delay": Rule("ship_delay", expires=3 * DAY),
        "shipped": Rule("shipped", expires=3 * DAY),
        "tracking_stalled": Rule("tracking_stalled", after=7 * DAY, expires=3 * DAY),
        "late_delivery": Rule("late_delivery", after=12 * HOUR, expires=14 * DAY),
        "protection_expiring": Rule("protection_expiring", before=5 * DAY),
        "delivered_checkin": Rule("delivered_checkin", after=DAY, expires=3 * DAY),
        "review_request": Rule("review_request", after=7 * DAY, expires=14 * DAY),
    }


@dataclass(frozen=True)
class FollowupRules:
    """All rules plus the shop-wide numbers they share."""

    rules: Mapping[str, Rule] = field(default_factory=default_rules)
    handling_time: timedelta = 3 * DAY  # paid → shipped, as promised to buyers
    protection: timedelta = 60 * DAY  # buyer protection, from shipping (else payment)
    complaint_recheck: timedelta = 12 * HOUR  # a held review request is looked at again
    source: str = "defaults"  # the file they came from (for messages)

    def rule(self, name: str) -> Rule:
        """The rule called ``name`` (disabled if the file switched it off)."""
        return self.rules.get(name) or Rule(name, enabled=False)


@dataclass(frozen=True)
class OrderFacts:
    """Everything planning looks at for one order."""

    order: Order
    events: tuple[OrderEvent, ...] = ()
    complaint_open: bool = False  # an open conversation about a complaint intent

    def _of(self, *types: EventType) -> list[OrderEvent]:
        return [e for e in self.events if e.type in types]

    @property
    def cancelled(self) -> bool:
        """Cancelled or refunded: nothing more to say proactively."""
        return self.order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)

    @property
    def paid_at(self) -> datetime | None:
        """When the buyer paid (None while awaiting payment)."""
        if self.order.status is OrderStatus.AWAITING_PAYMENT:
            return None
        return self.order.paid_at

    @property
    def shipped_at(self) -> datetime | None:
        """When the parcel left (None if not shipped)."""
        if not self.order.status.shipped and self.order.shipped_at is None:
            return None
        if self.order.status is OrderStatus.CANCELLED:
            return None
        shipped = self._of(EventType.SHIPPED)
        return self.order.shipped_at or (min(e.at for e in shipped) if shipped else None)

    @property
    def delivered_at(self) -> datetime | None:
        """When the parcel arrived (None if not yet)."""
        if self.order.delivered_at:
            return self.order.delivered_at
        delivered = self._of(EventType.DELIVERED)
        if delivered:
            return min(e.at for e in delivered)
        if self.order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
            return self.shipped_at or self.order.paid_at
        return None

    @property
    def last_movement(self) -> OrderEvent | None:
        """The latest tracking update, if any."""
        moves = self._of(EventType.TRACKING_UPDATE)
        return max(moves, key=lambda e: e.at) if moves else None

    @property
    def last_movement_at(self) -> datetime | None:
        """When tracking last moved (shipping counts as the first movement)."""
        times = [t for t in (self.shipped_at,) if t is not None]
        move = self.last_movement
        if move is not None:
            times.append(move.at)
        return max(times) if times else None

    @property
    def dispute_open(self) -> bool:
        """A refund request or dispute that no ``closed`` event has closed since."""
        opened = self._of(EventType.REFUND_REQUESTED, EventType.DISPUTE_OPENED)
        if not opened:
            return False
        closed = self._of(EventType.CLOSED)
        last_open = max(e.at for e in opened)
        return not closed or max(e.at for e in closed) < last_open

    def protection_ends(self, rules: FollowupRules) -> datetime | None:
        """End of buyer protection: the latest ``protection_ends`` an event gave, else
        shipping (or payment) + the configured length."""
        given = [d for d in (e.date("protection_ends") for e in self.events) if d is not None]
        if given:
            return max(given)
        start = self.shipped_at or self.paid_at
        return start + rules.protection if start else None


@dataclass(frozen=True)
class Decision:
    """What to do about one rule of one order."""

    rule: str
    action: Action
    at: datetime | None = None  # DUE: send time; HOLD: look again then
    reason: str = ""
    raw_due: datetime | None = None  # the trigger-based due time, before quiet hours


def _trigger(name: str, facts: OrderFacts, rules: FollowupRules) -> datetime | None:
    """The raw due time of rule ``name`` if its trigger has happened, else None."""
    rule = rules.rule(name)
    paid, shipped, delivered = facts.paid_at, facts.shipped_at, facts.delivered_at
    if name == "thank_you":
        return paid + rule.after if paid else None
    if name == "ship_delay":
        return paid + rules.handling_time if paid else None
    if name == "shipped":
        return shipped + rule.after if shipped else None
    if name == "tracking_stalled":
        moved = facts.last_movement_at
        return moved + rule.after if moved else None
    if name == "late_delivery":
        promised = facts.order.promised_delivery_by
        return promised + rule.after if promised and paid else None
    if name == "protection_expiring":
        ends = facts.protection_ends(rules)
        return ends - rule.before if ends and shipped else None
    if name in ("delivered_checkin", "review_request"):
        return delivered + rule.after if delivered else None
    raise ValueError(f"unknown follow-up rule {name!r}")


def _irrelevant(name: str, facts: OrderFacts) -> str:
    """Why rule ``name`` no longer applies to these facts ('' if it still does)."""
    if facts.cancelled:
        return f"order {facts.order.status.value}"
    delivered = facts.delivered_at is not None
    if name == "thank_you" and facts.shipped_at:
        return "superseded: the order has already shipped"
    if name == "ship_delay" and facts.shipped_at:
        return "shipped within the handling time"
    if name in ("shipped", "tracking_stalled", "late_delivery", "protection_expiring"):
        if delivered:
            return "the parcel has been delivered"
        if facts.order.status is OrderStatus.COMPLETED:
            return "order completed"
    if name == "delivered_checkin" and (facts.complaint_open or facts.dispute_open):
        return "a complaint about this order is open; the seller is handling it"
    return ""


def decide(
    name: str, facts: OrderFacts, rules: FollowupRules, timing: Timing, now: datetime
) -> Decision | None:
    """The decision for one rule (None while its trigger has not happened)."""
    rule = rules.rule(name)
    raw = _trigger(name, facts, rules)
    if raw is None:
        return None
    if not rule.enabled:
        return Decision(name, Action.SKIP, reason=f"rule switched off in {rules.source}")
    why = _irrelevant(name, facts)
    if why:
        return Decision(name, Action.SKIP, reason=why, raw_due=raw)
    if rule.expires is not None and now > raw + rule.expires:
        late = now - raw
        return Decision(name, Action.SKIP, raw_due=raw,
                        reason=f"too late: due {raw:%Y-%m-%d %H:%M} UTC, "
                        f"{_span(late)} ago (expires after {_span(rule.expires)})")  # fmt: skip
    if name == "protection_expiring":
        ends = facts.protection_ends(rules)
        if ends is not None and now >= ends:
            return Decision(name, Action.SKIP, raw_due=raw, reason="buyer protection has ended")
    if name == "review_request" and (facts.complaint_open or facts.dispute_open):
        hold = max(raw, now + rules.complaint_recheck)
        if rule.expires is not None and hold > raw + rule.expires:
            hold = raw + rule.expires + timedelta(seconds=1)  # look once more, then expire
        return Decision(name, Action.HOLD, hold, "held: a complaint or dispute is open", raw)
    at = max(raw, now)
    if not rule.needs_approval and timing.quiet is not None:
        at = timing.quiet.next_allowed(at, timing.zone)
    return Decision(name, Action.DUE, at, raw_due=raw)


def plan(
    facts: OrderFacts,
    rules: FollowupRules,
    timing: Timing,
    now: datetime,
    names: Iterable[str] = RULES,
) -> dict[str, Decision]:
    """Decisions for every rule whose trigger has happened (others are absent)."""
    decisions = {}
    for name in names:
        decision = decide(name, facts, rules, timing, now)
        if decision is not None:
            decisions[name] = decision
    return decisions


def _span(delta: timedelta) -> str:
    """``3d`` / ``30h`` / ``45m`` for a recorded reason (English, like a log line)."""
    whole = span(max(delta, timedelta(0)))
    if whole.total_hours >= 48:
        return f"{whole.days}d"
    if whole.total_hours >= 1:
        return f"{whole.total_hours}h"
    return f"{whole.minutes}m"


def message_facts(
    name: str, facts: OrderFacts, rules: FollowupRules, now: datetime
) -> dict[str, object]:
    """Values a follow-up template may use (every key always present, None when unknown)."""
    order = facts.order
    move = facts.last_movement
    moved = facts.last_movement_at
    ship_by = order.paid_at + rules.handling_time
    raw = _trigger(name, facts, rules) if name in RULES else None
    new_date = max(raw or now, now) + rules.rule("ship_delay").new_date_in
    return {
        "rule": name,
        "stage": STAGES.get(name, ""),
        "ship_by": ship_by,
        "new_date": new_date,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "last_movement_at": moved,
        "last_movement": (move.text("description") or move.text("status")) if move else "",
        "last_location": move.text("location") if move else "",
        "days_quiet": (now - moved).days if moved else 0,
        "promised": order.promised_delivery_by,
        "days_late": (now - order.promised_delivery_by).days
        if order.promised_delivery_by and now > order.promised_delivery_by
        else 0,
        "protection_ends": facts.protection_ends(rules),
        "delivered_at": facts.delivered_at,
    }


class RowStatus(StrEnum):
    """Lifecycle of a stored follow-up: pending → sending → sent | skipped | failed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class FollowupRow:
    """A stored follow-up (one per order and rule)."""

    id: int
    order_id: str
    rule: str
    status: RowStatus
    due_at: datetime | None
    reason: str = ""
    attempts: int = 0
    chat_id: int | None = None
    updated_at: datetime | None = None
