"""Order events: what happened to an order, from the HTTP API or derived from a re-import.

Pure: JSON-like values in, records out. An event is identified by ``event_id``; storing the
same id twice is a no-op, so a retried request or a re-imported file never counts twice.
Events without an id get one derived from their content (order, type, time, data), which
makes a blind retry of the same request idempotent too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.csvimport import parse_datetime, parse_orders
from bot.domain.errors import ImportRejected, ParleyError
from bot.domain.models import Order, OrderStatus

MAX_EVENT_ID = 128
MAX_TEXT_FIELD = 500


class EventType(StrEnum):
    """What can happen to an order."""

    PAID = "paid"
    SHIPPED = "shipped"
    TRACKING_UPDATE = "tracking_update"
    DELIVERED = "delivered"
    REFUND_REQUESTED = "refund_requested"
    DISPUTE_OPENED = "dispute_opened"
    CLOSED = "closed"


CLOSING_STATUSES = ("completed", "cancelled", "refunded")
_TEXT_KEYS = ("carrier", "tracking_number", "status", "location", "description", "reason")
_DATE_KEYS = ("promised_delivery_by", "protection_ends")


class InvalidInput(ParleyError):
    """A request body failed validation; ``field`` names the offending field (JSON path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class OrderEvent:
    """One fact about an order at a point in time (UTC)."""

    event_id: str
    order_id: str
    type: EventType
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    source: str = "api"

    def text(self, key: str) -> str:
        """A text value from ``data`` ('' when absent)."""
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    def date(self, key: str) -> datetime | None:
        """A date value from ``data`` (validated on the way in), or None."""
        value = self.data.get(key)
        return parse_datetime(value) if isinstance(value, str) and value else None


def derived_id(order_id: str, type_: str, at: datetime, data: Mapping[str, Any]) -> str:
    """A stable id for an event that came without one (content hash)."""
    body = json.dumps([order_id, type_, at.isoformat(), data], sort_keys=True, default=str)
    return "h:" + hashlib.sha256(body.encode()).hexdigest()[:32]


def _timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(where, "must be an ISO-8601 date-time like 2026-05-01T10:30:00Z")
    try:
        return parse_datetime(value)
    except ValueError:
        raise InvalidInput(
            where, f"{value[:40]!r} is not an ISO-8601 date-time like 2026-05-01T10:30:00Z"
        ) from None


def parse_event(order_id: str, body: Any, where: str = "") -> OrderEvent:
    """Validate an event object ``{"id"?, "type", "at", "data"?}`` from the API.

    :class:`InvalidInput` names the field (``type``, ``at``, ``data.tracking_number``…).
    """
    prefix = f"{where}." if where else ""
    if not isinstance(body, dict):
        raise InvalidInput(where or "body", "must be a JSON object")
    unknown = sorted(set(body) - {"id", "type", "at", "data"})
    if unknown:
        raise InvalidInput(f"{prefix}{unknown[0]}", "unknown field (allowed: id, type, at, data)")
    raw_type = body.get("type")
    allowed = ", ".join(t.value for t in EventType)
    if not isinstance(raw_type, str) or raw_type not in set(EventType):
        raise InvalidInput(f"{prefix}type", f"must be one of {allowed}")
    type_ = EventType(raw_type)
    if "at" not in body:
        raise InvalidInput(f"{prefix}at", "is required (ISO-8601 date-time)")
    at = _timestamp(body["at"], f"{prefix}at")
    data = body.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{prefix}data", "must be a JSON object")
    for key in _TEXT_KEYS:
        if key in data and not (isinstance(data[key], str) and len(data[key]) <= MAX_TEXT_FIELD):
            raise InvalidInput(f"{prefix}data.{key}", f"must be text (at most {MAX_TEXT_FIELD})")
    for key in _DATE_KEYS:
        if key in data:
            _timestamp(data[key], f"{prefix}data.{key}")
    if type_ is EventType.CLOSED and data.get("status", "completed") not in CLOSING_STATUSES:
        raise InvalidInput(f"{prefix}data.status", f"must be one of {', '.join(CLOSING_STATUSES)}")
    event_id = body.get("id")
    if event_id is None:
        event_id = derived_id(order_id, type_.value, at, data)
    elif not isinstance(event_id, str | int) or isinstance(event_id, bool):
        raise InvalidInput(f"{prefix}id", "must be a string or a number")
    event_id = str(event_id).strip()
    if not event_id or len(event_id) > MAX_EVENT_ID:
        raise InvalidInput(f"{prefix}id", f"must be 1–{MAX_EVENT_ID} characters")
    return OrderEvent(event_id, order_id, type_, at, dict(data), "api")


def apply_event(order: Order, event: OrderEvent) -> Order:
    """The order as it stands after ``event`` (status and dates move forward, never back)."""
    status = order.status
    if event.type is EventType.PAID:
        if status is OrderStatus.AWAITING_PAYMENT:
            return replace(order, status=OrderStatus.PAID, paid_at=event.at)
        return order
    if event.type in (EventType.SHIPPED, EventType.TRACKING_UPDATE):
        changes: dict[str, Any] = {}
        if not status.shipped and status is not OrderStatus.CANCELLED:
            changes["status"] = OrderStatus.SHIPPED
        if event.type is EventType.SHIPPED and order.shipped_at is None:
            changes["shipped_at"] = event.at
        if event.text("carrier"):
            changes["carrier"] = event.text("carrier")
        if event.text("tracking_number"):
            changes["tracking_number"] = event.text("tracking_number").upper()
        promised = event.date("promised_delivery_by")
        if promised is not None:
            changes["promised_delivery_by"] = promised
        return replace(order, **changes) if changes else order
    if event.type is EventType.DELIVERED:
        if status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            return order
        new_status = status if status is OrderStatus.COMPLETED else OrderStatus.DELIVERED
        return replace(order, status=new_status, delivered_at=order.delivered_at or event.at)
    if event.type is EventType.CLOSED:
        return replace(order, status=OrderStatus(event.text("status") or "completed"))
    return order  # refund_requested / dispute_opened: the order record itself is unchanged


def _delivered(order: Order) -> bool:
    return order.delivered_at is not None or order.status in (
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    )


def events_from_change(
    before: Order | None, after: Order, now: datetime, source: str = "import"
) -> list[OrderEvent]:
    """Events implied by an order record changing from ``before`` (None: new) to ``after``.

    Ids are derived from the facts (order, type, time or tracking number), so importing the
    same file twice derives the same events and stores them once.
    """
    events: list[OrderEvent] = []

    def add(type_: EventType, at: datetime, key: str, **data: Any) -> None:
        event_id = f"{source}:{after.order_id}:{type_.value}:{key}"
        events.append(OrderEvent(event_id, after.order_id, type_, at, data, source))

    was_paid = before is not None and before.status is not OrderStatus.AWAITING_PAYMENT
    if after.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED) and not was_paid:
        add(EventType.PAID, after.paid_at, after.paid_at.isoformat())
    was_shipped = before is not None and before.status.shipped
    if after.status.shipped and not was_shipped and after.status is not OrderStatus.REFUNDED:
        at = after.shipped_at or now
        add(EventType.SHIPPED, at, at.isoformat(), carrier=after.carrier,
            tracking_number=after.tracking_number)  # fmt: skip
    elif (
        before is not None
        and was_shipped
        and after.tracking_number
        and after.tracking_number != before.tracking_number
    ):
        add(EventType.TRACKING_UPDATE, now, after.tracking_number, carrier=after.carrier,
            tracking_number=after.tracking_number, description="new tracking number")  # fmt: skip
    if _delivered(after) and not (before is not None and _delivered(before)):
        at = after.delivered_at or now
        add(EventType.DELIVERED, at, at.isoformat())
    closing = after.status.value in CLOSING_STATUSES
    if closing and (before is None or before.status is not after.status):
        add(EventType.CLOSED, now, after.status.value, status=after.status.value)
    return events


MAX_ORDERS_PER_REQUEST = 1000
_ORDER_FIELDS = (
    "order_id", "buyer_name", "item_title", "sku", "quantity", "unit_price", "currency",
    "paid_at", "status", "carrier", "tracking_number", "shipped_at", "promised_delivery_by",
    "delivered_at", "buyer_country", "buyer_language",
)  # fmt: skip


def parse_orders_json(body: Any) -> list[Order]:
    """Orders from an API body: one object, a list, or ``{"orders": [...]}``.

    The same rules as a CSV row apply (they go through :func:`parse_orders`); an error names
    the field as ``orders[i].paid_at`` (or ``paid_at`` for a single object).
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
        row = []
        for key in item:
            if key not in _ORDER_FIELDS:
                raise InvalidInput(where(index, str(key)), "unknown field")
        for name in _ORDER_FIELDS:
            value = item.get(name)
            if value is None:
                row.append("")
            elif isinstance(value, bool) or not isinstance(value, str | int | float):
                raise InvalidInput(where(index, name), "must be text or a number")
            elif "\n" in str(value) or "\r" in str(value):
                raise InvalidInput(where(index, name), "must be a single line")
            else:
                row.append(str(value))
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_ORDER_FIELDS)
    writer.writerows(rows)
    try:
        return parse_orders(buffer.getvalue())
    except ImportRejected as exc:
        line, _, reason = exc.problems[0].partition(": ")
        number = int(line.removeprefix("line ")) if line.startswith("line ") else 2
        name = reason.split(" ", 1)[0]
        raise InvalidInput(
            where(max(number - 2, 0), name if name in _ORDER_FIELDS else ""), reason
        ) from None
