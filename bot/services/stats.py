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
from html import escape
from typing import Any

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

log = logging.getLogger(__name__)

ALERT = "adverse_rate_30d"
ALERT_WINDOW = 30
TREND_DAYS = 90
TREND_WINDOW = 30


@dataclass(frozen=True)
class StatsConfig:
    """What the metrics services need from settings."""

    rules: DisputeRules
    seller_chat_ids: tuple[int, ...]
    complaint_intents: frozenset[str]
    threshold_percent: float = 5.0
    min_orders: int = 20
    timezone: tzinfo = UTC


@dataclass(frozen=True)
class StatsReport:
    """The metrics per window and the daily trend."""

    now: datetime
    windows: Sequence[Metrics]
    trend: Sequence[TrendPoint] = field(default_factory=tuple)
    threshold_percent: float = 5.0
    min_orders: int = 20

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
        }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def duration(value: timedelta | None) -> str:
    """``2 d 3 h`` / ``4 h 10 m`` / ``12 m`` / ``—``."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} m" if hours else f"{minutes} m"


def report_text(report: StatsReport, tz: tzinfo) -> str:
    """The ``/stats`` message (Telegram HTML) and ``parley stats`` output (after stripping)."""
    windows = report.windows
    rows: list[tuple[str, list[str]]] = [
        ("Orders shipped", [str(m.orders_shipped) for m in windows]),
        ("Adverse rate (est.)*", [_pct(m.adverse_rate) for m in windows]),
        ("Adverse orders", [str(m.adverse_orders) for m in windows]),
        ("Dispute rate", [_pct(m.dispute_rate) for m in windows]),
        ("Disputes opened", [str(m.disputes_opened) for m in windows]),
        ("Agreed in window", [f"{m.agreed_in_window}/{m.disputes_settled}" for m in windows]),
        ("  share", [_pct(m.agreement_share) for m in windows]),
        ("Escalations", [str(m.escalations) for m in windows]),
        ("1st response median", [duration(m.first_response_median) for m in windows]),
        ("1st response p90", [duration(m.first_response_p90) for m in windows]),
        ("Resolution median", [duration(m.resolution_median) for m in windows]),
        ("Resolution p90", [duration(m.resolution_p90) for m in windows]),
        ("Dispute resolution", [duration(m.dispute_resolution_median) for m in windows]),
    ]
    header = "".join(f"{str(m.days) + ' d':>10}" for m in windows)
    table = [f"{'':<21}{header}"] + [
        f"{label:<21}" + "".join(f"{v:>10}" for v in values) for label, values in rows
    ]
    stamp = report.now.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"📊 <b>Seller metrics</b> — {stamp} ({escape(str(getattr(tz, 'key', tz)))})",
        "<pre>" + escape("\n".join(table), quote=False) + "</pre>",
    ]
    if windows:
        first = windows[0]
        counts = " · ".join(f"{escape(i)} {n}" for i, n in first.intents[:12]) or "none"
        lines.append(f"Conversations by intent ({first.days} d): {counts}")
        if above_threshold(first, report.threshold_percent, report.min_orders):
            lines.append(f"⚠️ <b>The {first.days}-day estimate is at or above your "
                         f"{report.threshold_percent:g} % threshold.</b>")  # fmt: skip
    lines.append(
        "<i>* Estimate from Parley's own data: orders shipped in the window that had a "
        "dispute, a complaint or a refund, divided by the orders shipped. The platform's "
        "own figure also counts things Parley cannot see (ratings, platform-side "
        f"disputes). Warning threshold {report.threshold_percent:g} % over "
        f"{ALERT_WINDOW} days, from {report.min_orders} shipped orders.</i>"
    )
    return "\n".join(lines)


class StatsService:
    """Computes the metrics from the store and tells the seller."""

    def __init__(self, store: Store, clock: Clock, config: StatsConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config

    async def report(
        self, windows: Sequence[int] = WINDOWS, trend_days: int = TREND_DAYS
    ) -> StatsReport:
        """Metrics for each window (days) and the daily trend of the 30-day estimate."""
        now = self.clock.now()
        reach = max([*windows, trend_days + TREND_WINDOW]) + self.config.rules.protection_days
        async with self.store.transaction() as uow:
            data = await uow.disputes.metric_data(now - reach * DAY)
        c = self.config
        return StatsReport(
            now=now,
            windows=rolling(data, now, c.rules, c.complaint_intents, windows),
            trend=trend(data, now, c.complaint_intents, trend_days, TREND_WINDOW),
            threshold_percent=c.threshold_percent,
            min_orders=c.min_orders,
        )

    async def send(self, seller: Sender) -> None:
        """``/stats``: the numbers, then the trend chart as a photo (both via the outbox)."""
        if seller.chat_id not in self.config.seller_chat_ids:
            raise NotAllowed("only the seller can do this")
        from bot.services.charts import trend_png

        report = await self.report()
        text = report_text(report, self.config.timezone)
        png = await asyncio.to_thread(trend_png, report.trend, self.config.threshold_percent,
                                      TREND_WINDOW)  # fmt: skip
        caption = (f"Trend over {len(report.trend)} days: {TREND_WINDOW}-day adverse-experience "
                   f"rate estimate and disputes opened per day")  # fmt: skip
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
            if change == "up":
                text = (f"⚠️ <b>Adverse-experience order rate estimate: {rate}</b> over the last "
                        f"{ALERT_WINDOW} days — at or above your {c.threshold_percent:g} % "
                        f"threshold. {metrics.adverse_orders} of {metrics.orders_shipped} "
                        f"shipped orders had a dispute, a complaint or a refund. Settle open "
                        f"cases early; /stats and /disputes show where.")  # fmt: skip
            else:
                text = (
                    f"✅ Adverse-experience order rate estimate is back to {rate} over "
                    f"{ALERT_WINDOW} days, below your {c.threshold_percent:g} % threshold."
                )
            for chat in c.seller_chat_ids:
                await uow.outbox.add(OutMessage(chat, text), now)
            log.info("adverse-rate estimate crossed the threshold (%s): %s", change, rate)
            return change
