"""Every intent × order situation × language renders, and offers only what the status allows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.content.loader import Content
from bot.domain.languages import BUYER_LANGUAGES as LANGUAGES
from bot.domain.models import CatalogItem, Order, OrderStatus
from bot.domain.money import Money
from bot.domain.playbook import INTENTS, SellerPolicy, plan_reply
from bot.services.presenter import Presenter

NOW = datetime(2026, 6, 10, tzinfo=UTC)
BASE = Order(
    order_id="8175342209981234",
    unit_price=Money(Decimal("29.90"), "USD"),
    quantity=2,
    paid_at=datetime(2026, 5, 1, tzinfo=UTC),
    status=OrderStatus.PAID,
    buyer_name="Anna",
    item_title="Cloth shoes",
    sku="CS",
)
SHIPPED = replace(
    BASE,
    status=OrderStatus.SHIPPED,
    carrier="Cainiao",
    tracking_number="LP00123456789012",
    shipped_at=datetime(2026, 5, 3, tzinfo=UTC),
)
SITUATIONS = {
    "not_shipped": replace(BASE, promised_delivery_by=datetime(2026, 6, 30, tzinfo=UTC)),
    "in_transit": replace(SHIPPED, promised_delivery_by=datetime(2026, 6, 30, tzinfo=UTC)),
    "late": replace(SHIPPED, promised_delivery_by=datetime(2026, 6, 1, tzinfo=UTC)),
    "very_late": replace(SHIPPED, promised_delivery_by=datetime(2026, 5, 10, tzinfo=UTC)),
    "delivered": replace(SHIPPED, status=OrderStatus.DELIVERED,
                         delivered_at=datetime(2026, 6, 1, tzinfo=UTC)),
    "closed": replace(BASE, status=OrderStatus.CANCELLED),
    "no_order": None,
}  # fmt: skip
ITEM = CatalogItem("CS", Money(Decimal("21.90"), "USD"), "Cloth shoes", "Sale", None, "38 = 24cm")


@pytest.mark.parametrize("intent", INTENTS)
def test_every_reply_label_and_done_text_renders(content: Content, intent: str) -> None:
    presenter = Presenter(content.renderer)
    for situation, order in SITUATIONS.items():
        plan = plan_reply(intent, order, ITEM, SellerPolicy(), NOW)
        for lang in LANGUAGES:
            text = presenter.reply(plan.template, lang, "Anna", order, ITEM, plan.facts)
            assert text.strip(), (intent, situation, lang)
            assert "None" not in text, (intent, situation, lang, text)
            for option in plan.options:
                label = presenter.option_label(lang, option, order)
                assert 0 < len(label) <= 64, label  # fits a Telegram button
                assert presenter.done_text(lang, option, order, "Anna")


def _kinds(intent: str, situation: str) -> list[str]:
    plan = plan_reply(intent, SITUATIONS[situation], ITEM, SellerPolicy(), NOW)
    return [o.kind for o in plan.options]


def test_what_the_status_makes_impossible_is_never_offered() -> None:
    assert _kinds("cancel_order", "not_shipped") == ["cancel_full_refund", "keep_order"]
    assert "cancel_full_refund" not in _kinds("cancel_order", "in_transit")
    assert _kinds("cancel_order", "closed") == []
    assert _kinds("change_order", "not_shipped")[0] == "apply_change"
    assert "apply_change" not in _kinds("change_order", "delivered")
    assert _kinds("damaged_item", "not_shipped") == []
    assert _kinds("damaged_item", "delivered") == ["replacement", "partial_refund",
                                                   "return_full_refund"]  # fmt: skip
    assert _kinds("missing_items", "delivered") == ["send_missing", "partial_refund"]
    assert _kinds("return_refund", "not_shipped")[0] == "cancel_full_refund"
    assert _kinds("size_exchange", "delivered") == ["exchange_size", "return_full_refund"]
    assert "cancel_reorder" not in _kinds("price_drop", "in_transit")


def test_late_delivery_options_depend_on_days_late() -> None:
    assert _kinds("late_delivery", "in_transit") == []  # tracking facts, nothing to offer yet
    assert _kinds("late_delivery", "late") == ["wait_extend", "reship", "partial_refund"]
    assert _kinds("late_delivery", "very_late") == ["reship", "full_refund"]
    assert _kinds("not_received", "delivered") == ["reship", "full_refund"]


def test_amounts_come_from_the_order_and_policy() -> None:
    policy = SellerPolicy(max_partial_refund_percent=Decimal(20), coupon_value=Decimal(5))
    plan = plan_reply("damaged_item", SITUATIONS["delivered"], ITEM, policy, NOW)
    assert plan.options[1].amount == Money(Decimal("11.96"), "USD")  # 20 % of 2 x 29.90
    assert plan.options[2].amount == Money(Decimal("59.80"), "USD")
    plan = plan_reply("coupon_request", SITUATIONS["delivered"], ITEM, policy, NOW)
    assert plan.options[0].amount == Money(Decimal(5), "USD")
