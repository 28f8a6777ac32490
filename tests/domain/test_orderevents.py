"""Order events from the API: validation names the field; ids make retries idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain.orderevents import (
    EventType,
    InvalidInput,
    parse_event,
    parse_orders_json,
)

ORDER = {"order_id": "A1", "unit_price": 9.9, "currency": "USD", "paid_at": "2026-05-01",
         "status": "paid"}  # fmt: skip


def test_a_valid_event() -> None:
    body = {
        "id": "ev-1",
        "type": "shipped",
        "at": "2026-05-02T10:00:00+08:00",
        "data": {"carrier": "Cainiao", "tracking_number": "lp1"},
    }
    event = parse_event("A1", body)
    assert event.event_id == "ev-1" and event.type is EventType.SHIPPED
    assert event.at == datetime(2026, 5, 2, 2, tzinfo=UTC)


def test_an_event_without_id_gets_a_stable_one_from_its_content() -> None:
    body = {"type": "delivered", "at": "2026-05-09T12:00:00Z"}
    assert parse_event("A1", body).event_id == parse_event("A1", dict(body)).event_id
    assert parse_event("A1", body).event_id != parse_event("A2", body).event_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "teleported", "at": "2026-05-01T00:00:00Z"}, "type"),
        ({"type": "paid"}, "at"),
        ({"type": "paid", "at": "yesterday"}, "at"),
        ({"type": "paid", "at": "2026-13-45T00:00:00Z"}, "at"),
        ({"type": "paid", "at": "2026-05-01T00:00:00Z", "data": []}, "data"),
        (
            {"type": "shipped", "at": "2026-05-01", "data": {"tracking_number": 7}},
            "data.tracking_number",
        ),
        (
            {"type": "shipped", "at": "2026-05-01", "data": {"promised_delivery_by": "soon"}},
            "data.promised_delivery_by",
        ),
        ({"type": "closed", "at": "2026-05-01", "data": {"status": "lost"}}, "data.status"),
        ({"type": "paid", "at": "2026-05-01", "id": ""}, "id"),
        ({"type": "paid", "at": "2026-05-01", "when": "now"}, "when"),
    ],
)
def test_bad_events_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_event("A1", body)
    assert caught.value.field == field


def test_orders_use_the_csv_rules_and_name_the_field() -> None:
    (one,) = parse_orders_json(ORDER)
    assert one.order_id == "A1" and str(one.unit_price) == "US$9.90"
    assert len(parse_orders_json({"orders": [ORDER, {**ORDER, "order_id": "A2"}]})) == 2
    with pytest.raises(InvalidInput) as caught:
        parse_orders_json([ORDER, {**ORDER, "order_id": "A2", "paid_at": "nope"}])
    assert caught.value.field == "orders[1].paid_at"
    for bad, field in (
        ({**ORDER, "colour": "red"}, "colour"),
        ({**ORDER, "status": "lost"}, "status"),
        ([], "orders"),
        ({**ORDER, "quantity": True}, "quantity"),
    ):
        with pytest.raises(InvalidInput) as caught:
            parse_orders_json(bad)
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "paid", "at": "0001-01-01T00:00:00+08:00"}, "at"),
        ({"type": "paid", "at": "9999-12-31"}, "at"),
        ({"type": "paid", "at": "1969-12-31T23:59:59Z"}, "at"),
        ({"type": "shipped", "at": "2026-05-01", "data": {"promised_delivery_by": "9999-12-31"}},
         "data.promised_delivery_by"),
        ({"type": "closed", "at": "2026-05-01"}, "data.status"),
        ({"type": "closed", "at": "2026-05-01", "data": {"reason": "done"}}, "data.status"),
        ({"type": "tracking_update", "at": "2026-05-01"}, "data.status"),
        ({"type": "paid", "at": "2026-05-01", "id": "ev\x001"}, "id"),
        ({"type": "paid", "at": "2026-05-01", "id": "ev\u202e1"}, "id"),
        ({"type": "paid", "at": "2026-05-01", "id": "../../etc/passwd"}, "id"),
        ({"type": "paid", "at": "2026-05-01", "id": "a/b"}, "id"),
        ({"type": "paid", "at": "2026-05-01", "id": "x" * 129}, "id"),
        ({"type": "paid", "at": "2026-05-01", "id": 2**63 * 10**10}, "id"),
        ({"type": "shipped", "at": "2026-05-01", "data": {"weight": 3}}, "data.weight"),
        ({"type": "dispute_opened", "at": "2026-05-01", "data": {"reason": "x" * 501}},
         "data.reason"),
        ({"type": "dispute_opened", "at": "2026-05-01", "data": {"reason": "a\x00b"}},
         "data.reason"),
        ({"type": "refund_requested", "at": "2026-05-01", "data": {"amount": 1e308}},
         "data.amount"),
        ({"type": "refund_requested", "at": "2026-05-01", "data": {"amount": "9" * 20}},
         "data.amount"),
        ({"type": "refund_requested", "at": "2026-05-01", "data": {"amount": "8.1234"}},
         "data.amount"),
        ({"type": "refund_requested", "at": "2026-05-01", "data": {"amount": "NaN"}},
         "data.amount"),
    ],
)  # fmt: skip
def test_garbage_events_are_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_event("A1", body)
    assert caught.value.field == field


@pytest.mark.parametrize("order_id", ["", " ", "A\x001", "A\u202e1", "../A1", "A/1", "x" * 65])
def test_a_bad_order_id_in_the_url_is_refused(order_id: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_event(order_id, {"type": "paid", "at": "2026-05-01"})
    assert caught.value.field == "order_id"


def test_closed_with_a_status_and_dates_at_the_edges_are_fine() -> None:
    closed = parse_event("A1", {"type": "closed", "at": "2100-12-31T23:59:59Z",
                                "data": {"status": "refunded"}})  # fmt: skip
    assert closed.text("status") == "refunded"
    assert parse_event("A1", {"type": "paid", "at": "1970-01-01"}).at.year == 1970


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 2**63}, "quantity"),
        ({"quantity": 10_001}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"unit_price": 1e308}, "unit_price"),
        ({"unit_price": "9" * 20}, "unit_price"),
        ({"unit_price": 10**9}, "unit_price"),
        ({"unit_price": "29.90USD"}, "unit_price"),
        ({"unit_price": "$29.90"}, "unit_price"),
        ({"unit_price": "29.999"}, "unit_price"),
        ({"unit_price": "1e3"}, "unit_price"),
        ({"paid_at": "0001-01-01T00:00:00+08:00"}, "paid_at"),
        ({"paid_at": "9999-12-31"}, "paid_at"),
        ({"promised_delivery_by": "9999-12-31"}, "promised_delivery_by"),
        ({"order_id": "A\x001"}, "order_id"),
        ({"order_id": "\u202eA1"}, "order_id"),
        ({"order_id": "../A1"}, "order_id"),
        ({"order_id": "x" * 65}, "order_id"),
        ({"sku": "a\\b"}, "sku"),
        ({"buyer_name": "x" * 100_000}, "buyer_name"),
        ({"buyer_name": "Anna\u202e"}, "buyer_name"),
        ({"item_title": "x" * 501}, "item_title"),
        ({"shipped_at": "2026-04-30", "status": "shipped"}, "shipped_at"),
        ({"shipped_at": "2026-05-03", "delivered_at": "2026-05-02", "status": "delivered"},
         "delivered_at"),
        ({"delivered_at": "2026-04-30", "status": "delivered"}, "delivered_at"),
    ],
)  # fmt: skip
def test_garbage_orders_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_orders_json({**ORDER, **change})
    assert caught.value.field == field
    with pytest.raises(InvalidInput) as caught:
        parse_orders_json([ORDER | {"order_id": "A0"}, {**ORDER, **change}])
    assert caught.value.field == f"orders[1].{field}"


def test_amounts_keep_the_decimals_their_currency_has() -> None:
    (kwd,) = parse_orders_json({**ORDER, "unit_price": "1.234", "currency": "KWD"})
    assert str(kwd.unit_price) == "1.234 KWD"
    (jpy,) = parse_orders_json({**ORDER, "unit_price": 1200, "currency": "JPY"})
    assert str(jpy.unit_price) == "1,200.00 JPY"
    with pytest.raises(InvalidInput, match="more than 3 decimals"):
        parse_orders_json({**ORDER, "unit_price": "1.2345", "currency": "KWD"})
    (edge,) = parse_orders_json({**ORDER, "unit_price": "999999999.99", "quantity": 10_000})
    assert edge.quantity == 10_000
