"""Second-fact linking rules (bot.domain.verification): what matches, the lock, its end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain import verification as rule
from bot.domain.models import Order, OrderStatus
from bot.domain.money import Money
from bot.domain.verification import Attempt

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
ORDER = Order(
    "8175342209981234",
    Money(Decimal("29.90"), "USD"),
    1,
    NOW,
    OrderStatus.SHIPPED,
    buyer_name="José Núñez",
    tracking_number="LP00123456789AB2",
)


def test_the_name_matches_without_case_accents_or_punctuation() -> None:
    for answer in ("José Núñez", "jose nunez", "  JOSE   NUNEZ. ", "José Núñez!"):
        assert rule.matches(ORDER, answer), answer
    for answer in ("José", "Nunez Jose", "", "José Núñez 2"):
        assert not rule.matches(ORDER, answer), answer


def test_the_tracking_tail_matches_exactly_ignoring_case() -> None:
    assert rule.matches(ORDER, "9AB2") and rule.matches(ORDER, " 9ab2.")
    for answer in ("AB2", "89AB2", "LP00123456789AB2", "9AB3"):
        assert not rule.matches(ORDER, answer), answer


def test_without_a_tracking_number_only_the_name_matches() -> None:
    bare = Order(ORDER.order_id, ORDER.unit_price, 1, NOW, OrderStatus.PAID, buyer_name="Anna")
    assert rule.matches(bare, "anna")
    assert not rule.matches(bare, "")
    assert not rule.matches(bare, "    ")
    nameless = Order(ORDER.order_id, ORDER.unit_price, 1, NOW, OrderStatus.PAID)
    assert not rule.matches(nameless, "") and not rule.matches(nameless, "anna")


def test_an_unknown_order_never_matches() -> None:
    assert not rule.matches(None, "José Núñez")


def test_five_wrong_answers_lock_for_an_hour_then_the_count_starts_again() -> None:
    attempt = rule.asked(Attempt(1, ORDER.order_id), NOW, "en", "where is it?")
    assert rule.is_pending(attempt, NOW)
    for n in range(1, rule.MAX_FAILURES):
        attempt = rule.failed(attempt, NOW)
        assert attempt.failures == n and not rule.is_locked(attempt, NOW)
        assert rule.is_pending(attempt, NOW)
    attempt = rule.failed(attempt, NOW)
    assert rule.is_locked(attempt, NOW) and not rule.is_pending(attempt, NOW)
    assert attempt.locked_until == NOW + timedelta(hours=1)
    almost = NOW + rule.LOCK - timedelta(seconds=1)
    assert rule.is_locked(rule.current(attempt, almost), almost)
    later = NOW + rule.LOCK
    fresh = rule.current(attempt, later)
    assert not rule.is_locked(fresh, later) and fresh.failures == 0


def test_a_question_left_open_too_long_is_no_longer_answered() -> None:
    attempt = rule.asked(Attempt(1, ORDER.order_id), NOW, "en", "hi")
    assert rule.is_pending(attempt, NOW + rule.PENDING_FOR - timedelta(seconds=1))
    assert not rule.is_pending(attempt, NOW + rule.PENDING_FOR)
    assert not rule.is_pending(Attempt(1, ORDER.order_id), NOW)
