"""The order API's JSON bodies: orders from a body, and what every body check shares.

:func:`parse_orders_json` takes one order object, a list, or ``{"orders": [...]}`` through
the CSV rules (:func:`bot.domain.csvimport.parse_orders`), except that ``unit_price`` must be a
plain number; at most :data:`MAX_ORDERS_PER_REQUEST` orders per request. Every refusal is an
:class:`InvalidInput` naming the field by its JSON path (``orders[2].paid_at``), which the
HTTP server answers with 422; :mod:`bot.domain.orderevents` checks event bodies the same way.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from bot.domain.csvimport import CsvRejected, parse_orders
from bot.domain.errors import ParleyError
from bot.domain.models import Order
from bot.domain.validation import PLAIN_AMOUNT, show

MAX_INT = 10**18  # a JSON number this large is no id, quantity or amount

MAX_ORDERS_PER_REQUEST = 1000
_ORDER_FIELDS = (
    "order_id", "buyer_name", "item_title", "sku", "quantity", "unit_price", "currency",
    "paid_at", "status", "carrier", "tracking_number", "shipped_at", "promised_delivery_by",
    "delivered_at", "buyer_country", "buyer_language",
)  # fmt: skip


class InvalidInput(ParleyError):
    """A request body failed validation; ``field`` names the offending field (JSON path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def field_name(key: Any) -> str:
    """A JSON object key as a field name in a message (cut to 40 characters; other keys by type)."""
    if not isinstance(key, str):
        return f"<{type(key).__name__} key>"
    return key[:40] or '""'


def number_text(value: Any) -> str | None:
    """A JSON number or string as text; None for anything else (or a number no field takes)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if -MAX_INT < value < MAX_INT else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return value if isinstance(value, str) else None


def _cell(value: Any, name: str, where: str) -> str:
    """One order field from JSON as the text a CSV cell would hold."""
    if value is None:
        return ""
    text = number_text(value)
    if text is None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        raise InvalidInput(where, "is out of range" if number else "must be text or a number")
    if "\n" in text or "\r" in text:
        raise InvalidInput(where, "must be a single line")
    if name == "unit_price" and not PLAIN_AMOUNT.fullmatch(text.strip()):
        raise InvalidInput(
            where, f"{show(text)} is not a plain number like 29.90 (the currency goes in currency)"
        )
    return text


def parse_orders_json(body: Any) -> list[Order]:
    """Orders from an API body: one object, a list, or ``{"orders": [...]}``.

    The same rules as a CSV row apply (they go through :func:`parse_orders`), except that
    ``unit_price`` must be a plain number; an error names the field as ``orders[i].paid_at``
    (or ``paid_at`` for a single object).
    """
    single = isinstance(body, dict) and "orders" not in body
    items = [body] if single else body.get("orders") if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise InvalidInput("orders", "must be an order object or a non-empty list of them")
    if len(items) > MAX_ORDERS_PER_REQUEST:
        raise InvalidInput("orders", f"at most {MAX_ORDERS_PER_REQUEST} orders per request")

    def where(index: int, name: str = "") -> str:
        base = "" if single else f"orders[{index}]"
        return ".".join(p for p in (base, name) if p) or "body"

    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(where(index), "must be a JSON object")
        for key in item:
            if key not in _ORDER_FIELDS:
                raise InvalidInput(where(index, field_name(key)), "unknown field")
        rows.append([_cell(item.get(name), name, where(index, name)) for name in _ORDER_FIELDS])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_ORDER_FIELDS)
    writer.writerows(rows)
    try:
        return parse_orders(buffer.getvalue())
    except CsvRejected as exc:
        issue = exc.issues[0]
        name = issue.column if issue.column in _ORDER_FIELDS else ""
        raise InvalidInput(where(max(issue.line - 2, 0), name), issue.reason) from None
