"""The one split of a duration into whole days, hours and minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.durations import Span, span


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(0), Span(0, 0, 0, True)),
        (timedelta(seconds=59), Span(0, 0, 0, True)),
        (timedelta(minutes=45, seconds=30), Span(0, 0, 45, True)),
        (timedelta(hours=3, minutes=12), Span(0, 3, 12, True)),
        (timedelta(days=3, hours=4, minutes=59, seconds=59), Span(3, 4, 59, True)),
        (timedelta(days=-2), Span(2, 0, 0, False)),
        (-timedelta(hours=5, minutes=1), Span(0, 5, 1, False)),
    ],
)
def test_span_rounds_every_unit_down_and_keeps_the_sign(delta: timedelta, expected: Span) -> None:
    assert span(delta) == expected


def test_totals_count_the_larger_units_in() -> None:
    s = span(timedelta(days=2, hours=1, minutes=5))
    assert (s.total_hours, s.total_minutes) == (49, 49 * 60 + 5)
