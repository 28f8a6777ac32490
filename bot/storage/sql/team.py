"""The team group's forum topics (implements ``TopicRepository``; the rules are
:mod:`bot.domain.team`'s).

A topic's internal chat id is computed from its serial row id (``-2**52 - id``), so it is
stored nowhere and never given to another topic (SQLite ``AUTOINCREMENT``, a PostgreSQL
identity). Creating one is ``INSERT … ON CONFLICT DO NOTHING`` on ``(group_id,
buyer_chat_id)`` followed by a read, so two workers carding the same buyer at once share it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.team import Topic, topic_serial
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import seller_topics

_T = seller_topics.c


def _topic(row: Row[Any]) -> Topic:
    return Topic(
        serial=int(row.id),
        group_id=int(row.group_id),
        buyer_chat_id=int(row.buyer_chat_id),
        thread_id=None if row.thread_id is None else int(row.thread_id),
        closed=bool(row.closed),
        name=row.name,
    )


class TopicRepo(Repo):
    """Repository over one open transaction."""

    async def for_buyer(self, group_id: int, buyer_chat_id: int, now: datetime) -> Topic:
        """The buyer chat's topic, created on first sight."""
        found = await self.find(group_id, buyer_chat_id)
        if found is not None:
            return found
        stmt = self._upsert(seller_topics).values(
            group_id=group_id, buyer_chat_id=buyer_chat_id, created_at=now, updated_at=now
        )
        await self.conn.execute(stmt.on_conflict_do_nothing())
        created = await self.find(group_id, buyer_chat_id)
        assert created is not None
        return created

    async def find(self, group_id: int, buyer_chat_id: int) -> Topic | None:
        """The buyer chat's topic, if it exists."""
        where = (_T.group_id == group_id, _T.buyer_chat_id == buyer_chat_id)
        row = await self._one(sa.select(seller_topics).where(*where))
        return None if row is None else _topic(row)

    async def get(self, chat_id: int) -> Topic | None:
        """A topic by internal chat id."""
        serial = topic_serial(chat_id)
        if serial is None:
            return None
        row = await self._one(sa.select(seller_topics).where(_T.id == serial))
        return None if row is None else _topic(row)

    async def by_thread(self, group_id: int, thread_id: int) -> Topic | None:
        """The topic with this ``message_thread_id`` in the group."""
        row = await self._one(
            sa.select(seller_topics)
            .where(_T.group_id == group_id, _T.thread_id == thread_id)
            .order_by(_T.id.desc())
            .limit(1)
        )
        return None if row is None else _topic(row)

    async def set_thread(self, chat_id: int, thread_id: int | None, now: datetime) -> None:
        """Record (or forget) the topic's ``message_thread_id``."""
        serial = topic_serial(chat_id)
        if serial is None:
            return
        await self.conn.execute(
            sa.update(seller_topics)
            .where(_T.id == serial)
            .values(thread_id=thread_id, updated_at=now)
        )

    async def set_name(self, chat_id: int, name: str | None, now: datetime) -> None:
        """Record what Telegram calls the topic."""
        serial = topic_serial(chat_id)
        if serial is None:
            return
        await self.conn.execute(
            sa.update(seller_topics).where(_T.id == serial).values(name=name, updated_at=now)
        )

    async def set_closed(self, chat_id: int, closed: bool, now: datetime) -> bool:
        """Close or reopen; whether the row changed."""
        serial = topic_serial(chat_id)
        if serial is None:
            return False
        flag = sa.true() if closed else sa.false()
        return bool(
            await self._count(
                sa.update(seller_topics)
                .where(_T.id == serial, _T.closed != flag)
                .values(closed=closed, updated_at=now)
            )
        )
