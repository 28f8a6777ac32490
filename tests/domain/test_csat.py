"""Buyer satisfaction rules and figures (:mod:`bot.domain.csat`), with hand-computed answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.csat import (
    Action,
    CsatRecord,
    ResponseRecord,
    by_assignee,
    decide,
    is_comment,
    service_figures,
    target_outcome,
    valid_rating,
    week_start,
    weekly,
)
from bot.domain.quiethours import QuietHours, Timing

NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)  # a Wednesday, 12:00 UTC
QUIET = Timing(QuietHours(time(21), time(9)), ZoneInfo("Europe/Moscow"))  # UTC+3
H = timedelta(hours=1)


def test_asked_at_once_when_nothing_stands_in_the_way() -> None:
    decision = decide(NOW - H, NOW, QUIET, dispute_open=False, paused=None)
    assert decision.action is Action.ASK


def test_quiet_hours_hold_until_they_end_in_the_buyers_zone() -> None:
    late = datetime(2026, 5, 20, 19, tzinfo=UTC)  # 22:00 in Moscow
    decision = decide(late - H, late, QUIET, dispute_open=False, paused=None)
    assert decision.action is Action.HOLD and decision.reason == "held: quiet hours"
    assert decision.at == datetime(2026, 5, 21, 6, tzinfo=UTC)  # 09:00 in Moscow
    assert decide(late, late, Timing(), dispute_open=False, paused=None).action is Action.ASK


def test_an_open_dispute_and_a_pause_hold_it_and_a_dispute_wins() -> None:
    held = decide(NOW - H, NOW, QUIET, dispute_open=True, paused="held: taken over")
    assert (held.action, held.reason) == (Action.HOLD, "held: dispute open")
    assert held.at == NOW + timedelta(minutes=10)
    paused = decide(NOW - H, NOW, QUIET, dispute_open=False, paused="held: asked for a person")
    assert (paused.action, paused.reason) == (Action.HOLD, "held: asked for a person")


def test_a_question_held_past_three_days_is_skipped() -> None:
    resolved = NOW - timedelta(days=3, minutes=1)
    decision = decide(resolved, NOW, QUIET, dispute_open=True, paused=None)
    assert decision.action is Action.SKIP and decision.reason.startswith("too late")
    assert decide(NOW - timedelta(days=3), NOW, Timing(), dispute_open=False,
                  paused=None).action is Action.ASK  # fmt: skip


def test_ratings_are_one_to_five() -> None:
    assert [r for r in range(-1, 8) if valid_rating(r)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("minutes", "intent", "expected"),
    [
        (5, "none", True),
        (5, "thanks", True),
        (30, "greeting", True),
        (31, "none", False),  # after the window: a new message
        (5, "damaged_item", False),  # a new complaint is handled, not swallowed
        (5, "human_agent", False),
        (-1, "none", False),  # before the rating
    ],
)
def test_a_comment_is_small_talk_within_the_window(
    minutes: int, intent: str, expected: bool
) -> None:
    assert is_comment(NOW, NOW + timedelta(minutes=minutes), intent) is expected
    assert is_comment(None, NOW, "none") is False


def test_first_response_target_outcomes() -> None:
    target = timedelta(hours=12)
    assert target_outcome(ResponseRecord(NOW - 20 * H, NOW - 8 * H), NOW, target) is True
    assert target_outcome(ResponseRecord(NOW - 20 * H, NOW - 7 * H), NOW, target) is False
    assert target_outcome(ResponseRecord(NOW - 13 * H), NOW, target) is False  # still waiting
    assert target_outcome(ResponseRecord(NOW - 11 * H), NOW, target) is None  # not over yet


# A small seeded month: five questions (four answered 5, 4, 2, 4 → average 3.75, 3 of 4
# satisfied, 4/5 answered) and six conversations against a 12 h target (met: 1 h, 12 h, 3 h;
# missed: 13 h, unanswered for 20 h; not decided: unanswered for 2 h → 3 of 5 met).
CSAT = [
    CsatRecord(NOW - timedelta(days=1), 5),
    CsatRecord(NOW - timedelta(days=2), 4),
    CsatRecord(NOW - timedelta(days=3), None),
    CsatRecord(NOW - timedelta(days=9), 2),
    CsatRecord(NOW - timedelta(days=20), 4),
    CsatRecord(NOW - timedelta(days=45), 1),  # outside 30 days
]
RESPONSES = [
    ResponseRecord(NOW - timedelta(days=1), NOW - timedelta(days=1) + H),
    ResponseRecord(NOW - timedelta(days=2), NOW - timedelta(days=2) + 12 * H),
    ResponseRecord(NOW - timedelta(days=10), NOW - timedelta(days=10) + 3 * H),
    ResponseRecord(NOW - timedelta(days=11), NOW - timedelta(days=11) + 13 * H),
    ResponseRecord(NOW - 20 * H),
    ResponseRecord(NOW - 2 * H),
    ResponseRecord(NOW - timedelta(days=50), NOW - timedelta(days=50) + 30 * H),  # outside
]


def test_service_figures_of_a_window() -> None:
    month = service_figures(CSAT, RESPONSES, NOW, 30, 12)
    assert (month.asked, month.answered) == (5, 4)
    assert month.average == 3.75
    assert month.satisfied_share == 0.75
    assert month.response_rate == 0.8
    assert (month.target_met, month.target_measured, month.target_share) == (3, 5, 0.6)
    quarter = service_figures(CSAT, RESPONSES, NOW, 90, 12)
    assert (quarter.asked, quarter.answered, quarter.average) == (6, 5, 3.2)
    assert quarter.satisfied_share == 0.6
    assert (quarter.target_met, quarter.target_measured) == (3, 6)
    empty = service_figures([], [], NOW, 30, 12)
    assert (empty.average, empty.satisfied_share, empty.response_rate, empty.target_share) == (
        None, None, None, None
    )  # fmt: skip
    with pytest.raises(ValueError, match="timezone-aware"):
        service_figures([], [], NOW.replace(tzinfo=None), 30, 12)


def test_weekly_points_for_the_chart() -> None:
    assert week_start(NOW) == date(2026, 5, 18)
    points = weekly(CSAT, RESPONSES, NOW, 3, 12)
    assert [p.start for p in points] == [date(2026, 5, 4), date(2026, 5, 11), date(2026, 5, 18)]
    # week of 4 May: conversations of the 9th (missed, 13 h) and 10th (met); no rating
    # week of 11 May: the rating 2 (the 11th); no conversation
    # this week: ratings 5, 4 (and an unanswered one); 1 h and 12 h met, 20 h missed
    assert [(p.average, p.answered) for p in points] == [(None, 0), (2.0, 1), (4.5, 2)]
    assert [(p.target_share, p.target_measured) for p in points] == [(0.5, 2), (None, 0),
                                                                     (2 / 3, 3)]  # fmt: skip


def test_records_split_by_assignee() -> None:
    records = [CsatRecord(NOW, 5, "li"), CsatRecord(NOW, 3), CsatRecord(NOW, 4, "li")]
    groups = by_assignee(records)
    assert {k: [r.rating for r in v] for k, v in groups.items()} == {"li": [5, 4], None: [3]}
    assert service_figures(groups["li"], [], NOW + H, 30, 12).average == 4.5
