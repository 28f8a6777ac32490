"""Follow-up planning (pure): triggers, re-planning when facts change, quiet hours, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.followups import (
    Action,
    FollowupRules,
    OrderFacts,
    QuietHours,
    Rule,
    Timing,
    buyer_zone,
    decide,
    default_rules,
    plan,
)
from bot.domain.models import Order, OrderStatus
from bot.domain.money import Money
from bot.domain.orderevents import EventType, OrderEvent, apply_event, events_from_change

PAID = datetime(2026, 5, 4, 19, 0, tzinfo=UTC)  # 22:00 in Moscow
MOSCOW = ZoneInfo("Europe/Moscow")
QUIET = Timing(QuietHours(time(21), time(9)), MOSCOW)
RULES = FollowupRules()


def order(**changes: object) -> Order:
    base = Order(
        order_id="A1",
        unit_price=Money(Decimal("29.90"), "USD"),
        quantity=1,
        paid_at=PAID,
        status=OrderStatus.PAID,
        buyer_name="Ivan",
        buyer_country="RU",
        buyer_language="ru",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def event(type_: EventType, at: datetime, **data: object) -> OrderEvent:
    return OrderEvent(f"{type_.value}-{at.isoformat()}", "A1", type_, at, data)


def test_quiet_hours_cross_midnight() -> None:
    quiet = QuietHours.parse("21:00-09:00")
    assert quiet is not None
    assert quiet.contains(time(23, 30)) and quiet.contains(time(3)) and quiet.contains(time(21))
    assert not quiet.contains(time(9)) and not quiet.contains(time(15))
    # 22:00 Moscow → 09:00 Moscow next day (06:00 UTC)
    assert quiet.next_allowed(PAID, MOSCOW) == datetime(2026, 5, 5, 6, tzinfo=UTC)
    # 02:00 Moscow → 09:00 Moscow the same day
    early = datetime(2026, 5, 4, 23, tzinfo=UTC)
    assert quiet.next_allowed(early, MOSCOW) == datetime(2026, 5, 5, 6, tzinfo=UTC)
    noon = datetime(2026, 5, 5, 9, tzinfo=UTC)
    assert quiet.next_allowed(noon, MOSCOW) == noon


def test_quiet_hours_parse() -> None:
    assert QuietHours.parse("off") is None
    assert QuietHours.parse("13:00-15:30") == QuietHours(time(13), time(15, 30))
    for bad in ("21-9x", "21:00", "09:00-09:00"):
        with pytest.raises(ValueError):
            QuietHours.parse(bad)


def test_buyer_zone_from_country_with_fallback() -> None:
    assert buyer_zone("ru") == MOSCOW
    assert buyer_zone("BR") == ZoneInfo("America/Sao_Paulo")
    assert buyer_zone("", "Europe/Paris") == ZoneInfo("Europe/Paris")


def test_paid_order_plans_thank_you_out_of_quiet_hours_and_the_handling_check() -> None:
    decisions = plan(OrderFacts(order()), RULES, QUIET, PAID)
    assert set(decisions) == {"thank_you", "ship_delay"}
    assert decisions["thank_you"].action is Action.DUE
    assert decisions["thank_you"].at == datetime(2026, 5, 5, 6, tzinfo=UTC)  # 09:00 Moscow
    assert decisions["ship_delay"].at == PAID + timedelta(days=3, hours=11)  # 22:00 → 09:00


def test_shipping_supersedes_thank_you_and_ship_delay_and_plans_during_rules() -> None:
    shipped_at = PAID + timedelta(days=1, hours=-5)  # 17:00 Moscow
    shipped = order(
        status=OrderStatus.SHIPPED,
        shipped_at=shipped_at,
        carrier="Cainiao",
        tracking_number="LP1",
        promised_delivery_by=PAID + timedelta(days=20),
    )
    decisions = plan(OrderFacts(shipped), RULES, QUIET, shipped_at)
    assert decisions["thank_you"].action is Action.SKIP
    assert "shipped" in decisions["thank_you"].reason
    assert decisions["ship_delay"].action is Action.SKIP
    assert decisions["shipped"].at == shipped_at
    assert decisions["tracking_stalled"].at == shipped_at + timedelta(days=7)
    late = decisions["late_delivery"]
    assert late.action is Action.DUE and late.at == PAID + timedelta(days=20, hours=12)
    assert decisions["protection_expiring"].at == shipped_at + timedelta(days=55)


def test_tracking_movement_moves_the_stalled_message_and_delivery_cancels_it() -> None:
    shipped_at = PAID + timedelta(days=1)
    shipped = order(status=OrderStatus.SHIPPED, shipped_at=shipped_at)
    moved = event(EventType.TRACKING_UPDATE, shipped_at + timedelta(days=5), status="In transit")
    facts = OrderFacts(shipped, (moved,))
    stalled = decide("tracking_stalled", facts, RULES, Timing(), shipped_at + timedelta(days=6))
    assert stalled is not None and stalled.at == moved.at + timedelta(days=7)
    delivered = apply_event(shipped, event(EventType.DELIVERED, shipped_at + timedelta(days=9)))
    after = decide("tracking_stalled", OrderFacts(delivered, (moved,)), RULES, Timing(),
                   shipped_at + timedelta(days=9))  # fmt: skip
    assert after is not None and after.action is Action.SKIP
    assert after.reason == "the parcel has been delivered"


def test_open_dispute_holds_the_review_request_until_it_is_closed() -> None:
    delivered_at = PAID + timedelta(days=10)
    done = order(status=OrderStatus.DELIVERED, shipped_at=PAID, delivered_at=delivered_at)
    opened = event(EventType.DISPUTE_OPENED, delivered_at + timedelta(days=2))
    now = delivered_at + timedelta(days=7)
    held = decide("review_request", OrderFacts(done, (opened,)), RULES, Timing(), now)
    assert held is not None and held.action is Action.HOLD
    assert held.at == now + RULES.complaint_recheck
    closed = event(EventType.CLOSED, delivered_at + timedelta(days=8), status="completed")
    released = decide("review_request", OrderFacts(done, (opened, closed)), RULES, Timing(), now)
    assert released is not None and released.action is Action.DUE and released.at == now
    # an open complaint conversation holds it too, and skips the check-in
    complaint = OrderFacts(done, (), complaint_open=True)
    assert decide("review_request", complaint, RULES, Timing(), now).action is Action.HOLD  # type: ignore[union-attr]
    checkin = decide("delivered_checkin", complaint, RULES, Timing(), delivered_at)
    assert checkin is not None and checkin.action is Action.SKIP


def test_a_message_too_late_is_skipped_with_the_reason() -> None:
    decision = decide("thank_you", OrderFacts(order()), RULES, Timing(), PAID + timedelta(days=3))
    assert decision is not None and decision.action is Action.SKIP
    assert decision.reason.startswith("too late: due 2026-05-04 19:00 UTC, 3d ago")


def test_approval_rules_ignore_quiet_hours_and_disabled_rules_are_skipped() -> None:
    promised = datetime(2026, 5, 20, 0, tzinfo=UTC)  # 03:00 Moscow
    shipped = order(status=OrderStatus.SHIPPED, shipped_at=PAID, promised_delivery_by=promised)
    now = promised + timedelta(hours=12)
    late = decide("late_delivery", OrderFacts(shipped), RULES, QUIET, now - timedelta(hours=11))
    assert late is not None and late.at == now  # no shift, although 04:00 in Moscow
    rules = replace(
        RULES, rules={**default_rules(), "late_delivery": Rule("late_delivery", enabled=False)}
    )
    off = decide("late_delivery", OrderFacts(shipped), rules, QUIET, now)
    assert off is not None and off.action is Action.SKIP and "switched off" in off.reason


def test_protection_end_comes_from_events_when_the_seller_extended_it() -> None:
    shipped = order(status=OrderStatus.SHIPPED, shipped_at=PAID)
    extended = event(EventType.TRACKING_UPDATE, PAID + timedelta(days=50),
                     protection_ends="2026-08-01")  # fmt: skip
    facts = OrderFacts(shipped, (extended,))
    decision = decide("protection_expiring", facts, RULES, Timing(), PAID + timedelta(days=50))
    assert decision is not None and decision.at == datetime(2026, 7, 27, tzinfo=UTC)


def test_cancelled_orders_get_nothing() -> None:
    cancelled = order(status=OrderStatus.CANCELLED)
    assert all(d.action is Action.SKIP for d in plan(OrderFacts(cancelled), RULES, Timing(),
                                                      PAID).values())  # fmt: skip


def test_events_from_a_first_import_and_from_a_changed_re_import() -> None:
    shipped = order(status=OrderStatus.SHIPPED, shipped_at=PAID + timedelta(days=1),
                    tracking_number="LP1")  # fmt: skip
    first = events_from_change(None, shipped, PAID)
    assert [e.type for e in first] == [EventType.PAID, EventType.SHIPPED]
    assert first == events_from_change(None, shipped, PAID + timedelta(hours=1))  # same ids
    assert events_from_change(shipped, shipped, PAID) == []
    retracked = replace(shipped, tracking_number="LP2")
    (update,) = events_from_change(shipped, retracked, PAID)
    assert update.type is EventType.TRACKING_UPDATE and update.data["tracking_number"] == "LP2"
    delivered = replace(shipped, status=OrderStatus.DELIVERED)
    (arrived,) = events_from_change(shipped, delivered, PAID + timedelta(days=9))
    assert arrived.type is EventType.DELIVERED and arrived.at == PAID + timedelta(days=9)
