"""Resolution playbook: from intent + order + catalog + seller policy to a reply plan.

Verify first, then explain: every option and amount comes from the order and catalog data,
never from the buyer's claim. Intents without a dedicated play get a hand-over reply the
seller reviews (the full playbook grows per intent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.models import CatalogItem, Option, Order
from bot.domain.money import Money

OPTION_KINDS = ("refund_difference", "coupon", "cancel_reorder", "keep_order")
"""Every option kind the playbook can offer; each has buyer templates in every language."""


@dataclass(frozen=True)
class SellerPolicy:
    """The parts of the seller's policy the playbook needs."""

    coupon_bonus_percent: Decimal = Decimal(10)


@dataclass(frozen=True)
class Plan:
    """Which reply template to draft, with which facts, offering which options."""

    template: str
    options: tuple[Option, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)


def price_difference(order: Order, item: CatalogItem | None) -> Money | None:
    """What the buyer overpaid compared with today's price, or None if nothing is owed."""
    if item is None or item.price.currency != order.unit_price.currency:
        return None
    if item.price.amount >= order.unit_price.amount:
        return None
    return (order.unit_price - item.price).times(order.quantity)


def _price_drop(order: Order, item: CatalogItem | None, policy: SellerPolicy) -> Plan:
    difference = price_difference(order, item)
    facts: dict[str, Any] = {
        "paid": order.unit_price,
        "current": item.price if item else None,
        "promotion": item.promotion if item else "",
        "promotion_ends": item.promotion_ends if item else None,
        "difference": difference,
    }
    if difference is None:
        return Plan("price_drop", (), facts)
    bonus = Decimal(1) + policy.coupon_bonus_percent / Decimal(100)
    options = [
        Option("refund_difference", difference),
        Option("coupon", difference.times(bonus).ceil_whole()),
    ]
    if not order.status.shipped:
        options.append(Option("cancel_reorder"))
    options.append(Option("keep_order", needs_action=False))
    return Plan("price_drop", tuple(options), facts)


def plan_reply(
    intent: str,
    order: Order | None,
    item: CatalogItem | None,
    policy: SellerPolicy,
    now: datetime,
) -> Plan:
    """The reply plan for a classified message about ``order`` (None when not linked)."""
    if order is None:
        return Plan("need_order", (), {"intent": intent})
    if intent == "price_drop":
        return _price_drop(order, item, policy)
    return Plan("generic", (), {"intent": intent, "days_since_paid": (now - order.paid_at).days})
