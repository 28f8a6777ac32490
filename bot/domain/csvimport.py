"""Validation of the seller's CSV exports (orders and catalog). Pure: text in, records out.

Every row is checked before anything is stored; one bad row rejects the whole file with
``line N: reason`` for each problem. Dates are ISO 8601 (``2026-05-01`` or
``2026-05-01T10:30:00+08:00``); a date or time without an offset is taken as UTC.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from bot.domain.errors import ImportRejected
from bot.domain.models import CatalogItem, Order, OrderStatus
from bot.domain.money import Money

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
_STATUS_ALIASES = {
    "placed": "awaiting_payment", "unpaid": "awaiting_payment", "pending": "awaiting_payment",
    "place_order_success": "awaiting_payment", "processing": "paid", "unshipped": "paid",
    "awaiting_shipment": "paid", "wait_seller_send_goods": "paid", "risk_control": "paid",
    "fund_processing": "paid", "in_transit": "shipped", "dispatched": "shipped",
    "sent": "shipped", "seller_part_send_goods": "shipped", "wait_buyer_accept_goods": "shipped",
    "in_issue": "shipped", "received": "delivered", "finished": "completed", "finish": "completed",
    "closed": "completed", "canceled": "cancelled", "in_cancel": "cancelled",
}  # fmt: skip
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")
_SYMBOLS = re.compile(r"^(US\$|R\$|CA\$|A\$|[$€£¥₽])|([$€£¥₽]|\s?(USD|EUR|GBP|RUB|BRL))$")
_LANGS = {"", "en", "ru", "es", "pt", "fr"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")

T = TypeVar("T")


class _RowError(Exception):
    pass


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date or datetime (``2026/05/01`` too); naive values are UTC. Raises ValueError."""
    text = _SLASH_DATE.sub(lambda m: f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}", text.strip())
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _rows(
    text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportRejected("", ["line 1: the file is empty"]) from None
    unknown = [h for h in header if h not in columns]
    missing = [c for c in required if c not in header]
    problems = []
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(unknown)}")
    if len(set(header)) != len(header):
        problems.append("line 1: a column appears twice")
    if problems:
        raise ImportRejected("", problems)
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            yield line, {"__error__": f"{len(values)} fields, the header has {len(header)}"}
            continue
        row = {c: "" for c in columns}
        row.update({h: v.strip() for h, v in zip(header, values, strict=True)})
        yield line, row


def _collect(
    text: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    key: str,
    build: Callable[[dict[str, str]], T],
) -> list[T]:
    records: list[T] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, row in _rows(text, columns, required):
        if "__error__" in row:
            problems.append(f"line {line}: {row['__error__']}")
            continue
        try:
            for name in required:
                if not row[name]:
                    raise _RowError(f"{name} is empty")
            if row[key] in seen:
                raise _RowError(f"{key} {row[key]} already on line {seen[row[key]]}")
            seen[row[key]] = line
            records.append(build(row))
        except _RowError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise ImportRejected("", problems)
    return records


def _money(row: dict[str, str], field: str) -> Money:
    currency = row["currency"].upper()
    if not _CURRENCY.match(currency):
        raise _RowError(f"currency {row['currency']!r} is not a 3-letter code like USD")
    raw = _SYMBOLS.sub("", row[field].strip()).replace(" ", "").replace("\u00a0", "")
    if "," in raw:  # 29,90 (decimal comma) or 1,299.00 (thousands separator)
        raw = raw.replace(",", "") if "." in raw else raw.replace(",", ".")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise _RowError(f"{field} {row[field]!r} is not an amount like 29.90") from None
    if not amount.is_finite() or amount < 0:
        raise _RowError(f"{field} {row[field]!r} must be zero or more")
    return Money(amount, currency)


def _when(row: dict[str, str], field: str) -> datetime | None:
    if not row[field]:
        return None
    try:
        return parse_datetime(row[field])
    except ValueError:
        raise _RowError(f"{field} {row[field]!r} is not a date like 2026-05-01") from None


def _order(row: dict[str, str]) -> Order:
    raw_status = row["status"].lower().replace(" ", "_")
    try:
        status = OrderStatus(_STATUS_ALIASES.get(raw_status, raw_status))
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise _RowError(f"status {row['status']!r} is not one of {allowed}") from None
    qty_text = row["quantity"] or "1"
    if not qty_text.isdigit() or int(qty_text) < 1:
        raise _RowError(f"quantity {row['quantity']!r} must be a whole number of 1 or more")
    language = row["buyer_language"].lower()[:2]
    if language not in _LANGS:
        raise _RowError(f"buyer_language {row['buyer_language']!r} is not one of en ru es pt fr")
    paid_at = _when(row, "paid_at")
    assert paid_at is not None  # required column, checked before
    return Order(
        order_id=row["order_id"],
        unit_price=_money(row, "unit_price"),
        quantity=int(qty_text),
        paid_at=paid_at,
        status=status,
        buyer_name=row["buyer_name"],
        item_title=row["item_title"],
        sku=row["sku"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"].upper(),
        shipped_at=_when(row, "shipped_at"),
        promised_delivery_by=_when(row, "promised_delivery_by"),
        delivered_at=_when(row, "delivered_at"),
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
    """Orders from CSV text; :class:`ImportRejected` lists every bad line."""
    return _collect(text, ORDER_COLUMNS, ORDER_REQUIRED, "order_id", _order)


def parse_catalog(text: str) -> list[CatalogItem]:
    """Catalog items from CSV text; :class:`ImportRejected` lists every bad line."""
    return _collect(text, CATALOG_COLUMNS, CATALOG_REQUIRED, "sku", _catalog)
