"""Dispute settings as the services need them (plain values the composition root builds
from the settings, see :mod:`bot.wiring`), and the facts an order event carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.domain.disputes import BadCommand, DisputeRules
from bot.domain.models import Sender
from bot.domain.team import Console

ORDER_EVENTS = frozenset({"refund_requested", "dispute_opened"})
DISPUTE_FOLLOWUP = "dispute_followup"


@dataclass(frozen=True)
class DisputeConfig:
    """What the dispute services need from settings."""

    rules: DisputeRules
    seller_chat_ids: tuple[int, ...]  # where dispute cards and alerts go
    timezone: tzinfo = UTC
    console: Console | None = None  # who may act (default: the seller chats above)

    def allows(self, seller: Sender) -> bool:
        """Whether ``seller`` may act on disputes."""
        console = self.console or Console(self.seller_chat_ids)
        return console.allows(seller.chat_id, seller.user_id)


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
