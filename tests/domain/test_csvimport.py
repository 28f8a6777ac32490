"""CSV validation: every bad line is named, nothing partial comes out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.domain.csvimport import parse_catalog, parse_orders
from bot.domain.errors import ImportRejected
from bot.domain.models import OrderStatus
from tests.conftest import CATALOG_CSV, ORDERS_CSV, ORDERS_HEADER


def test_orders_parse_with_types_and_defaults() -> None:
    orders = parse_orders(ORDERS_CSV)
    assert [o.order_id for o in orders] == ["8175342209981234", "8175342209985555"]
    first, second = orders
    assert first.unit_price.amount == Decimal("29.90") and first.unit_price.currency == "USD"
    assert first.paid_at == datetime(2026, 4, 29, 10, 15, tzinfo=UTC)
    assert first.status is OrderStatus.PAID and not first.status.shipped
    assert second.quantity == 2 and second.status.shipped
    assert second.tracking_number == "LP00123456789012"
    assert first.shipped_at is None


def test_semicolon_bom_aliases_and_minimal_columns() -> None:
    text = "\ufefforder_id;unit_price;currency;paid_at;status\nA1;10;eur;2026-01-02;Processing\n"
    (order,) = parse_orders(text)
    assert order.status is OrderStatus.PAID and order.quantity == 1
    assert order.unit_price.currency == "EUR"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",Anna,,,1,29.90,USD,2026-04-29,paid,,,,,,,", "line 3: order_id is empty"),
        ("X2,Anna,,,1,abc,USD,2026-04-29,paid,,,,,,,", "line 3: unit_price 'abc' is not an amount"),
        ("X2,Anna,,,1,-1,USD,2026-04-29,paid,,,,,,,", "line 3: unit_price '-1' must be zero"),
        ("X2,Anna,,,1,1,USD,29/04/2026,paid,,,,,,,", "line 3: paid_at '29/04/2026' is not a date"),
        ("X2,Anna,,,0,1,USD,2026-04-29,paid,,,,,,,", "line 3: quantity '0' must be a whole"),
        ("X2,Anna,,,1,1,DOLLAR,2026-04-29,paid,,,,,,,", "line 3: currency 'DOLLAR'"),
        ("X2,Anna,,,1,1,USD,2026-04-29,lost,,,,,,,", "line 3: status 'lost' is not one of"),
        ("X2,Anna,,,1,1,USD,2026-04-29,paid,,,,,,,de", "line 3: buyer_language 'de'"),
        ("X1,Anna,,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: order_id X1 already on line 2"),
        ("X2,Anna,1,USD", "line 3: 4 fields, the header has 16"),
    ],
)
def test_one_bad_row_rejects_the_file_naming_the_line(row: str, reason: str) -> None:
    good = "X1,Anna,Shoes,S1,1,29.90,USD,2026-04-29,paid,,,,,,,en\n"
    with pytest.raises(ImportRejected) as caught:
        parse_orders(ORDERS_HEADER + good + row + "\n")
    assert any(p.startswith(reason) for p in caught.value.problems), caught.value.problems


def test_header_problems_are_line_one() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_orders("order_id,price\n1,2\n")
    assert caught.value.problems[0].startswith("line 1: missing column(s) unit_price")
    with pytest.raises(ImportRejected) as caught:
        parse_orders("")
    assert caught.value.problems == ["line 1: the file is empty"]


def test_every_problem_is_listed() -> None:
    rows = "".join(f"X{i},A,,,1,bad,USD,2026-04-29,paid,,,,,,,\n" for i in range(30))
    with pytest.raises(ImportRejected) as caught:
        parse_orders(ORDERS_HEADER + rows)
    assert len(caught.value.problems) == 30
    assert "… and 10 more" in str(caught.value)


def test_catalog_parses_and_validates() -> None:
    items = parse_catalog(CATALOG_CSV)
    assert items[0].promotion == "May Day Labor Day sale"
    assert items[0].promotion_ends == datetime(2026, 5, 5, tzinfo=UTC)
    with pytest.raises(ImportRejected) as caught:
        parse_catalog("sku,price,currency\nA,1.0,USD\n,2,USD\n")
    assert caught.value.problems == ["line 3: sku is empty"]


def test_common_export_formats_are_understood() -> None:
    text = (
        "order_id,unit_price,currency,paid_at,status\n"
        "A1,$29.90,USD,2026/04/29,WAIT_SELLER_SEND_GOODS\n"
        'A2,"29,90",EUR,2026-04-29 10:15:00,in transit\n'
        'A3,"1,299.00",USD,2026-04-29T10:15:00+08:00,FINISH\n'
    )
    a1, a2, a3 = parse_orders(text)
    assert a1.unit_price.amount == Decimal("29.90") and a1.status is OrderStatus.PAID
    assert a1.paid_at == datetime(2026, 4, 29, tzinfo=UTC)
    assert a2.unit_price.amount == Decimal("29.90") and a2.status is OrderStatus.SHIPPED
    assert a3.unit_price.amount == Decimal("1299.00") and a3.status is OrderStatus.COMPLETED
    assert a3.paid_at == datetime(2026, 4, 29, 2, 15, tzinfo=UTC)


GOOD = "X1,Anna,Shoes,S1,1,29.90,USD,2026-04-29,paid,,,,,,,en\n"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("X2,Anna,,,1,1,USD,0001-01-01T00:00:00+08:00,paid,,,,,,,",
         "line 3: paid_at '0001-01-01T00:00:00+08:00' must be between 1970-01-01 and 2100-12-31"),
        ("X2,Anna,,,1,1,USD,9999-12-31,paid,,,,,,,", "line 3: paid_at '9999-12-31' must be"),
        ("X2,Anna,,,1,1,USD,2026-04-29,paid,,,,9999-12-31,,,",
         "line 3: promised_delivery_by '9999-12-31' must be"),
        (f"X2,Anna,,,{2**63},1,USD,2026-04-29,paid,,,,,,,",
         f"line 3: quantity '{2**63}' must be a whole number from 1 to 10,000"),
        ("X2,Anna,,,²,1,USD,2026-04-29,paid,,,,,,,", "line 3: quantity '²' must be a whole"),
        ("X2,Anna,,,1,1e308,USD,2026-04-29,paid,,,,,,,", "line 3: unit_price '1e308' is not an"),
        (f"X2,Anna,,,1,{'9' * 20},USD,2026-04-29,paid,,,,,,,",
         f"line 3: unit_price '{'9' * 20}' must be less than 1,000,000,000"),
        ("X2,Anna,,,1,29.999,USD,2026-04-29,paid,,,,,,,",
         "line 3: unit_price '29.999' has more than 2 decimals for USD"),
        ("X2,Anna,,,1,29.90USD,EUR,2026-04-29,paid,,,,,,,",
         "line 3: unit_price '29.90USD' is not in EUR"),
        ("X2,Anna,,,1,$29.90,EUR,2026-04-29,paid,,,,,,,", "line 3: unit_price '$29.90' is not in"),
        ("X2,Anna,,,1,NaN,USD,2026-04-29,paid,,,,,,,", "line 3: unit_price 'NaN' is not an"),
        ("X\x002,Anna,,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: order_id 'X\\x002': contains"),
        ("X\u202e2,Anna,,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: order_id 'X\\u202e2': cont"),
        ("../X2,Anna,,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: order_id '../X2': must not"),
        (f"{'X' * 65},Anna,,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: order_id: too long"),
        (f"X2,{'A' * 201},,,1,1,USD,2026-04-29,paid,,,,,,,", "line 3: buyer_name: too long"),
        (f"X2,{'A' * 1_000_000},,,1,1,USD,2026-04-29,paid,,,,,,,",
         "line 3: buyer_name: too long (at most 200 characters)"),
        ("X2,Anna,,,1,1,USD,2026-04-29,shipped,,,2026-04-28,,,,",
         "line 3: shipped_at 2026-04-28 is before paid_at 2026-04-29"),
        ("X2,Anna,,,1,1,USD,2026-04-29,delivered,,,2026-05-02,,2026-05-01,,",
         "line 3: delivered_at 2026-05-01 is before shipped_at 2026-05-02"),
    ],
)  # fmt: skip
def test_garbage_cells_are_refused_naming_line_and_column(row: str, reason: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_orders(ORDERS_HEADER + GOOD + row + "\n")
    assert any(p.startswith(reason) for p in caught.value.problems), caught.value.problems


def test_a_huge_field_in_a_catalog_names_its_column() -> None:
    text = f"sku,title,price,currency\nA,{'t' * 1_000_000},1.00,USD\n"
    with pytest.raises(ImportRejected) as caught:
        parse_catalog(text)
    assert caught.value.problems == ["line 2: title: too long (at most 500 characters)"]


def test_signs_agree_with_the_currency_and_decimals_follow_it() -> None:
    text = (
        "order_id,unit_price,currency,paid_at,status\n"
        "A1,29.90 USD,USD,2026-04-29,paid\n"
        'A2,"1.299,00",EUR,2026-04-29,paid\n'
        "A3,1.234,KWD,2026-04-29,paid\n"
        "A4,¥1200,JPY,2026-04-29,paid\n"
    )
    a1, a2, a3, a4 = parse_orders(text)
    assert a1.unit_price.amount == Decimal("29.90")
    assert a2.unit_price.amount == Decimal("1299.00")
    assert str(a3.unit_price) == "1.234 KWD"
    assert a4.unit_price.amount == Decimal("1200")
