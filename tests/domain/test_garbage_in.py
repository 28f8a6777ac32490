"""Generated garbage into every parser of outside input: each one either returns a valid
result or raises a typed domain error (a :class:`ParleyError`), never anything else.

The strategies mix pure noise with near-valid input (a good order or event with one field
replaced by garbage), because that is where the interesting edges are.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.domain import jsonbody
from bot.domain.callbacks import BUYER_VERBS, SELLER_VERBS, Callback, decode
from bot.domain.csvimport import (
    CATALOG_COLUMNS,
    END_DATE,
    MAX_AMOUNT,
    MAX_QUANTITY,
    MIN_DATE,
    ORDER_COLUMNS,
    id_problem,
    parse_catalog,
    parse_orders,
)
from bot.domain.disputes import (
    BadCommand,
    parse_answer,
    parse_command,
    parse_offer,
    parse_open,
)
from bot.domain.errors import ImportRejected, ParleyError
from bot.domain.models import CatalogItem, Order
from bot.domain.orderevents import EventType, InvalidInput, parse_event, parse_orders_json

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 5, 20, 12, tzinfo=UTC)

EDGY_TEXT = st.sampled_from([
    "", " ", "0001-01-01T00:00:00+08:00", "9999-12-31", "9999-12-31T23:59:59-05:00",
    "1969-12-31T23:59:59Z", "2101-01-01", "2026-02-30", "2026-05-01T25:00:00Z", "1e308",
    "9" * 20, "29.90USD", "29.999", "-0", "NaN", "Infinity", "1_000", "٣", "²", "\x00",
    "\u202e", "../etc", "a/b", "\ud800", "x" * 1000, "29,90", "1.299,00", "$", "US$1",
    "2026/13/45", "0", str(2**63), "-1", "\n", "\"", "'", ",", ";", "\t", "\ufeff",
])  # fmt: skip
TEXT = st.one_of(EDGY_TEXT, st.text(max_size=60))
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT,
    st.sampled_from([2**63, -(2**63), 10**30, 1e308, -0.0]),
)  # fmt: skip
JSONISH = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
GOOD_ORDER: dict[str, Any] = {
    "order_id": "A-1", "buyer_name": "Anna", "item_title": "Shoes", "sku": "S-1",
    "quantity": 1, "unit_price": "29.90", "currency": "USD", "paid_at": "2026-05-01",
    "status": "paid", "carrier": "", "tracking_number": "", "shipped_at": None,
    "promised_delivery_by": None, "delivered_at": None, "buyer_country": "US",
    "buyer_language": "en",
}  # fmt: skip
GOOD_EVENT: dict[str, Any] = {
    "id": "ev-1", "type": "shipped", "at": "2026-05-02T10:00:00Z",
    "data": {"carrier": "Cainiao", "tracking_number": "LP1"},
}  # fmt: skip


def _in_range(value: datetime | None) -> bool:
    return value is None or MIN_DATE <= value.astimezone(UTC) < END_DATE


def _valid_order(order: Order) -> None:
    assert id_problem(order.order_id) is None
    assert 1 <= order.quantity <= MAX_QUANTITY
    assert Decimal(0) <= order.unit_price.amount < MAX_AMOUNT
    assert len(order.buyer_name) <= 200 and len(order.item_title) <= 500
    for when in (order.paid_at, order.shipped_at, order.delivered_at,
                 order.promised_delivery_by):  # fmt: skip
        assert _in_range(when)
    assert order.shipped_at is None or order.shipped_at >= order.paid_at
    json.dumps(order.buyer_name).encode()  # storable: no lone surrogates


def _valid_item(item: CatalogItem) -> None:
    assert id_problem(item.sku) is None
    assert Decimal(0) <= item.price.amount < MAX_AMOUNT
    assert _in_range(item.promotion_ends)


@st.composite
def near_orders(draw: st.DrawFn) -> Any:
    order = dict(GOOD_ORDER)
    for name in draw(st.lists(st.sampled_from(sorted(GOOD_ORDER)), max_size=3)):
        order[name] = draw(SCALAR)
    shape = draw(st.sampled_from(["single", "list", "wrapped"]))
    return order if shape == "single" else [order] if shape == "list" else {"orders": [order]}


@st.composite
def near_events(draw: st.DrawFn) -> Any:
    event: dict[str, Any] = {**GOOD_EVENT, "data": dict(GOOD_EVENT["data"])}
    event["type"] = draw(st.sampled_from([t.value for t in EventType]))
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(["id", "type", "at", "data", "data.key", "extra"]))
        if where == "data.key":
            key = draw(st.sampled_from(["status", "amount", "reason", "protection_ends",
                                        "promised_delivery_by", "location", "x"]))  # fmt: skip
            if isinstance(event["data"], dict):
                event["data"][key] = draw(SCALAR)
        else:
            event[where] = draw(JSONISH)
    return event


@SETTINGS
@given(st.one_of(JSONISH, near_orders()))
@example({**GOOD_ORDER, "quantity": 2**63})
@example({**GOOD_ORDER, "unit_price": 1e308})
@example({**GOOD_ORDER, "paid_at": "0001-01-01T00:00:00+08:00"})
def test_order_bodies(body: Any) -> None:
    try:
        orders = parse_orders_json(body)
    except InvalidInput as exc:
        assert exc.field
        return
    for order in orders:
        _valid_order(order)


@SETTINGS
@given(st.one_of(TEXT, st.just("A-1")), st.one_of(JSONISH, near_events()))
@example("A-1", {"type": "closed", "at": "2026-05-01"})
@example("A-1", {"type": "paid", "at": "9999-12-31"})
def test_event_bodies(order_id: str, body: Any) -> None:
    try:
        event = parse_event(order_id, body)
    except InvalidInput as exc:
        assert exc.field
        return
    assert _in_range(event.at) and id_problem(event.event_id, 128) is None
    if event.type is EventType.CLOSED:
        assert event.data["status"] in ("completed", "cancelled", "refunded")
    json.dumps(dict(event.data), ensure_ascii=False).encode()


@SETTINGS
@given(st.one_of(st.binary(max_size=200), JSONISH.map(lambda v: json.dumps(v).encode())))
@example(b"[" * 100_000)
@example('{"a": 1}'.encode("utf-16"))
def test_raw_bodies(raw: bytes) -> None:
    try:
        jsonbody.load(raw)
    except jsonbody.BadBody as exc:
        assert exc.status in (400, 415)


CSV_CELL = st.one_of(TEXT, st.sampled_from(["29.90", "2026-05-01", "paid", "USD", "1"]))


@st.composite
def csv_files(draw: st.DrawFn, columns: tuple[str, ...]) -> str:
    header = draw(st.lists(st.sampled_from(columns), min_size=1, unique=True))
    if draw(st.booleans()):
        header = list(columns)
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(st.lists(st.lists(CSV_CELL, min_size=len(header), max_size=len(header)),
                         max_size=3))  # fmt: skip
    lines = [delimiter.join(header)] + [
        delimiter.join('"' + c.replace('"', '""') + '"' for c in row) for row in rows
    ]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(st.one_of(st.text(max_size=300), csv_files(ORDER_COLUMNS)))
@example(",".join(ORDER_COLUMNS) + "\nA,Anna,,,1," + "9" * 20 + ",USD,2026-05-01,paid,,,,,,,\n")
@example("order_id,unit_price,currency,paid_at,status\nA," + "1" * 1_000_000 + ",USD,x,paid\n")
def test_order_csv(text: str) -> None:
    try:
        orders = parse_orders(text)
    except ImportRejected as exc:
        assert exc.problems and all(p.startswith("line ") for p in exc.problems)
        return
    for order in orders:
        _valid_order(order)


@SETTINGS
@given(st.one_of(st.text(max_size=300), csv_files(CATALOG_COLUMNS)))
def test_catalog_csv(text: str) -> None:
    try:
        items = parse_catalog(text)
    except ImportRejected as exc:
        assert exc.problems and all(p.startswith("line ") for p in exc.problems)
        return
    for item in items:
        _valid_item(item)


@SETTINGS
@given(st.one_of(st.none(), TEXT, st.builds(
    lambda verb, rest: f"{verb}:{rest}", st.sampled_from(sorted(SELLER_VERBS | BUYER_VERBS)),
    TEXT)))  # fmt: skip
@example("send:" + "9" * 5000)
def test_callback_data(data: str | None) -> None:
    result = decode(data)
    assert result is None or (isinstance(result, Callback) and result.verb in
                              SELLER_VERBS | BUYER_VERBS)  # fmt: skip


WORDS = st.lists(st.one_of(TEXT.filter(lambda w: w.strip() and not any(c.isspace() for c in w)),
                           st.sampled_from(["offer", "buyer", "accept", "counter", "8.00",
                                            "2026-05-01", "0001-01-01", "9999-12-31T23:59:59",
                                            "$8", "8USD"])),
                 max_size=5)  # fmt: skip


@SETTINGS
@given(
    st.one_of(st.none(), TEXT, WORDS.map(" ".join)),
    st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
@example("A1 0001-01-01 8.00 broken", timezone(timedelta(hours=8)))
@example("A1 9999-12-31 8.00 broken", timezone(timedelta(hours=-5)))
def test_dispute_command(args: str | None, tz: timezone) -> None:
    try:
        command = parse_command(args)
        if command.action == "offer":
            parse_offer(command.words[1:])
        elif command.action == "buyer":
            parse_answer(command.words[1:])
        else:
            request = parse_open(command.words, NOW, tz)
            assert request.opened_at is None or request.opened_at <= NOW
    except BadCommand:
        pass


def test_every_refusal_is_a_parley_error() -> None:
    # The typed errors the properties above accept are all domain errors.
    for kind in (InvalidInput, ImportRejected, BadCommand, jsonbody.BadBody):
        assert issubclass(kind, ParleyError)
