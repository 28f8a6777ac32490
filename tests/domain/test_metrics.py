"""Metrics on a seeded data set whose answers were worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.disputes import DisputeRules, DisputeState
from bot.domain.metrics import (
    ConversationRecord,
    DisputeRecord,
    MetricData,
    OrderRecord,
    above_threshold,
    compute,
    crossing,
    percentile,
    rolling,
    trend,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
D, H = timedelta(days=1), timedelta(hours=1)
RULES = DisputeRules()
COMPLAINTS = frozenset({"late_delivery", "not_received", "price_drop"})


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


DATA = MetricData(
    orders=(
        OrderRecord("O1", ago(5)),  # dispute, still negotiating
        OrderRecord("O2", ago(10)),  # complaint conversation
        OrderRecord("O3", ago(20), refunded=True),
        OrderRecord("O4", ago(25)),  # only a greeting
        OrderRecord("O5", ago(40)),  # dispute agreed inside the window
        OrderRecord("O6", ago(50)),  # product question only
        OrderRecord("O7", ago(70)),  # dispute escalated, ruled for the seller
        OrderRecord("O8", ago(80)),
        OrderRecord("O9", None),  # not shipped: never in the denominator
        OrderRecord("O10", ago(95)),  # dispute, but shipped before every window
    ),
    conversations=(
        ConversationRecord(
            "O2", "late_delivery", ago(9), frozenset({"late_delivery"}), ago(9), ago(9) + H, ago(8)
        ),
        ConversationRecord(
            "O4",
            "greeting",
            ago(24),
            frozenset({"greeting"}),
            ago(24),
            ago(24) + 3 * H,
            ago(24) + 5 * H,
        ),
        ConversationRecord(
            "O9", "not_received", ago(2), frozenset({"not_received"}), ago(2), ago(2) + 0.5 * H
        ),
        ConversationRecord(
            "O6", "product_question", ago(45), frozenset(), ago(45), ago(45) + 10 * H
        ),
        ConversationRecord(None, "none", ago(1), frozenset(), ago(1)),
    ),
    disputes=(
        DisputeRecord("O1", ago(3), DisputeState.NEGOTIATING),
        DisputeRecord("O5", ago(35), DisputeState.CLOSED, agreed_at=ago(29), finished_at=ago(27)),
        DisputeRecord(
            "O7", ago(65), DisputeState.RULED_FOR_SELLER, escalated_at=ago(49), finished_at=ago(45)
        ),
        DisputeRecord("O10", ago(93), DisputeState.RULED_FOR_BUYER, finished_at=ago(80)),
    ),
)


def test_thirty_days() -> None:
    m = compute(DATA, NOW, 30, RULES, COMPLAINTS)
    assert (m.orders_shipped, m.adverse_orders, m.adverse_rate) == (4, 3, 0.75)
    assert (m.disputed_orders, m.dispute_rate) == (1, 0.25)
    assert (m.disputes_opened, m.disputes_settled, m.agreement_share) == (1, 0, None)
    assert m.escalations == 0
    assert (m.responses_measured, m.unanswered) == (3, 1)
    assert m.first_response_median == H
    assert m.first_response_p90 == 3 * H
    assert m.resolutions_measured == 2
    assert m.resolution_median == 14.5 * H
    assert m.resolution_p90 == D
    assert m.dispute_resolution_median == 8 * D  # O5 finished 27 days ago
    assert m.intents == (("greeting", 1), ("late_delivery", 1), ("none", 1),
                         ("not_received", 1))  # fmt: skip


def test_sixty_and_ninety_days() -> None:
    m60, m90 = rolling(DATA, NOW, RULES, COMPLAINTS, (60, 90))
    assert (m60.orders_shipped, m60.adverse_orders) == (6, 4)
    assert m60.adverse_rate == pytest.approx(4 / 6)
    assert (m60.disputed_orders, m60.disputes_opened) == (2, 2)
    assert (m60.disputes_settled, m60.agreed_in_window, m60.agreement_share) == (1, 1, 1.0)
    assert m60.escalations == 1
    assert m60.first_response_median == 2 * H
    assert m60.first_response_p90 == 10 * H
    assert m60.dispute_resolution_median == 14 * D  # 8 and 20 days
    assert (m90.orders_shipped, m90.adverse_orders, m90.adverse_rate) == (8, 5, 0.625)
    assert (m90.disputed_orders, m90.dispute_rate) == (3, 0.375)
    assert (m90.disputes_opened, m90.disputes_settled, m90.agreed_in_window) == (3, 2, 1)
    assert m90.agreement_share == 0.5


def test_agreement_after_the_window_and_withdrawal() -> None:
    late = DisputeRecord("X", ago(20), DisputeState.EXECUTED, agreed_at=ago(20) + 17 * D)
    withdrawn = DisputeRecord("Y", ago(10), DisputeState.CLOSED, finished_at=ago(8))
    lapsed = DisputeRecord("Z", ago(10), DisputeState.RULED_FOR_BUYER, finished_at=ago(4))
    m = compute(MetricData(disputes=(late, withdrawn, lapsed)), NOW, 30, RULES, COMPLAINTS)
    assert (m.disputes_settled, m.agreed_in_window) == (3, 1)  # only the withdrawal in time
    assert m.adverse_rate is None and m.dispute_rate is None  # nothing shipped


def test_complaint_set_is_a_parameter() -> None:
    m = compute(DATA, NOW, 30, RULES, frozenset())
    assert m.adverse_orders == 2  # O1 (dispute) and O3 (refund) only


def test_percentile_nearest_rank() -> None:
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([float(v) for v in range(1, 11)], 90) == 9.0
    assert percentile([float(v) for v in range(1, 11)], 50) == 5.0


def test_trend_is_the_rolling_rate_per_day() -> None:
    points = trend(DATA, NOW, COMPLAINTS, days=10, window=30)
    assert len(points) == 10
    assert points[-1].day == NOW.date()
    assert points[-1].adverse_rate == compute(DATA, NOW, 30, RULES, COMPLAINTS).adverse_rate
    four_days_ago = points[-5]  # end of that day: O1 shipped, its dispute not opened yet
    assert four_days_ago.day == (NOW - 4 * D).date()
    assert (four_days_ago.orders_shipped, four_days_ago.adverse_rate) == (4, 0.5)
    assert [p.disputes_opened for p in points].count(1) == 1  # O1's dispute, 3 days ago


def test_threshold_and_crossing() -> None:
    m = compute(DATA, NOW, 30, RULES, COMPLAINTS)
    assert above_threshold(m, 50.0, min_orders=4)
    assert above_threshold(m, 75.0, min_orders=4)  # at the threshold counts
    assert not above_threshold(m, 80.0, min_orders=4)
    assert not above_threshold(m, 5.0, min_orders=5)  # too few orders to judge
    assert crossing(None, True) == "up" and crossing(False, True) == "up"
    assert crossing(True, False) == "down"
    assert crossing(True, True) is None and crossing(None, False) is None


def test_as_dict_is_json() -> None:
    payload = compute(DATA, NOW, 30, RULES, COMPLAINTS).as_dict()
    text = json.dumps(payload)
    assert payload["adverse_rate"] == 0.75
    assert payload["first_response_median_seconds"] == 3600.0
    assert payload["intents"]["late_delivery"] == 1
    assert "since" in text


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        compute(DATA, NOW.replace(tzinfo=None), 30, RULES, COMPLAINTS)
