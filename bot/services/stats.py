"""Seller metrics use cases: ``/stats`` (numbers + trend chart), ``parley stats`` and the
warning when the estimated adverse-experience order rate crosses its threshold.

Definitions live in :mod:`bot.domain.metrics`; the complaint intents are the playbook's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from bot.domain.csat import (
    CsatRecord,
    ResponseRecord,
    ServiceFigures,
    WeekPoint,
    by_assignee,
    service_figures,
    weekly,
)
from bot.domain.disputes import DAY, DisputeRules
from bot.domain.errors import NotAllowed
from bot.domain.metrics import (
    WINDOWS,
    Metrics,
    TrendPoint,
    above_threshold,
    compute,
    crossing,
    rolling,
    trend,
)
from bot.domain.models import OutMessage, Sender
from bot.domain.ports import Clock, Store
from bot.domain.team import Console
from bot.services.presenter import Presenter

log = logging.getLogger(__name__)

ALERT = "adverse_rate_30d"
ALERT_WINDOW = 30
TREND_DAYS = 90
ASSIGNEE_DAYS = 30  # the per-assignee split covers the shortest usual window
TREND_WINDOW = 30
TREND_WEEKS = 13  # the chart's CSAT and first-response target, per week
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("seller", "stats/report"),
    ("seller", "stats/caption"),
    ("seller", "stats/alert"),
)
"""(audience, name) of the templates the metrics use cases render (required at start-up)."""


@dataclass(frozen=True)
class StatsConfig:
    """What the metrics services need from settings."""

    rules: DisputeRules
    seller_chat_ids: tuple[int, ...]
    complaint_intents: frozenset[str]
    threshold_percent: float = 5.0
    min_orders: int = 20
    timezone: tzinfo = UTC
    first_response_hours: float = 12.0  # policy.first_response_hours: the target
    console: Console | None = None  # who may ask (default: the seller chats above)


@dataclass(frozen=True)
class StatsReport:
    """The metrics per window and the daily trend."""

    now: datetime
    windows: Sequence[Metrics]
    trend: Sequence[TrendPoint] = field(default_factory=tuple)
    threshold_percent: float = 5.0
    min_orders: int = 20
    service: Sequence[ServiceFigures] = ()  # CSAT and the first-response target, per window
    weeks: Sequence[WeekPoint] = ()  # the same per week, for the chart
    # a shared console: the same figures per assignee (None: unassigned) over assignee_days
    assignees: Sequence[tuple[str | None, ServiceFigures]] = ()
    assignee_days: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``parley stats --json``)."""
        return {
            "generated_at": self.now.isoformat(),
            "threshold_percent": self.threshold_percent,
            "min_orders": self.min_orders,
            "note": "adverse_rate is an estimate from Parley's own data: orders shipped in the "
            "window with a dispute, a complaint intent or a refund, over orders shipped",
            "windows": [m.as_dict() for m in self.windows],
            "trend": [
                {
                    "day": p.day.isoformat(),
                    "adverse_rate": p.adverse_rate,
                    "orders_shipped": p.orders_shipped,
                    "disputes_opened": p.disputes_opened,
                }
                for p in self.trend
            ],
            "service": [f.__dict__ for f in self.service],
            "weekly": [{**w.__dict__, "start": w.start.isoformat()} for w in self.weeks],
            "by_assignee": [{"assignee": name, **f.__dict__} for name, f in self.assignees],
        }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _average(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def service_rows(service: Sequence[ServiceFigures]) -> list[tuple[str, list[str]]]:
    """The report's CSAT and first-response target rows, one value per window."""
    return [
        ("csat_average", [_average(f.average) for f in service]),
        ("csat_satisfied", [_pct(f.satisfied_share) for f in service]),
        ("csat_answered", [f"{f.answered}/{f.asked}" for f in service]),
        ("first_response_target", [_pct(f.target_share) for f in service]),
        ("first_response_met", [f"{f.target_met}/{f.target_measured}" for f in service]),
    ]


def per_assignee(
    csat: Sequence[CsatRecord],
    responses: Sequence[ResponseRecord],
    now: datetime,
    days: int,
    hours: float,
) -> list[tuple[str | None, ServiceFigures]]:
    """CSAT and the first-response target per assignee over ``days`` (by name; the
    unassigned last), leaving out whoever has nothing in the window."""
    ratings, clocks = by_assignee(csat), by_assignee(responses)
    names = sorted(set(ratings) | set(clocks), key=lambda n: (n is None, n or ""))
    figures = [
        (name, service_figures(ratings.get(name, []), clocks.get(name, []), now, days, hours))
        for name in names
    ]
    return [(name, f) for name, f in figures if f.asked or f.target_measured]


def duration(value: timedelta | None, presenter: Presenter) -> str:
    """``2 d 3 h`` / ``4 h 10 m`` / ``12 m`` in the seller's language; ``—`` for none."""
    return "—" if value is None else presenter.duration(value, "stat")


def report_context(report: StatsReport, tz: tzinfo, presenter: Presenter) -> dict[str, Any]:
    """The values the ``stats/report`` template formats (numbers already as text)."""
    windows = report.windows

    def durations(values: Sequence[timedelta | None]) -> list[str]:
        return [duration(value, presenter) for value in values]

    rows: list[tuple[str, list[str]]] = [
        ("orders_shipped", [str(m.orders_shipped) for m in windows]),
        ("adverse_rate", [_pct(m.adverse_rate) for m in windows]),
        ("adverse_orders", [str(m.adverse_orders) for m in windows]),
        ("dispute_rate", [_pct(m.dispute_rate) for m in windows]),
        ("disputes_opened", [str(m.disputes_opened) for m in windows]),
        ("agreed_in_window", [f"{m.agreed_in_window}/{m.disputes_settled}" for m in windows]),
        ("agreement_share", [_pct(m.agreement_share) for m in windows]),
        ("escalations", [str(m.escalations) for m in windows]),
        ("first_response_median", durations([m.first_response_median for m in windows])),
        ("first_response_p90", durations([m.first_response_p90 for m in windows])),
        ("resolution_median", durations([m.resolution_median for m in windows])),
        ("resolution_p90", durations([m.resolution_p90 for m in windows])),
        ("dispute_resolution", durations([m.dispute_resolution_median for m in windows])),
        *service_rows(report.service),
    ]
    first = windows[0] if windows else None
    return {
        "stamp": report.now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "zone": str(getattr(tz, "key", tz)),
        "days": [m.days for m in windows],
        "rows": rows,
        "first_days": first.days if first else None,
        "intents": list(first.intents[:12]) if first else [],
        "alert": bool(
            first and above_threshold(first, report.threshold_percent, report.min_orders)
        ),
        "threshold": f"{report.threshold_percent:g}",
        "alert_window": ALERT_WINDOW,
        "min_orders": report.min_orders,
        "target_hours": f"{report.service[0].target_hours:g}" if report.service else "",
        "assignee_days": report.assignee_days,
        "assignees": [
            {"name": name, "average": _average(f.average), "satisfied": _pct(f.satisfied_share),
             "answered": f"{f.answered}/{f.asked}", "target": _pct(f.target_share),
             "met": f"{f.target_met}/{f.target_measured}"}
            for name, f in report.assignees
        ],
    }  # fmt: skip


def report_text(report: StatsReport, tz: tzinfo, presenter: Presenter) -> str:
    """The ``/stats`` message (Telegram HTML) and ``parley stats`` output (after stripping),
    in the seller's language."""
    return presenter.seller("stats/report", stats_report=report_context(report, tz, presenter))


class StatsService:
    """Computes the metrics from the store and tells the seller."""

    def __init__(
        self, store: Store, clock: Clock, config: StatsConfig, presenter: Presenter
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.presenter = presenter

    async def report(
        self, windows: Sequence[int] = WINDOWS, trend_days: int = TREND_DAYS
    ) -> StatsReport:
        """Metrics for each window (days) and the daily trend of the 30-day estimate."""
        now = self.clock.now()
        reach = max([*windows, trend_days + TREND_WINDOW]) + self.config.rules.protection_days
        c = self.config
        asked_since = now - max([*windows, TREND_WEEKS * 7 + 7]) * DAY
        async with self.store.transaction() as uow:
            data = await uow.disputes.metric_data(now - reach * DAY)
            csat = await uow.csat.records(asked_since)
        responses = [
            ResponseRecord(r.first_in_at, r.first_reply_at, r.assignee)
            for r in data.conversations
            if r.first_in_at is not None
        ]
        hours = c.first_response_hours
        shared = c.console is not None and c.console.shared
        days = ASSIGNEE_DAYS if ASSIGNEE_DAYS in windows else max(windows)
        return StatsReport(
            assignees=per_assignee(csat, responses, now, days, hours) if shared else (),
            assignee_days=days if shared else 0,
            now=now,
            windows=rolling(data, now, c.rules, c.complaint_intents, windows),
            trend=trend(data, now, c.complaint_intents, trend_days, TREND_WINDOW),
            threshold_percent=c.threshold_percent,
            min_orders=c.min_orders,
            service=[service_figures(csat, responses, now, days, hours) for days in windows],
            weeks=weekly(csat, responses, now, TREND_WEEKS, hours),
        )

    async def send(self, seller: Sender) -> None:
        """``/stats``: the numbers, then the trend chart as a photo (both via the outbox)."""
        console = self.config.console or Console(self.config.seller_chat_ids)
        if not console.allows(seller.chat_id, seller.user_id):
            raise NotAllowed("only the seller can do this", key="seller_only")
        from bot.services.charts import trend_png

        report = await self.report()
        text = report_text(report, self.config.timezone, self.presenter)
        png = await asyncio.to_thread(trend_png, report.trend, self.config.threshold_percent,
                                      TREND_WINDOW, report.weeks)  # fmt: skip
        caption = self.presenter.seller("stats/caption", stats_caption={
            "days": len(report.trend), "window": TREND_WINDOW, "weeks": len(report.weeks),
            "target_hours": f"{self.config.first_response_hours:g}",
        })  # fmt: skip
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await uow.outbox.add(OutMessage(seller.chat_id, text), now)
            await uow.outbox.add(OutMessage(seller.chat_id, caption, photo=png), now)

    async def check_threshold(self) -> str | None:
        """Warn every seller chat when the 30-day estimate crosses the threshold (and say so
        when it falls back below). The last side is stored, so each crossing is told once.
        Returns ``"up"``, ``"down"`` or None."""
        c = self.config
        now = self.clock.now()
        async with self.store.transaction() as uow:
            data = await uow.disputes.metric_data(
                now - (ALERT_WINDOW + c.rules.protection_days) * DAY
            )
            metrics = compute(data, now, ALERT_WINDOW, c.rules, c.complaint_intents)
            above = above_threshold(metrics, c.threshold_percent, c.min_orders)
            was = await uow.disputes.alert(ALERT)
            change = crossing(was, above)
            if was is None or change is not None:
                await uow.disputes.set_alert(ALERT, above, metrics.adverse_rate, now)
            if change is None:
                return None
            rate = _pct(metrics.adverse_rate)
            text = self.presenter.seller("stats/alert", stats_alert={
                "direction": change, "rate": rate, "window": ALERT_WINDOW,
                "threshold": f"{c.threshold_percent:g}", "adverse": metrics.adverse_orders,
                "shipped": metrics.orders_shipped,
            })  # fmt: skip
            for chat in c.seller_chat_ids:
                await uow.outbox.add(OutMessage(chat, text), now)
            log.info("adverse-rate estimate crossed the threshold (%s): %s", change, rate)
            return change
