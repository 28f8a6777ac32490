"""The reminder edges of a dispute: when the seller is reminded, and what a due reminder does."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.disputes.state import DisputeState
from bot.domain.disputes.timeline import DAY, DisputeRules, aware, return_deadline, timeline


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
    now = aware(now)
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
