"""Resolution playbook: from intent + order + catalog + seller policy to a reply plan.

Verify first, then explain: every option and amount comes from the order and catalog data,
never from the buyer's claim, and an option the order's status makes impossible is never
offered (no cancelling a shipped order, no replacement of an item that has not arrived).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.models import CatalogItem, Option, Order, OrderStatus
from bot.domain.money import Money

OPTION_KINDS = (
    "refund_difference", "coupon", "cancel_reorder", "keep_order", "keep_waiting",
    "wait_extend", "reship", "partial_refund", "full_refund", "replacement", "send_missing",
    "return_full_refund", "exchange_size", "cancel_full_refund", "apply_change",
    "coupon_next_order",
)  # fmt: skip
"""Every option kind the playbook can offer; each has buyer templates in every language."""

INTENTS = (
    "price_drop", "order_status", "late_delivery", "not_received", "damaged_item",
    "wrong_item", "not_as_described", "missing_items", "size_exchange", "return_refund",
    "cancel_order", "change_order", "dispute_followup", "customs_fees", "product_question",
    "coupon_request", "human_agent", "greeting", "thanks", "none",
)  # fmt: skip
"""Every intent has a reply template ``<intent>`` in every language."""

COMPLAINTS = frozenset({
    "price_drop", "late_delivery", "not_received", "damaged_item", "wrong_item",
    "not_as_described", "missing_items", "return_refund", "cancel_order", "dispute_followup",
})  # fmt: skip
"""Intents that count as a complaint (adverse experience)."""

ORDERLESS = frozenset({"greeting", "thanks", "none", "human_agent", "product_question"})
"""Intents answered even when the chat has no linked order."""


@dataclass(frozen=True)
class SellerPolicy:
    """The seller's rules for what Parley may offer (amounts in the order's currency)."""

    coupon_bonus_percent: Decimal = Decimal(10)
    max_partial_refund_percent: Decimal = Decimal(30)
    delay_refund_percent: Decimal = Decimal(10)
    coupon_value: Decimal = Decimal(3)
    wait_days: int = 15
    late_reship_after_days: int = 7
    late_full_refund_after_days: int = 20


@dataclass(frozen=True)
class Plan:
    """Which reply template to draft, with which facts, offering which options."""

    template: str
    options: tuple[Option, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)


def stage(order: Order, now: datetime) -> str:
    """Where the order is: not_shipped, in_transit, late, delivered or closed."""
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return "closed"
    if order.delivered_at or order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        return "delivered"
    if not order.status.shipped:
        return "not_shipped"
    if order.promised_delivery_by and now > order.promised_delivery_by:
        return "late"
    return "in_transit"


def days_late(order: Order, now: datetime) -> int:
    """Whole days past the promised delivery date (0 when not late or unknown)."""
    if order.promised_delivery_by is None or now <= order.promised_delivery_by:
        return 0
    return (now - order.promised_delivery_by).days


def price_difference(order: Order, item: CatalogItem | None) -> Money | None:
    """What the buyer overpaid compared with today's price, or None if nothing is owed."""
    if item is None or item.price.currency != order.unit_price.currency:
        return None
    if item.price.amount >= order.unit_price.amount:
        return None
    return (order.unit_price - item.price).times(order.quantity)


def _share(order: Order, percent: Decimal) -> Money:
    return order.total_paid.times(percent / Decimal(100))


def _keep() -> Option:
    return Option("keep_order", needs_action=False)


def _price_drop(
    order: Order, item: CatalogItem | None, policy: SellerPolicy, at: str
) -> list[Option]:
    difference = price_difference(order, item)
    if difference is None or at == "closed":
        return []
    bonus = Decimal(1) + policy.coupon_bonus_percent / Decimal(100)
    options = [
        Option("refund_difference", difference),
        Option("coupon", difference.times(bonus).ceil_whole()),
    ]
    if at == "not_shipped":
        options.append(Option("cancel_reorder", order.total_paid))
    return [*options, _keep()]


def _late(order: Order, policy: SellerPolicy, at: str, late: int) -> list[Option]:
    total = order.total_paid
    if at == "not_shipped":
        return [Option("keep_waiting", needs_action=False), Option("cancel_full_refund", total)]
    if at != "late":
        return []
    if late >= policy.late_full_refund_after_days:
        return [Option("reship"), Option("full_refund", total)]
    options = [Option("wait_extend", days=policy.wait_days)]
    if late >= policy.late_reship_after_days:
        options.append(Option("reship"))
    return [*options, Option("partial_refund", _share(order, policy.delay_refund_percent))]


def _not_received(order: Order, policy: SellerPolicy, at: str, late: int) -> list[Option]:
    if at == "delivered":
        return [Option("reship"), Option("full_refund", order.total_paid)]
    if at == "in_transit":
        return [Option("wait_extend", days=policy.wait_days), Option("reship")]
    return _late(order, policy, at, late)


def _item_problem(kind: str) -> Callable[[Order, SellerPolicy, str], list[Option]]:
    def play(order: Order, policy: SellerPolicy, at: str) -> list[Option]:
        if at not in ("delivered", "in_transit", "late"):
            return []  # the buyer cannot have the item yet (or the order is closed)
        first = Option("send_missing") if kind == "missing_items" else Option("replacement")
        keep = Option("partial_refund", _share(order, policy.max_partial_refund_percent))
        options = [first, keep]
        if kind != "missing_items":
            options.append(Option("return_full_refund", order.total_paid))
        return options

    return play


def _size(order: Order, at: str) -> list[Option]:
    if at == "not_shipped":
        return [Option("apply_change"), _keep()]
    if at == "closed":
        return []
    return [Option("exchange_size"), Option("return_full_refund", order.total_paid)]


def _return(order: Order, policy: SellerPolicy, at: str) -> list[Option]:
    total = order.total_paid
    if at == "not_shipped":
        return [Option("cancel_full_refund", total), _keep()]
    if at == "closed":
        return []
    if at == "delivered":
        keep = Option("partial_refund", _share(order, policy.max_partial_refund_percent))
        return [Option("return_full_refund", total), keep]
    return [Option("return_full_refund", total), _keep()]


def _cancel(order: Order, at: str) -> list[Option]:
    if at == "not_shipped":
        return [Option("cancel_full_refund", order.total_paid), _keep()]
    if at == "closed":
        return []
    return [Option("return_full_refund", order.total_paid), _keep()]


def _change(order: Order, at: str) -> list[Option]:
    if at == "not_shipped":
        return [Option("apply_change"), _keep()]
    if at == "closed":
        return []
    return [_keep(), Option("return_full_refund", order.total_paid)]


def _options(
    intent: str, order: Order, item: CatalogItem | None, policy: SellerPolicy, now: datetime
) -> list[Option]:
    at, late = stage(order, now), days_late(order, now)
    if intent == "price_drop":
        return _price_drop(order, item, policy, at)
    if intent == "late_delivery":
        return _late(order, policy, at, late)
    if intent == "not_received":
        return _not_received(order, policy, at, late)
    if intent in ("damaged_item", "wrong_item", "not_as_described", "missing_items"):
        return _item_problem(intent)(order, policy, at)
    if intent == "size_exchange":
        return _size(order, at)
    if intent == "return_refund":
        return _return(order, policy, at)
    if intent == "cancel_order":
        return _cancel(order, at)
    if intent == "change_order":
        return _change(order, at)
    if intent == "dispute_followup" and at != "closed":
        partial = _share(order, policy.max_partial_refund_percent)
        return [Option("partial_refund", partial), Option("full_refund", order.total_paid)]
    if intent == "coupon_request":
        return [Option("coupon_next_order", Money(policy.coupon_value, order.unit_price.currency))]
    return []


def facts_for(order: Order | None, item: CatalogItem | None, now: datetime) -> dict[str, Any]:
    """The facts every reply template may use (all keys always present)."""
    difference = price_difference(order, item) if order else None
    return {
        "stage": stage(order, now) if order else "unknown",
        "days_late": days_late(order, now) if order else 0,
        "days_since_paid": (now - order.paid_at).days if order else 0,
        "paid": order.unit_price if order else None,
        "total": order.total_paid if order else None,
        "current": item.price if item else None,
        "promotion": item.promotion if item else "",
        "promotion_ends": item.promotion_ends if item else None,
        "difference": difference,
        "size_chart": item.size_chart if item else "",
        "dispute_day": None,  # filled in when the order has an open dispute
        "days_left": None,
    }


def plan_reply(
    intent: str,
    order: Order | None,
    item: CatalogItem | None,
    policy: SellerPolicy,
    now: datetime,
) -> Plan:
    """The reply plan for a classified message about ``order`` (None when not linked)."""
    intent = intent if intent in INTENTS else "none"
    facts = {"intent": intent, **facts_for(order, item, now)}
    facts["ask_photo"] = intent in ("damaged_item", "wrong_item", "not_as_described")
    if order is None:
        return Plan(intent if intent in ORDERLESS else "need_order", (), facts)
    return Plan(intent, tuple(_options(intent, order, item, policy, now)), facts)
