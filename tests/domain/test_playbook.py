"""The price-drop play: verified against order and catalog, amounts computed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from bot.domain.models import CatalogItem, Order, OrderStatus
from bot.domain.money import Money
from bot.domain.playbook import SellerPolicy, plan_reply, price_difference

NOW = datetime(2026, 5, 1, 10, tzinfo=UTC)
ORDER = Order(
    order_id="8175342209981234",
    unit_price=Money(Decimal("29.90"), "USD"),
    quantity=1,
    paid_at=datetime(2026, 4, 29, tzinfo=UTC),
    status=OrderStatus.PAID,
    sku="CS",
)
SALE = CatalogItem("CS", Money(Decimal("21.90"), "USD"), "Shoes", "May Day Labor Day sale")


def test_the_source_case_offers_the_8_dollar_difference() -> None:
    plan = plan_reply("price_drop", ORDER, SALE, SellerPolicy(), NOW)
    kinds = [o.kind for o in plan.options]
    assert kinds == ["refund_difference", "coupon", "cancel_reorder", "keep_order"]
    assert plan.options[0].amount == Money(Decimal("8.00"), "USD")
    assert plan.options[1].amount == Money(Decimal("9"), "USD")  # 8.00 + 10 %, rounded up
    assert plan.facts["promotion"] == "May Day Labor Day sale"


def test_quantity_multiplies_and_shipped_orders_cannot_be_reordered() -> None:
    order = replace(ORDER, quantity=3, status=OrderStatus.SHIPPED)
    plan = plan_reply("price_drop", order, SALE, SellerPolicy(coupon_bonus_percent=Decimal(0)), NOW)
    assert [o.kind for o in plan.options] == ["refund_difference", "coupon", "keep_order"]
    assert plan.options[0].amount == Money(Decimal("24.00"), "USD")
    assert plan.options[1].amount == Money(Decimal("24"), "USD")


def test_no_drop_no_catalog_or_other_currency_offers_nothing() -> None:
    same = replace(SALE, price=Money(Decimal("29.90"), "USD"))
    higher = replace(SALE, price=Money(Decimal("35"), "USD"))
    euros = replace(SALE, price=Money(Decimal("5"), "EUR"))
    for item in (same, higher, euros, None):
        plan = plan_reply("price_drop", ORDER, item, SellerPolicy(), NOW)
        assert plan.options == ()
        assert plan.facts["difference"] is None
        assert price_difference(ORDER, item) is None


def test_without_an_order_the_plan_asks_for_it() -> None:
    assert plan_reply("price_drop", None, SALE, SellerPolicy(), NOW).template == "need_order"
    assert plan_reply("late_delivery", ORDER, None, SellerPolicy(), NOW).template == "late_delivery"
    assert plan_reply("greeting", None, None, SellerPolicy(), NOW).template == "greeting"
