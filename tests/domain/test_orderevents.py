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
    body = {"id": "ev-1", "type": "shipped", "at": "2026-05-02T10:00:00+08:00",
            "data": {"carrier": "Cainiao", "tracking_number": "lp1"}}
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
        ({"type": "shipped", "at": "2026-05-01", "data": {"tracking_number": 7}},
         "data.tracking_number"),
        ({"type": "shipped", "at": "2026-05-01", "data": {"promised_delivery_by": "soon"}},
         "data.promised_delivery_by"),
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
    for bad, field in (({**ORDER, "colour": "red"}, "colour"), ({**ORDER, "status": "lost"},
                       "status"), ([], "orders"), ({**ORDER, "quantity": True}, "quantity")):
        with pytest.raises(InvalidInput) as caught:
            parse_orders_json(bad)
        assert caught.value.field == field
