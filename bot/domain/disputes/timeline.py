"""The dispute clock: deadlines computed from the moment a dispute was opened.

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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.disputes.records import Dispute
from bot.domain.disputes.state import DisputeState
from bot.domain.durations import span

DAY = timedelta(days=1)


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


def aware(value: datetime, name: str = "time") -> datetime:
    """``value`` in UTC; :class:`ValueError` for a naive datetime."""
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
    opened_at = aware(opened_at, "opened_at")
    return Timeline(
        opened_at=opened_at,
        answer_by=opened_at + rules.answer_days * DAY,
        window_opens=opened_at + rules.window_opens_day * DAY,
        window_closes=opened_at + (rules.window_closes_day + 1) * DAY,
        escalates_at=opened_at + rules.escalation_day * DAY,
    )


def day_number(opened_at: datetime, now: datetime) -> int:
    """Which day of the dispute ``now`` falls on (day 0 is the day it was opened)."""
    return (aware(now) - aware(opened_at, "opened_at")) // DAY


def protection_ends(
    shipped_at: datetime | None, paid_at: datetime, rules: DisputeRules, extended_days: int = 0
) -> datetime:
    """When buyer protection ends: from shipping (else payment) plus the protection days."""
    start = aware(shipped_at or paid_at, "shipped_at/paid_at")
    return start + (rules.protection_days + extended_days) * DAY


def return_deadline(agreed_at: datetime, rules: DisputeRules) -> datetime:
    """After an agreed return, when the buyer's time to ship the item back ends."""
    return aware(agreed_at, "agreed_at") + rules.return_shipping_days * DAY


def in_window(opened_at: datetime, at: datetime, rules: DisputeRules) -> bool:
    """Whether ``at`` is before the negotiation window closed (agreement counts as in time)."""
    return aware(at) < timeline(opened_at, rules).window_closes


@dataclass(frozen=True)
class Deadline:
    """The next thing the seller must beat, and when."""

    label: str
    at: datetime


def next_deadline(dispute: Dispute, rules: DisputeRules, now: datetime) -> Deadline | None:
    """The nearest deadline still ahead of (or just passed at) ``now`` for this dispute."""
    now = aware(now)
    line = timeline(dispute.opened_at, rules)
    if dispute.state is DisputeState.OPENED and now < line.answer_by:
        return Deadline("answer", line.answer_by)
    if dispute.state.negotiable:
        if now < line.window_opens:
            return Deadline("window opens", line.window_opens)
        return Deadline("window closes", line.window_closes)
    return None


def time_left(at: datetime, now: datetime) -> str:
    """``3 d 4 h left`` / ``5 h left`` / ``passed 2 d 0 h ago`` (whole hours, rounded down),
    in English for logs and records; the console words it with its templates
    (``dispute/macros``)."""
    left = span(aware(at) - aware(now))
    words = f"{left.days} d {left.hours} h" if left.days else f"{left.hours} h"
    return f"{words} left" if left.ahead else f"passed {words} ago"
