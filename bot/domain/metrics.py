"""Seller metrics from Parley's own data, over rolling windows (30/60/90 days by default).

Pure: plain records in, numbers out; ``now`` is an argument. Every window is the half-open
interval ``(now - days, now]``.

**Adverse-experience order rate (estimate).** Marketplaces rate sellers by the share of
orders with a bad experience (AliExpress calls it the Customer Adverse Experience Order Rate,
ODR). Parley cannot see the platform's inputs (ratings, the platform's own dispute records),
so it *estimates* the rate from what it knows::

    adverse orders shipped in the window
    ------------------------------------
         orders shipped in the window

An order is *shipped in the window* when its ``shipped_at`` lies in the window (orders whose
export has a shipped status but no shipping time count at their payment time). It is
*adverse* when, by ``now``, any of these is true:

- a dispute was recorded for it;
- a conversation about it carried a complaint intent (the set is a parameter; the service
  passes the playbook's complaint intents);
- it was refunded (status ``refunded``, or a refund-type option was chosen and done).

Other figures:

- *dispute rate*: orders shipped in the window with a dispute, over orders shipped in it;
- *resolved by agreement inside the window*: of the disputes opened in the window that are
  settled (agreed, executed, closed, escalated or ruled), the share that reached agreement —
  or the buyer's withdrawal — before the negotiation window closed;
- *escalations*: disputes escalated in the window;
- *first-response time*: for conversations whose first buyer message is in the window, the
  time to the first reply sent to the buyer (median and 90th percentile, nearest rank);
- *time to resolution*: for conversations resolved in the window, opening to resolution
  (median and p90); the same median for disputes finished in the window;
- *counts per intent*: conversations opened in the window by their main intent.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.disputes import DAY, DisputeRules, DisputeState, in_window

WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class OrderRecord:
    """An order as metrics see it: when it shipped (None: not shipped) and if refunded."""

    order_id: str
    shipped_at: datetime | None
    refunded: bool = False


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation: its main intent, every intent seen in it, and its clock."""

    order_id: str | None
    intent: str
    opened_at: datetime
    intents: frozenset[str] = field(default_factory=frozenset)
    first_in_at: datetime | None = None
    first_reply_at: datetime | None = None
    resolved_at: datetime | None = None
    assignee: str | None = None  # team console: who the conversation is assigned to


@dataclass(frozen=True)
class DisputeRecord:
    """A dispute: its state and the moments that matter for the metrics."""

    order_id: str
    opened_at: datetime
    state: DisputeState
    agreed_at: datetime | None = None
    escalated_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class MetricData:
    """Everything the metrics are computed from."""

    orders: Sequence[OrderRecord] = ()
    conversations: Sequence[ConversationRecord] = ()
    disputes: Sequence[DisputeRecord] = ()


@dataclass(frozen=True)
class Metrics:
    """The figures of one window. Rates are fractions (0.05 = 5 %), None when undefined."""

    days: int
    since: datetime
    until: datetime
    orders_shipped: int
    adverse_orders: int
    adverse_rate: float | None
    disputed_orders: int
    dispute_rate: float | None
    disputes_opened: int
    disputes_settled: int
    agreed_in_window: int
    agreement_share: float | None
    escalations: int
    responses_measured: int
    unanswered: int
    first_response_median: timedelta | None
    first_response_p90: timedelta | None
    resolutions_measured: int
    resolution_median: timedelta | None
    resolution_p90: timedelta | None
    dispute_resolution_median: timedelta | None
    intents: tuple[tuple[str, int], ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly: times as ISO strings, durations in seconds."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
            elif isinstance(value, timedelta):
                out[f"{key}_seconds"] = value.total_seconds()
            elif value is None and key.endswith(("median", "p90")):
                out[f"{key}_seconds"] = None
            elif key == "intents":
                out[key] = dict(value)
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class TrendPoint:
    """One day of the trend: the rolling rate estimate at the end of ``day``."""

    day: date
    adverse_rate: float | None
    orders_shipped: int
    disputes_opened: int


def _inside(at: datetime | None, since: datetime, until: datetime) -> bool:
    return at is not None and since < at <= until


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (``pct`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


_ALWAYS = datetime.min.replace(tzinfo=UTC)


def adverse_since(data: MetricData, complaint_intents: Collection[str]) -> dict[str, datetime]:
    """For every order with an adverse signal, the earliest moment one is known (a refund,
    which carries no time in the order export, counts from the beginning of time)."""
    complaints = set(complaint_intents)
    first: dict[str, datetime] = {o.order_id: _ALWAYS for o in data.orders if o.refunded}

    def seen(order_id: str, at: datetime) -> None:
        if order_id not in first or at < first[order_id]:
            first[order_id] = at

    for d in data.disputes:
        seen(d.order_id, d.opened_at)
    for c in data.conversations:
        if c.order_id and (c.intents | {c.intent}) & complaints:
            seen(c.order_id, c.opened_at)
    return first


def adverse_orders(
    data: MetricData, until: datetime, complaint_intents: Collection[str]
) -> set[str]:
    """Order ids with a dispute, a complaint or a refund known by ``until``."""
    return {o for o, at in adverse_since(data, complaint_intents).items() if at <= until}


def _agreed_in_time(dispute: DisputeRecord, rules: DisputeRules) -> bool:
    if dispute.agreed_at is not None:
        return in_window(dispute.opened_at, dispute.agreed_at, rules)
    withdrawn = dispute.state is DisputeState.CLOSED and dispute.finished_at is not None
    return withdrawn and in_window(dispute.opened_at, dispute.finished_at or dispute.opened_at,
                                   rules)  # fmt: skip


def compute(
    data: MetricData,
    now: datetime,
    days: int,
    rules: DisputeRules,
    complaint_intents: Collection[str],
) -> Metrics:
    """The metrics of the window ``(now - days, now]``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    until, since = now, now - days * DAY
    shipped = {o.order_id for o in data.orders if _inside(o.shipped_at, since, until)}
    adverse = adverse_orders(data, until, complaint_intents) & shipped
    disputed = {d.order_id for d in data.disputes if d.opened_at <= until} & shipped
    opened = [d for d in data.disputes if _inside(d.opened_at, since, until)]
    settled = [d for d in opened if not d.state.negotiable]
    agreed = [d for d in settled if _agreed_in_time(d, rules)]
    escalations = sum(1 for d in data.disputes if _inside(d.escalated_at, since, until))

    asked = [c for c in data.conversations if _inside(c.first_in_at, since, until)]
    waits = [
        (c.first_reply_at - c.first_in_at).total_seconds()
        for c in asked
        if c.first_in_at is not None and c.first_reply_at is not None
    ]
    resolved = [c for c in data.conversations if _inside(c.resolved_at, since, until)]
    spans = [(c.resolved_at - c.opened_at).total_seconds() for c in resolved if c.resolved_at]
    finished = [
        (d.finished_at - d.opened_at).total_seconds()
        for d in data.disputes
        if d.finished_at is not None and _inside(d.finished_at, since, until)
    ]
    intents = Counter(c.intent for c in data.conversations if _inside(c.opened_at, since, until))
    return Metrics(
        days=days,
        since=since,
        until=until,
        orders_shipped=len(shipped),
        adverse_orders=len(adverse),
        adverse_rate=_ratio(len(adverse), len(shipped)),
        disputed_orders=len(disputed),
        dispute_rate=_ratio(len(disputed), len(shipped)),
        disputes_opened=len(opened),
        disputes_settled=len(settled),
        agreed_in_window=len(agreed),
        agreement_share=_ratio(len(agreed), len(settled)),
        escalations=escalations,
        responses_measured=len(waits),
        unanswered=len(asked) - len(waits),
        first_response_median=_seconds(statistics.median(waits) if waits else None),
        first_response_p90=_seconds(percentile(waits, 90)),
        resolutions_measured=len(spans),
        resolution_median=_seconds(statistics.median(spans) if spans else None),
        resolution_p90=_seconds(percentile(spans, 90)),
        dispute_resolution_median=_seconds(statistics.median(finished) if finished else None),
        intents=tuple(sorted(intents.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def rolling(
    data: MetricData,
    now: datetime,
    rules: DisputeRules,
    complaint_intents: Collection[str],
    windows: Iterable[int] = WINDOWS,
) -> list[Metrics]:
    """:func:`compute` for each window length (30, 60 and 90 days by default)."""
    return [compute(data, now, days, rules, complaint_intents) for days in windows]


def trend(
    data: MetricData,
    now: datetime,
    complaint_intents: Collection[str],
    days: int = 90,
    window: int = 30,
) -> list[TrendPoint]:
    """For each of the last ``days`` UTC days (today included), the ``window``-day rate
    estimate at the end of that day (or ``now`` for today) and the disputes opened that day."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (UTC)")
    today = now.astimezone(UTC).date()
    first = adverse_since(data, complaint_intents)
    points = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        until = min(now, start + DAY)
        since = until - window * DAY
        shipped = {o.order_id for o in data.orders if _inside(o.shipped_at, since, until)}
        adverse = {o for o in shipped if o in first and first[o] <= until}
        opened = sum(1 for d in data.disputes if start <= d.opened_at < start + DAY)
        points.append(TrendPoint(day, _ratio(len(adverse), len(shipped)), len(shipped), opened))
    return points


def above_threshold(metrics: Metrics, threshold_percent: float, min_orders: int) -> bool:
    """Whether the rate estimate is at or above the threshold, on enough shipped orders."""
    rate = metrics.adverse_rate
    return (
        rate is not None
        and metrics.orders_shipped >= min_orders
        and rate * 100 >= threshold_percent
    )


def crossing(was_above: bool | None, is_above: bool) -> str | None:
    """``"up"`` when the rate has just crossed the threshold, ``"down"`` when it fell back
    below it, None when nothing changed (``was_above`` None = never evaluated, i.e. below)."""
    if is_above and not was_above:
        return "up"
    if was_above and not is_above:
        return "down"
    return None
