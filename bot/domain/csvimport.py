"""Validation of the seller's CSV exports (orders and catalog). Pure: text in, records out.

Every row is checked before anything is stored; one bad row rejects the whole file with
``line N: reason`` for each problem. The order API (:func:`bot.domain.orderjson.
parse_orders_json`) goes through the same rules, so the limits below hold for both:

* **dates** are ISO 8601 (``2026-05-01`` or ``2026-05-01T10:30:00+08:00``; a value without an
  offset is UTC) between 1970-01-01 and 2100-12-31 (UTC); ``shipped_at`` may not be before
  ``paid_at``, ``delivered_at`` not before ``shipped_at`` (or ``paid_at``);
* **quantity** is a whole number from 1 to 10,000;
* **amounts** are zero or more and under 1,000,000,000, with at most 2 decimals (3 for the
  currencies counted in thousandths, see :data:`bot.domain.money.THREE_DECIMALS`; JPY, KRW
  and the like may still carry 2). Nothing is rounded: ``29.999`` USD is refused. A cell may
  carry a currency sign or code (``$29.90``, ``29.90 USD``) only if it agrees with the
  ``currency`` column; decimal commas and thousands separators are understood;
* **ids** (``order_id``, ``sku``) are 1–64 printable characters: no control or format
  characters (bidi overrides included), no ``/``, ``\\`` or ``..``;
* **text** has no control characters, bidi overrides or lone surrogates, and at most
  :data:`LIMITS` characters: names 200, titles and promotions 500, size chart 2,000, carrier
  100, tracking number 64. A longer cell is ``line N: <column>: too long`` whatever it holds.

The checks of single values (ids, text, dates, amounts) are :mod:`bot.domain.validation`'s;
this module reads the file, checks each row's cells and builds the records.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.domain.errors import ImportRejected
from bot.domain.languages import BUYER_LANGUAGES
from bot.domain.models import CatalogItem, Order, OrderStatus
from bot.domain.money import Money

# the value rules were defined here: still importable from this module
from bot.domain.validation import END_DATE as END_DATE
from bot.domain.validation import MAX_AMOUNT as MAX_AMOUNT
from bot.domain.validation import MAX_ID as MAX_ID
from bot.domain.validation import MIN_DATE as MIN_DATE
from bot.domain.validation import PLAIN_AMOUNT as PLAIN_AMOUNT
from bot.domain.validation import DateOutOfRange as DateOutOfRange
from bot.domain.validation import id_problem as id_problem
from bot.domain.validation import parse_amount as parse_amount
from bot.domain.validation import parse_datetime as parse_datetime
from bot.domain.validation import show as show
from bot.domain.validation import text_problem as text_problem

ORDER_COLUMNS = (
    "order_id", "buyer_name", "item_title", "sku", "quantity", "unit_price", "currency",
    "paid_at", "status", "carrier", "tracking_number", "shipped_at", "promised_delivery_by",
    "delivered_at", "buyer_country", "buyer_language",
)  # fmt: skip
ORDER_REQUIRED = ("order_id", "unit_price", "currency", "paid_at", "status")
CATALOG_COLUMNS = (
    "sku", "title", "price", "currency", "promotion", "promotion_ends", "size_chart",
)  # fmt: skip
CATALOG_REQUIRED = ("sku", "price", "currency")

MAX_QUANTITY = 10_000
LIMITS = {
    "order_id": MAX_ID, "sku": MAX_ID, "buyer_name": 200, "item_title": 500, "title": 500,
    "promotion": 500, "size_chart": 2000, "carrier": 100, "tracking_number": 64,
    "quantity": 20, "unit_price": 40, "price": 40, "currency": 10, "status": 40,
    "paid_at": 40, "shipped_at": 40, "promised_delivery_by": 40, "delivered_at": 40,
    "promotion_ends": 40, "buyer_country": 64, "buyer_language": 20,
}  # fmt: skip
"""Most characters a cell of each column may hold."""
_IDS = ("order_id", "sku")
_TEXTS = ("buyer_name", "item_title", "title", "promotion", "size_chart", "carrier",
          "tracking_number", "buyer_country")  # fmt: skip
_MULTILINE = ("size_chart",)
_STATUS_ALIASES = {
    "placed": "awaiting_payment", "unpaid": "awaiting_payment", "pending": "awaiting_payment",
    "place_order_success": "awaiting_payment", "processing": "paid", "unshipped": "paid",
    "awaiting_shipment": "paid", "wait_seller_send_goods": "paid", "risk_control": "paid",
    "fund_processing": "paid", "in_transit": "shipped", "dispatched": "shipped",
    "sent": "shipped", "seller_part_send_goods": "shipped", "wait_buyer_accept_goods": "shipped",
    "in_issue": "shipped", "received": "delivered", "finished": "completed", "finish": "completed",
    "closed": "completed", "canceled": "cancelled", "in_cancel": "cancelled",
}  # fmt: skip
_SIGNS = re.compile(
    r"^(?P<sign>US\$|R\$|CA\$|A\$|[$€£¥₽])?\s?(?P<number>.*?)\s?(?P<code>[$€£¥₽]|[A-Za-z]{3})?$"
)
_SIGN_CURRENCIES = {
    "US$": {"USD"}, "R$": {"BRL"}, "CA$": {"CAD"}, "A$": {"AUD"}, "€": {"EUR"}, "£": {"GBP"},
    "¥": {"CNY", "JPY"}, "₽": {"RUB"},
    "$": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "TWD", "CLP", "COP", "ARS"},
}  # fmt: skip
_QUANTITY = re.compile(r"[0-9]{1,6}")
_LANGS = {"", *BUYER_LANGUAGES}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
T = TypeVar("T")


@dataclass(frozen=True)
class Issue:
    """One problem of a CSV file: the line, the column ('' for the whole row) and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvRejected(ImportRejected):
    """:class:`ImportRejected` that also keeps each problem's line and column."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("", [str(i) for i in issues])
        self.issues = issues


class _RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column


@contextmanager
def _field_limit(size: int) -> Iterator[None]:
    # The csv module refuses long fields with an error that cannot say which column; read
    # them whole (the text is in memory anyway) and let the row check name the column.
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _rows(
    text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    with _field_limit(len(text)):
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise CsvRejected([Issue(1, "", "the file is empty")]) from None
        except csv.Error as exc:
            raise CsvRejected([Issue(1, "", f"not a CSV header ({exc})")]) from None
        unknown = [show(h) if len(h) > 40 else h for h in header if h not in columns]
        missing = [c for c in required if c not in header]
        problems = []
        if missing:
            problems.append(Issue(1, "", f"missing column(s) {', '.join(missing)}"))
        if unknown:
            problems.append(Issue(1, "", f"unknown column(s) {', '.join(unknown[:20])}"))
        if len(set(header)) != len(header):
            problems.append(Issue(1, "", "a column appears twice"))
        if problems:
            raise CsvRejected(problems)
        rows: list[tuple[int, dict[str, str]]] = []
        try:
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    error = f"{len(values)} fields, the header has {len(header)}"
                    rows.append((line, {"__error__": error}))
                    continue
                row = {c: "" for c in columns}
                row.update({h: v.strip() for h, v in zip(header, values, strict=True)})
                rows.append((line, row))
        except csv.Error as exc:
            raise CsvRejected([Issue(reader.line_num + 1, "", f"not CSV ({exc})")]) from None
    return rows


def _check_cells(row: dict[str, str], required: tuple[str, ...]) -> None:
    for name, value in row.items():
        limit = LIMITS.get(name, MAX_ID)
        if len(value) > limit:
            raise _RowError(name, f"{name}: too long (at most {limit} characters)")
    for name in required:
        if not row[name]:
            raise _RowError(name, f"{name} is empty")
    for name in _IDS:
        if row.get(name):
            problem = id_problem(row[name])
            if problem:
                raise _RowError(name, f"{name} {show(row[name])}: {problem}")
    for name in _TEXTS:
        if row.get(name):
            problem = text_problem(row[name], LIMITS[name], name in _MULTILINE)
            if problem:
                raise _RowError(name, f"{name} {show(row[name])}: {problem}")


def _collect(
    text: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    key: str,
    build: Callable[[dict[str, str]], T],
) -> list[T]:
    records: list[T] = []
    problems: list[Issue] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, columns, required):
        if "__error__" in row:
            problems.append(Issue(line, "", row["__error__"]))
            continue
        try:
            _check_cells(row, required)
            if row[key] in seen:
                raise _RowError(key, f"{key} {row[key]} already on line {seen[row[key]]}")
            seen[row[key]] = line
            records.append(build(row))
        except _RowError as exc:
            problems.append(Issue(line, exc.column, str(exc)))
    if problems:
        raise CsvRejected(problems)
    return records


def _money(row: dict[str, str], field: str) -> Money:
    currency = row["currency"].upper()
    if not _CURRENCY.match(currency):
        raise _RowError(
            "currency", f"currency {show(row['currency'])} is not a 3-letter code like USD"
        )
    cell = row[field].replace("\u00a0", " ").strip()
    match = _SIGNS.match(cell)
    raw, sign, code = cell, None, None
    if match and match["number"]:  # a bare "abc" is no currency code around a number
        raw, sign, code = match["number"], match["sign"], match["code"]
    if sign and currency not in _SIGN_CURRENCIES[sign]:
        raise _RowError(field, f"{field} {show(row[field])} is not in {currency}")
    if code and code.upper() != currency and currency not in _SIGN_CURRENCIES.get(code, ()):
        raise _RowError(field, f"{field} {show(row[field])} is not in {currency}")
    raw = raw.replace(" ", "")
    if "," in raw and "." in raw:  # 1,299.00 or 1.299,00: the last one is the decimal point
        raw = raw.replace(",", "") if raw.rfind(".") > raw.rfind(",") else raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        amount = parse_amount(raw, currency, field)
    except ValueError as exc:
        raise _RowError(field, str(exc).replace(show(raw), show(row[field]), 1)) from None
    return Money(amount, currency)


def _when(row: dict[str, str], field: str) -> datetime | None:
    if not row[field]:
        return None
    try:
        return parse_datetime(row[field])
    except DateOutOfRange:
        raise _RowError(
            field, f"{field} {show(row[field])} must be between 1970-01-01 and 2100-12-31"
        ) from None
    except ValueError:
        raise _RowError(
            field, f"{field} {show(row[field])} is not a date like 2026-05-01"
        ) from None


def _order(row: dict[str, str]) -> Order:
    raw_status = row["status"].lower().replace(" ", "_")
    try:
        status = OrderStatus(_STATUS_ALIASES.get(raw_status, raw_status))
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise _RowError("status", f"status {show(row['status'])} is not one of {allowed}") from None
    qty_text = row["quantity"] or "1"
    if not _QUANTITY.fullmatch(qty_text) or not 1 <= int(qty_text) <= MAX_QUANTITY:
        raise _RowError(
            "quantity",
            f"quantity {show(row['quantity'])} must be a whole number from 1 to {MAX_QUANTITY:,}",
        )
    language = row["buyer_language"].lower()[:2]
    if language not in _LANGS:
        raise _RowError(
            "buyer_language",
            f"buyer_language {show(row['buyer_language'])} is not one of en ru es pt fr",
        )
    unit_price = _money(row, "unit_price")
    paid_at = _when(row, "paid_at")
    assert paid_at is not None  # required column, checked before
    shipped_at = _when(row, "shipped_at")
    delivered_at = _when(row, "delivered_at")
    if shipped_at is not None and shipped_at < paid_at:
        raise _RowError("shipped_at", f"shipped_at {row['shipped_at']} is before paid_at "
                                      f"{row['paid_at']}")  # fmt: skip
    if delivered_at is not None and delivered_at < (shipped_at or paid_at):
        before = "shipped_at" if shipped_at is not None else "paid_at"
        raise _RowError("delivered_at", f"delivered_at {row['delivered_at']} is before "
                                        f"{before} {row[before]}")  # fmt: skip
    return Order(
        order_id=row["order_id"],
        unit_price=unit_price,
        quantity=int(qty_text),
        paid_at=paid_at,
        status=status,
        buyer_name=row["buyer_name"],
        item_title=row["item_title"],
        sku=row["sku"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"].upper(),
        shipped_at=shipped_at,
        promised_delivery_by=_when(row, "promised_delivery_by"),
        delivered_at=delivered_at,
        buyer_country=row["buyer_country"].upper(),
        buyer_language=language,
    )


def _catalog(row: dict[str, str]) -> CatalogItem:
    return CatalogItem(
        sku=row["sku"],
        price=_money(row, "price"),
        title=row["title"],
        promotion=row["promotion"],
        promotion_ends=_when(row, "promotion_ends"),
        size_chart=row["size_chart"],
    )


def parse_orders(text: str) -> list[Order]:
    """Orders from CSV text; :class:`CsvRejected` (an :class:`ImportRejected`) lists every
    bad line."""
    return _collect(text, ORDER_COLUMNS, ORDER_REQUIRED, "order_id", _order)


def parse_catalog(text: str) -> list[CatalogItem]:
    """Catalog items from CSV text; :class:`CsvRejected` (an :class:`ImportRejected`) lists
    every bad line."""
    return _collect(text, CATALOG_COLUMNS, CATALOG_REQUIRED, "sku", _catalog)
