"""The order a buyer's message is about agrees with what the entity scanner calls an order
number: one rule (:func:`bot.domain.entities.order_numbers`) for both."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.entities import Scan, extract_entities, order_numbers
from bot.domain.models import Order, OrderStatus
from bot.domain.money import Money
from bot.services.buyers import _pick_order

LATEST, OTHER, SHORT = "8000000000000002", "8000000000000001", "123456"


def _order(order_id: str) -> Order:
    paid = datetime(2026, 5, 1, tzinfo=UTC)
    return Order(order_id, Money(Decimal("10"), "USD"), 1, paid, OrderStatus.PAID)


ORDERS = [_order(LATEST), _order(OTHER), _order(SHORT)]  # the latest linked first


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        (f"order {OTHER} has not arrived", OTHER),
        (f"#{OTHER} where is it?", OTHER),
        (f"заказ №{OTHER}", OTHER),
        (f"my order is {OTHER}.", OTHER),
        ("where is my parcel?", LATEST),  # no number: the latest linked order
        ("I live at postcode 123456", LATEST),  # six digits are not an order number
        (f"call me at +{OTHER}", LATEST),  # a phone number
        (f"tel {OTHER}", LATEST),
        (f"it cost ${OTHER}", LATEST),  # an amount
        (f"order {OTHER}9", LATEST),  # 17 digits
    ],
)
def test_pick_order_follows_the_entity_scanner(text: str, picked: str) -> None:
    scanned = extract_entities(text).order_numbers
    assert tuple(order_numbers(text)) == scanned
    chosen = _pick_order(ORDERS, Scan.of(text).entities.order_numbers)
    assert chosen is not None and chosen.order_id == picked
    assert (picked in scanned) == (picked != LATEST)


def test_no_linked_order() -> None:
    assert _pick_order([], Scan.of(f"order {OTHER}").entities.order_numbers) is None
