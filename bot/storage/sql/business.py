"""Telegram Business connections and chats (implements ``BusinessRepository``; the rules are
:mod:`bot.domain.business`'s).

A business chat's internal id is computed from its serial row id (``-2**53 - id``), so it is
stored nowhere and a chat never gets another's id (SQLite ``AUTOINCREMENT``, a PostgreSQL
identity). Creating a chat is ``INSERT … ON CONFLICT DO NOTHING`` on ``(connection_id,
chat_id)`` followed by a read, so two workers seeing the buyer's first message at once get the
same internal id.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.business import BusinessChat, Connection, internal_chat_id, serial_of
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import business_chats, business_connections

_BC, _CH = business_connections.c, business_chats.c


def _connection(row: Row[Any]) -> Connection:
    rights = json.loads(row.rights or "{}")
    return Connection(
        id=row.id,
        user_id=int(row.user_id),
        user_chat_id=int(row.user_chat_id),
        is_enabled=bool(row.is_enabled),
        can_reply=bool(row.can_reply),
        rights={str(k): bool(v) for k, v in rights.items()},
    )


def _chat(row: Row[Any]) -> BusinessChat:
    return BusinessChat(
        chat_id=internal_chat_id(int(row.id)),
        connection_id=row.connection_id,
        telegram_chat_id=int(row.chat_id),
        last_incoming_at=row.last_incoming_at,
    )


class BusinessRepo(Repo):
    """Repository over one open transaction."""

    async def save_connection(self, connection: Connection, now: datetime) -> Connection | None:
        """Insert or replace the connection; the state stored before, if any."""
        before = await self.connection(connection.id)
        values = {
            "user_id": connection.user_id,
            "user_chat_id": connection.user_chat_id,
            "is_enabled": connection.is_enabled,
            "can_reply": connection.can_reply,
            "rights": json.dumps(connection.rights, sort_keys=True),
            "updated_at": now,
        }
        stmt = self._upsert(business_connections).values(id=connection.id, **values)
        await self.conn.execute(stmt.on_conflict_do_update(index_elements=[_BC.id], set_=values))
        return before

    async def connection(self, connection_id: str) -> Connection | None:
        """A connection by id."""
        row = await self._one(sa.select(business_connections).where(_BC.id == connection_id))
        return None if row is None else _connection(row)

    async def chat_for(
        self, connection_id: str, telegram_chat_id: int, now: datetime
    ) -> BusinessChat:
        """The business chat of the pair, created with a new internal id on first sight."""
        found = await self.find_chat(connection_id, telegram_chat_id)
        if found is not None:
            return found
        stmt = self._upsert(business_chats).values(
            connection_id=connection_id, chat_id=telegram_chat_id, created_at=now
        )
        await self.conn.execute(stmt.on_conflict_do_nothing())
        created = await self.find_chat(connection_id, telegram_chat_id)
        assert created is not None
        return created

    async def find_chat(self, connection_id: str, telegram_chat_id: int) -> BusinessChat | None:
        """The business chat of the pair, if it exists."""
        where = (_CH.connection_id == connection_id, _CH.chat_id == telegram_chat_id)
        row = await self._one(sa.select(business_chats).where(*where))
        return None if row is None else _chat(row)

    async def chat(self, chat_id: int) -> BusinessChat | None:
        """A business chat by internal id."""
        serial = serial_of(chat_id)
        if serial is None:
            return None
        row = await self._one(sa.select(business_chats).where(_CH.id == serial))
        return None if row is None else _chat(row)

    async def chats_of(self, connection_id: str) -> list[int]:
        """Internal ids of the connection's chats, oldest first."""
        rows = await self._all(
            sa.select(_CH.id).where(_CH.connection_id == connection_id).order_by(_CH.id)
        )
        return [internal_chat_id(int(r.id)) for r in rows]

    async def incoming(self, chat_id: int, at: datetime) -> None:
        """Move the chat's last incoming time forward to ``at``."""
        serial = serial_of(chat_id)
        if serial is None:
            return
        later = sa.or_(_CH.last_incoming_at.is_(None), _CH.last_incoming_at < at)
        await self.conn.execute(
            sa.update(business_chats).where(_CH.id == serial, later).values(last_incoming_at=at)
        )
