"""Durations as the console shows them: one way to split a time span into whole units.

:func:`span` is the only place a :class:`~datetime.timedelta` becomes days, hours and
minutes; the words around the numbers are templates (``replies/seller/<lang>/word/duration``,
rendered by :meth:`bot.services.presenter.Presenter.duration` and imported by the dispute
texts), so a Chinese console reads ``3 天 4 小时`` where an English one reads ``3 d 4 h``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ZERO = timedelta(0)


@dataclass(frozen=True)
class Span:
    """A duration in whole units, each rounded down: ``days``, ``hours`` (0–23) and
    ``minutes`` (0–59); ``ahead`` is False when the duration was negative (a moment already
    passed), the units then count how long ago."""

    days: int
    hours: int
    minutes: int
    ahead: bool = True

    @property
    def total_hours(self) -> int:
        """Whole hours in all (days included)."""
        return self.days * 24 + self.hours

    @property
    def total_minutes(self) -> int:
        """Whole minutes in all."""
        return self.total_hours * 60 + self.minutes


def span(delta: timedelta) -> Span:
    """``delta`` split into whole days, hours and minutes (its size, rounded down to the
    minute; ``ahead`` keeps its sign): ``span(timedelta(days=3, hours=4, minutes=59))`` is
    3 d 4 h 59 min, ahead."""
    hours, minutes = divmod(int(abs(delta).total_seconds() // 60), 60)
    days, hours = divmod(hours, 24)
    return Span(days, hours, minutes, delta >= ZERO)
