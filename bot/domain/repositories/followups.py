"""Follow-ups: order events, the follow-up rows planned from them and buyers who blocked the
bot (:class:`FollowupRepository`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.orderevents import OrderEvent


class FollowupRepository(Protocol):
    """Order events, follow-up rows and unreachable buyers (see ``bot.storage.sql.followups``)."""

    async def add_event(self, event: OrderEvent, now: datetime) -> bool:
        """Store an event; False if an event with this id is already stored."""
        ...

    async def event(self, event_id: str) -> OrderEvent | None:
        """A stored event by id."""
        ...

    async def events(self, order_id: str) -> list[OrderEvent]:
        """An order's events, oldest first."""
        ...

    async def plan(
        self,
        order_id: str,
        rule: str,
        status: RowStatus,
        due_at: datetime | None,
        reason: str,
        now: datetime,
    ) -> None:
        """Create the (order, rule) row, or re-plan it if it is still pending.  Only ``pending`` or
        ``skipped`` may be written here; a row that is sending or finished is left
        exactly as it is."""
        ...

    async def for_order(self, order_id: str) -> list[FollowupRow]:
        """Every follow-up row of an order."""
        ...

    async def get(self, row_id: int) -> FollowupRow | None:
        """One row by id."""
        ...

    async def due(self, now: datetime, limit: int = 200) -> list[FollowupRow]:
        """Pending rows due by ``now``, earliest first (an index range scan), with the chat the
        order is linked to (if any) as ``chat_id``."""
        ...

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due."""
        ...

    async def reschedule(
        self, row_id: int, due_at: datetime, reason: str, now: datetime, *, retry: bool = False
    ) -> None:
        """Keep a pending (or interrupted-by-429 sending) row for later."""
        ...

    async def mark_sending(self, row_id: int, chat_id: int, now: datetime) -> bool:
        """Claim a pending row right before the Bot API call; False if it is not pending."""
        ...

    async def finish(
        self,
        row_id: int,
        status: RowStatus,
        reason: str,
        now: datetime,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> bool:
        """Move a pending or sending row to a final status; False if it already was final."""
        ...

    async def interrupted(self, reason: str, now: datetime) -> list[FollowupRow]:
        """Rows left ``sending`` by a crash become ``failed`` with ``reason``; returns them."""
        ...

    async def skip_pending_for_chat(self, chat_id: int, reason: str, now: datetime) -> int:
        """Skip every pending follow-up of the orders linked to a chat."""
        ...

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        ...

    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        """The chat blocked the bot (HTTP 403)."""
        ...

    async def unreachable(self, chat_id: int) -> bool:
        """Whether the chat blocked the bot and has not written to it since."""
        ...

    async def complaint_open(self, order_id: str, intents: Collection[str]) -> bool:
        """Whether a conversation about the order is open with a complaint intent."""
        ...

    async def buyer_profile(self, chat_id: int) -> tuple[str, str]:
        """(Telegram's language hint, display name) of a chat ('' when unknown)."""
        ...
