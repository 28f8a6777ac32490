"""Order events, follow-up rows and unreachable buyers (implements ``FollowupRepository``).

Times are :class:`~bot.storage.sql.types.Stamp` (fixed-width UTC text on SQLite, TIMESTAMPTZ on
PostgreSQL), so ``due_at <= now`` on the ``followups_due`` index ``(status, due_at)`` is a range
scan on either engine. A row leaves ``pending`` only through the guarded updates below
(``WHERE status = …``), so a stale decision can never resurrect or resend a finished row.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.orderevents import EventType, OrderEvent
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import (
    chats,
    conversations,
    followups,
    order_events,
    order_links,
    unreachable_chats,
)

_F, _E = followups.c, order_events.c
_LIVE = ("pending", "sending")


def due_query(now: datetime, limit: int) -> sa.Select[Any]:
    """The due-work lookup: pending rows due by ``now``, earliest first, with the linked chat
    (a range scan of ``followups_due`` and one primary-key lookup per row)."""
    return (
        sa.select(
            _F.id,
            _F.order_id,
            _F.rule,
            _F.status,
            _F.due_at,
            _F.reason,
            _F.attempts,
            _F.updated_at,
            sa.func.coalesce(_F.chat_id, order_links.c.chat_id).label("chat_id"),
        )
        .select_from(followups.outerjoin(order_links, order_links.c.order_id == _F.order_id))
        .where(_F.status == "pending", _F.due_at <= now)
        .order_by(_F.due_at)
        .limit(limit)
    )


def _row(row: Row[Any]) -> FollowupRow:
    return FollowupRow(
        id=row.id,
        order_id=row.order_id,
        rule=row.rule,
        status=RowStatus(row.status),
        due_at=row.due_at,
        reason=row.reason,
        attempts=row.attempts,
        chat_id=row.chat_id,
        updated_at=row.updated_at,
    )


class FollowupRepo(Repo):
    """Repository over one open transaction."""

    # --- order events ------------------------------------------------------------------------
    async def add_event(self, event: OrderEvent, now: datetime) -> bool:
        """Store an event; False if an event with this id is already stored."""
        return (
            await self._count(
                self._upsert(order_events)
                .values(
                    event_id=event.event_id,
                    order_id=event.order_id,
                    type=event.type.value,
                    at=event.at,
                    data=json.dumps(dict(event.data), ensure_ascii=False, sort_keys=True),
                    source=event.source,
                    received_at=now,
                )
                .on_conflict_do_nothing(index_elements=[_E.event_id])
            )
            == 1
        )

    async def event(self, event_id: str) -> OrderEvent | None:
        """A stored event by id."""
        row = await self._one(sa.select(order_events).where(_E.event_id == event_id))
        return _event(row) if row else None

    async def events(self, order_id: str) -> list[OrderEvent]:
        """An order's events, oldest first."""
        rows = await self._all(
            sa.select(order_events).where(_E.order_id == order_id).order_by(_E.at, _E.id)
        )
        return [_event(r) for r in rows]

    # --- follow-up rows ----------------------------------------------------------------------
    async def plan(
        self,
        order_id: str,
        rule: str,
        status: RowStatus,
        due_at: datetime | None,
        reason: str,
        now: datetime,
    ) -> None:
        """Create the (order, rule) row, or re-plan it if it is still pending.

        Only ``pending`` or ``skipped`` may be written here; a row that is sending or
        finished is left exactly as it is.
        """
        assert status in (RowStatus.PENDING, RowStatus.SKIPPED)
        stmt = self._upsert(followups).values(
            order_id=order_id,
            rule=rule,
            status=status.value,
            due_at=due_at if status is RowStatus.PENDING else None,
            reason=reason,
            planned_at=now,
            updated_at=now,
            done_at=now if status is RowStatus.SKIPPED else None,
        )
        new = stmt.excluded
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_F.order_id, _F.rule],
                set_={
                    "status": new.status,
                    "due_at": new.due_at,
                    "reason": new.reason,
                    "updated_at": new.updated_at,
                    "done_at": new.done_at,
                },
                where=sa.and_(
                    _F.status == "pending",
                    sa.or_(
                        _F.status.is_distinct_from(new.status),
                        _F.due_at.is_distinct_from(new.due_at),
                        _F.reason.is_distinct_from(new.reason),
                    ),
                ),
            )
        )

    async def for_order(self, order_id: str) -> list[FollowupRow]:
        """Every follow-up row of an order."""
        rows = await self._all(sa.select(followups).where(_F.order_id == order_id).order_by(_F.id))
        return [_row(r) for r in rows]

    async def get(self, row_id: int) -> FollowupRow | None:
        """One row by id."""
        row = await self._one(sa.select(followups).where(_F.id == row_id))
        return _row(row) if row else None

    async def due(self, now: datetime, limit: int = 200) -> list[FollowupRow]:
        """Pending rows due by ``now``, earliest first (an index range scan), with the chat
        the order is linked to (if any) as ``chat_id``; on PostgreSQL rows another transaction
        holds are skipped."""
        rows = await self._all(self._claim(due_query(now, limit), followups))
        return [_row(r) for r in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due."""
        row = await self._one(
            sa.select(_F.due_at).where(_F.status == "pending").order_by(_F.due_at).limit(1)
        )
        return row.due_at if row else None

    async def reschedule(
        self, row_id: int, due_at: datetime, reason: str, now: datetime, *, retry: bool = False
    ) -> None:
        """Keep a pending (or interrupted-by-429 sending) row for later."""
        await self.conn.execute(
            sa.update(followups)
            .where(_F.id == row_id, _F.status.in_(_LIVE))
            .values(
                status="pending",
                due_at=due_at,
                reason=reason,
                updated_at=now,
                attempts=_F.attempts + int(retry),
            )
        )

    async def mark_sending(self, row_id: int, chat_id: int, now: datetime) -> bool:
        """Claim a pending row right before the Bot API call; False if it is not pending."""
        return (
            await self._count(
                sa.update(followups)
                .where(_F.id == row_id, _F.status == "pending")
                .values(status="sending", chat_id=chat_id, updated_at=now, attempts=_F.attempts + 1)
            )
            == 1
        )

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
        assert status in (RowStatus.SENT, RowStatus.SKIPPED, RowStatus.FAILED)
        values: dict[str, Any] = {
            "status": status.value,
            "reason": reason,
            "due_at": None,
            "updated_at": now,
            "done_at": now,
        }
        if message_id is not None:
            values["tg_message_id"] = message_id
        if chat_id is not None:
            values["chat_id"] = chat_id
        return (
            await self._count(
                sa.update(followups).where(_F.id == row_id, _F.status.in_(_LIVE)).values(values)
            )
            == 1
        )

    async def interrupted(self, reason: str, now: datetime) -> list[FollowupRow]:
        """Rows left ``sending`` by a crash become ``failed`` with ``reason``; returns them
        (as they were)."""
        stmt = sa.select(followups).where(_F.status == "sending").order_by(_F.id)
        rows = [_row(r) for r in await self._all(self._claim(stmt))]
        if rows:
            await self.conn.execute(
                sa.update(followups)
                .where(_F.id.in_([r.id for r in rows]), _F.status == "sending")
                .values(status="failed", reason=reason, due_at=None, updated_at=now, done_at=now)
            )
        return rows

    async def skip_pending_for_chat(self, chat_id: int, reason: str, now: datetime) -> int:
        """Skip every pending follow-up of the orders linked to a chat."""
        linked = sa.select(order_links.c.order_id).where(order_links.c.chat_id == chat_id)
        return await self._count(
            sa.update(followups)
            .where(_F.status == "pending", _F.order_id.in_(linked))
            .values(status="skipped", reason=reason, due_at=None, updated_at=now, done_at=now)
        )

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        rows = await self._all(sa.select(_F.status, sa.func.count().label("n")).group_by(_F.status))
        return {str(r.status): int(r.n) for r in rows}

    # --- facts about buyers ------------------------------------------------------------------
    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        """The chat blocked the bot (HTTP 403)."""
        stmt = self._upsert(unreachable_chats).values(chat_id=chat_id, since=now, reason=reason)
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[unreachable_chats.c.chat_id],
                set_={"since": stmt.excluded.since, "reason": stmt.excluded.reason},
            )
        )

    async def unreachable(self, chat_id: int) -> bool:
        """Whether the chat blocked the bot and has not written to it since."""
        row = await self._one(
            sa.select(unreachable_chats.c.since, chats.c.updated_at)
            .select_from(
                unreachable_chats.outerjoin(chats, chats.c.chat_id == unreachable_chats.c.chat_id)
            )
            .where(unreachable_chats.c.chat_id == chat_id)
        )
        if row is None:
            return False
        return row.updated_at is None or row.updated_at <= row.since

    async def complaint_open(self, order_id: str, intents: Collection[str]) -> bool:
        """Whether a conversation about the order is open with a complaint intent."""
        if not intents:
            return False
        c = conversations.c
        row = await self._one(
            sa.select(sa.literal(1))
            .where(
                c.order_id == order_id,
                c.status.not_in(("resolved", "dismissed")),
                c.intent.in_(sorted(intents)),
            )
            .limit(1)
        )
        return row is not None

    async def buyer_profile(self, chat_id: int) -> tuple[str, str]:
        """(Telegram's language hint, display name) of a chat ('' when unknown)."""
        row = await self._one(
            sa.select(chats.c.language_code, chats.c.name).where(chats.c.chat_id == chat_id)
        )
        if row is None:
            return "", ""
        return str(row.language_code or ""), str(row.name or "")


def _event(row: Row[Any]) -> OrderEvent:
    return OrderEvent(
        event_id=row.event_id,
        order_id=row.order_id,
        type=EventType(row.type),
        at=row.at,
        data=json.loads(row.data),
        source=row.source,
    )
