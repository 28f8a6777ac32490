"""Order events: what happened to an order, from the HTTP API or derived from a re-import.

Pure: JSON-like values in, records out. An event is identified by ``event_id``; storing the
same id twice is a no-op, so a retried request or a re-imported file never counts twice; the
same id with different content is a conflict (:class:`EventConflict`), never silently
dropped. Events without an id get one derived from their content (order, type, time, data),
which makes a blind retry of the same request idempotent too.

What an event body may hold (anything else is :class:`InvalidInput` naming the field):

* ``id``: 1–128 printable characters (no control or bidi characters, no ``/``, ``\\`` or
  ``..``) or a whole number; the order id in the URL follows the CSV id rules (1–64);
* ``at`` and the dates in ``data``: ISO 8601 between 1970 and 2100 (see
  :mod:`bot.domain.validation`);
* ``data``: only the keys the event type knows (:data:`EVENT_DATA`). ``closed`` needs
  ``status``; ``tracking_update`` needs at least one of status, description, location,
  tracking_number. Text values are single-line text of at most :data:`TEXT_LIMITS`
  characters; ``amount`` is a plain decimal under 10⁹ with at most 3 decimals (the order's
  currency is checked when the event is recorded).

Orders themselves come in through :func:`bot.domain.orderjson.parse_orders_json` (API) or
:mod:`bot.domain.csvimport` (files); :func:`events_from_change` derives the events a changed
order record implies, and :func:`apply_event` moves the record forward.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.errors import ParleyError
from bot.domain.models import Order, OrderStatus
from bot.domain.orderjson import MAX_INT, field_name, number_text

# the order API's orders and its InvalidInput were defined here: still importable from here
from bot.domain.orderjson import InvalidInput as InvalidInput
from bot.domain.orderjson import parse_orders_json as parse_orders_json
from bot.domain.validation import (
    DateOutOfRange,
    id_problem,
    parse_amount,
    parse_datetime,
    show,
    text_problem,
)

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
TEXT_LIMITS = {"carrier": 100, "tracking_number": 64, "status": 200, "location": 200,
               "description": MAX_TEXT_FIELD, "reason": MAX_TEXT_FIELD}  # fmt: skip
"""Most characters each text value of an event's ``data`` may hold."""
_DATE_KEYS = ("promised_delivery_by", "protection_ends")
_TRACKING = ("carrier", "tracking_number", "promised_delivery_by", "protection_ends")
EVENT_DATA: dict[EventType, frozenset[str]] = {
    EventType.PAID: frozenset({"description"}),
    EventType.SHIPPED: frozenset({*_TRACKING, "status", "location", "description"}),
    EventType.TRACKING_UPDATE: frozenset({*_TRACKING, "status", "location", "description"}),
    EventType.DELIVERED: frozenset({"location", "description", "protection_ends"}),
    EventType.REFUND_REQUESTED: frozenset({"reason", "amount", "description"}),
    EventType.DISPUTE_OPENED: frozenset({"reason", "amount", "description", "protection_ends"}),
    EventType.CLOSED: frozenset({"status", "reason", "description"}),
}
"""The ``data`` keys each event type may carry."""
_NEEDS_ONE_OF = {
    EventType.CLOSED: ("status",),
    EventType.TRACKING_UPDATE: ("status", "description", "location", "tracking_number"),
}


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


class EventConflict(ParleyError):
    """An event id is already recorded with different content; ``stored`` and ``new`` are the
    two events."""

    def __init__(self, stored: OrderEvent, new: OrderEvent) -> None:
        super().__init__(
            f"event id {new.event_id} is already recorded with different content; "
            "send a new id for a new event"
        )
        self.stored = stored
        self.new = new


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps(dict(data), sort_keys=True, default=str)


def same_event(a: OrderEvent, b: OrderEvent) -> bool:
    """Whether two events say the same thing (id, order, type, instant, data; not source)."""
    return (a.event_id, a.order_id, a.type, a.at) == (b.event_id, b.order_id, b.type, b.at) and (
        _canonical(a.data) == _canonical(b.data)
    )


def _timestamp(value: Any, where: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(where, "must be an ISO-8601 date-time like 2026-05-01T10:30:00Z")
    try:
        return parse_datetime(value)
    except DateOutOfRange:
        raise InvalidInput(where, f"{show(value)} must be between 1970 and 2100") from None
    except ValueError:
        raise InvalidInput(
            where, f"{show(value)} is not an ISO-8601 date-time like 2026-05-01T10:30:00Z"
        ) from None


def _check_data(type_: EventType, data: dict[Any, Any], prefix: str) -> None:
    allowed = EVENT_DATA[type_]
    for key in data:
        if key not in allowed:
            raise InvalidInput(
                f"{prefix}data.{field_name(key)}",
                f"not part of a {type_.value} event (allowed: {', '.join(sorted(allowed))})",
            )
    needs = _NEEDS_ONE_OF.get(type_, ())
    if needs and not any(data.get(key) not in (None, "") for key in needs):
        what = f"data.{needs[0]}" if len(needs) == 1 else f"one of {', '.join(needs)}"
        raise InvalidInput(f"{prefix}data.{needs[0]}", f"a {type_.value} event needs {what}")
    for key, limit in TEXT_LIMITS.items():
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, str):
            raise InvalidInput(f"{prefix}data.{key}", f"must be text (at most {limit})")
        problem = text_problem(value, limit)
        if problem:
            raise InvalidInput(f"{prefix}data.{key}", problem)
    for key in _DATE_KEYS:
        if key in data:
            _timestamp(data[key], f"{prefix}data.{key}")
    if type_ is EventType.CLOSED and data["status"] not in CLOSING_STATUSES:
        raise InvalidInput(f"{prefix}data.status", f"must be one of {', '.join(CLOSING_STATUSES)}")
    if data.get("amount") is not None:
        text = number_text(data["amount"])
        if text is None:
            raise InvalidInput(f"{prefix}data.amount", "must be a number like 8.50")
        try:
            parse_amount(text.strip(), "", "amount", places=3)
        except ValueError as exc:
            raise InvalidInput(f"{prefix}data.amount", str(exc)) from None


def parse_event(order_id: str, body: Any, where: str = "") -> OrderEvent:
    """Validate an event object ``{"id"?, "type", "at", "data"?}`` from the API.

    :class:`InvalidInput` names the field (``type``, ``at``, ``data.tracking_number``…);
    ``order_id`` (from the URL) must be a valid order id.
    """
    prefix = f"{where}." if where else ""
    problem = id_problem(order_id) if isinstance(order_id, str) else "must be text"
    if problem:
        raise InvalidInput("order_id", problem)
    if not isinstance(body, dict):
        raise InvalidInput(where or "body", "must be a JSON object")
    unknown = sorted(field_name(k) for k in body if k not in ("id", "type", "at", "data"))
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
    _check_data(type_, data, prefix)
    event_id = body.get("id")
    if event_id is None:
        event_id = derived_id(order_id, type_.value, at, data)
    elif isinstance(event_id, bool) or not isinstance(event_id, str | int):
        raise InvalidInput(f"{prefix}id", "must be a string or a number")
    elif isinstance(event_id, int) and not -MAX_INT < event_id < MAX_INT:
        raise InvalidInput(f"{prefix}id", f"must be 1–{MAX_EVENT_ID} characters")
    event_id = str(event_id).strip()
    problem = id_problem(event_id, MAX_EVENT_ID)
    if problem:
        raise InvalidInput(f"{prefix}id", problem)
    return OrderEvent(event_id, order_id, type_, at, dict(data), "api")


def check_event_for(order: Order, event: OrderEvent) -> None:
    """Refuse an event that contradicts the order it is about (:class:`InvalidInput`): shipped
    before it was paid, delivered before it was shipped, an amount with more decimals than
    the order's currency has."""
    if event.type is EventType.SHIPPED and event.at < order.paid_at:
        raise InvalidInput("at", f"shipped before the order was paid ({order.paid_at.isoformat()})")
    if event.type is EventType.DELIVERED:
        start, what = (order.shipped_at, "shipped") if order.shipped_at else (order.paid_at, "paid")
        if event.at < start:
            raise InvalidInput("at", f"delivered before the order was {what} ({start.isoformat()})")
    amount = number_text(event.data.get("amount"))
    if amount:
        try:
            parse_amount(amount.strip(), order.unit_price.currency, "amount")
        except ValueError as exc:
            raise InvalidInput("data.amount", str(exc)) from None


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
