"""The ``/stats`` trend chart as PNG bytes (matplotlib, Agg canvas; no GUI, no pyplot state):
the adverse-experience estimate per day and, below it, CSAT and the first-response target per
week.

matplotlib is imported on first use, so starting Parley does not pay for it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.domain.csat import WeekPoint
from bot.domain.metrics import TrendPoint

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def trend_png(
    points: Sequence[TrendPoint],
    threshold_percent: float,
    window: int = 30,
    weeks: Sequence[WeekPoint] = (),
) -> bytes:
    """A line of the rolling adverse-experience rate estimate (%) per day with the threshold,
    over bars of the disputes opened each day; with ``weeks``, a second panel below: the CSAT
    average and the share of first responses within the target, per week."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    days = [p.day for p in points]
    rates = [p.adverse_rate * 100 if p.adverse_rate is not None else math.nan for p in points]
    disputes = [p.disputes_opened for p in points]
    figure = Figure(figsize=(8, 7 if weeks else 4), dpi=100)
    FigureCanvasAgg(figure)
    bars = figure.add_subplot(2, 1, 1) if weeks else figure.add_subplot()
    bars.bar(days, disputes, color="#c7d7ee", label="disputes opened (per day)")  # type: ignore[arg-type]
    bars.set_ylabel("disputes per day")
    bars.set_ylim(0, max([*disputes, 1]) * 2)
    line = bars.twinx()
    line.plot(days, rates, color="#1f4e9a", linewidth=2,  # type: ignore[arg-type]
              label=f"{window}-day adverse-experience rate (estimate)")  # fmt: skip
    line.axhline(threshold_percent, color="#c0392b", linestyle="--",
                 label=f"warning threshold {threshold_percent:g} %")  # fmt: skip
    finite = [r for r in rates if not math.isnan(r)]
    line.set_ylim(0, max([*finite, threshold_percent]) * 1.25)
    line.set_ylabel("% of shipped orders")
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    bars.xaxis.set_major_locator(locator)
    bars.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    handles = bars.get_legend_handles_labels()
    more = line.get_legend_handles_labels()
    line.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    bars.set_title("Seller metrics trend (Parley's estimate from its own data)")
    if weeks:
        _service_panel(figure.add_subplot(2, 1, 2), weeks)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _service_panel(axes: Axes, weeks: Sequence[WeekPoint]) -> None:
    """CSAT average (1–5, line) and first responses within the target (%, bars) per week."""
    starts = [w.start for w in weeks]
    shares = [w.target_share * 100 if w.target_share is not None else math.nan for w in weeks]
    averages = [w.average if w.average is not None else math.nan for w in weeks]
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    axes.bar(starts, shares, width=6, align="edge", color="#cde8d4",  # type: ignore[arg-type]
             label="first responses within target (%)")  # fmt: skip
    if starts:  # every week on the axis, the empty ones too
        axes.set_xlim(starts[0] - timedelta(days=1), starts[-1] + timedelta(days=8))  # type: ignore[arg-type]
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.set_ylim(0, 100)
    axes.set_ylabel("% within target")
    line = axes.twinx()
    middles = [start + timedelta(days=3) for start in starts]
    line.plot(middles, averages, color="#8e44ad", marker="o", linewidth=2,  # type: ignore[arg-type]
              label="CSAT average (1-5)")  # fmt: skip
    line.set_ylim(0, 5.5)
    line.set_ylabel("CSAT (1-5)")
    handles = axes.get_legend_handles_labels()
    more = line.get_legend_handles_labels()
    line.legend(handles[0] + more[0], handles[1] + more[1], loc="lower left", fontsize=8)
    axes.set_title("Buyer satisfaction and first-response target, per week")
