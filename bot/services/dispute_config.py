"""Dispute settings as the services need them, and the facts an order event carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from bot.domain.disputes import BadCommand, DisputeRules

if TYPE_CHECKING:
    from bot.settings import DisputeSettings

ORDER_EVENTS = frozenset({"refund_requested", "dispute_opened"})
DISPUTE_FOLLOWUP = "dispute_followup"


@dataclass(frozen=True)
class DisputeConfig:
    """What the dispute services need from settings."""

    rules: DisputeRules
    seller_chat_ids: tuple[int, ...]
    timezone: tzinfo = UTC


def rules_from_settings(settings: DisputeSettings) -> DisputeRules:
    """The domain rules from the ``[disputes]`` settings."""
    return DisputeRules(
        answer_days=settings.answer_days,
        window_opens_day=settings.window_opens_day,
        window_closes_day=settings.window_closes_day,
        escalation_day=settings.escalation_day,
        return_shipping_days=settings.return_shipping_days,
        protection_days=settings.protection_days,
        warn_days_before_close=tuple(settings.warn_days_before_close),
        answer_warning_hours=settings.answer_warning_hours,
    )


def seller_timezone(name: str) -> tzinfo:
    """The seller's display timezone by IANA name."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def event_facts(
    event_type: str, at: datetime, data: Mapping[str, Any] | None
) -> tuple[Decimal | None, str]:
    """Amount and reason from an order event's data (``amount``, ``reason``)."""
    if event_type not in ORDER_EVENTS:
        raise ValueError(f"{event_type!r} does not open a dispute")
    if at.tzinfo is None:
        raise ValueError("the event time must be timezone-aware")
    data = data or {}
    amount = None
    if data.get("amount") not in (None, ""):
        try:
            amount = Decimal(str(data["amount"]))
        except InvalidOperation:
            raise BadCommand(f"amount {data['amount']!r} is not a number") from None
    return amount, str(data.get("reason") or "")[:500]
