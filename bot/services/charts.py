"""The ``/stats`` trend chart as PNG bytes (matplotlib, Agg canvas; no GUI, no pyplot state).

matplotlib is imported on first use, so starting Parley does not pay for it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from bot.domain.metrics import TrendPoint


def trend_png(points: Sequence[TrendPoint], threshold_percent: float, window: int = 30) -> bytes:
    """A line of the rolling adverse-experience rate estimate (%) per day with the threshold,
    over bars of the disputes opened each day."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure

    days = [p.day for p in points]
    rates = [p.adverse_rate * 100 if p.adverse_rate is not None else math.nan for p in points]
    disputes = [p.disputes_opened for p in points]
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    bars = figure.add_subplot()
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
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
