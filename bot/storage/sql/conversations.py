"""Conversations and their messages (implements ``ConversationRepository``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Conversation, ConversationStatus, Direction
from bot.domain.ports import StoredMessage
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import conversations, messages
from bot.storage.sql.types import Stamp

_C, _M = conversations.c, messages.c
_NOT_CLOSED = _C.status.not_in(("resolved", "dismissed"))


class ConversationRepo(Repo):
    """Conversations and their messages.

    A conversation started in this transaction is known in full without reading it back:
    its unanswered buyer messages are the ones added since (``fresh``), and it has no draft
    (``new_ids``, shared with the draft repository, which drops an id when it drafts)."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.fresh: dict[int, list[StoredMessage]] = {}
        self.new_ids: set[int] = set()

    async def any_open(self, chat_id: int) -> bool:
        """Whether the chat has a conversation not closed yet."""
        row = await self._one(sa.select(_C.id).where(_C.chat_id == chat_id, _NOT_CLOSED).limit(1))
        return row is not None

    async def open_for(self, chat_id: int, order_id: str | None) -> Conversation | None:
        """The chat's not-yet-closed conversation about this order, if any."""
        about = _C.order_id.is_(None) if order_id is None else _C.order_id == order_id
        row = await self._one(
            sa.select(conversations)
            .where(_C.chat_id == chat_id, about, _NOT_CLOSED)
            .order_by(_C.id.desc())
            .limit(1)
        )
        return _conversation(row) if row else None

    async def create(
        self, chat_id: int, order_id: str | None, language: str, now: datetime
    ) -> Conversation:
        """Start a conversation."""
        cid = await self._insert(
            sa.insert(conversations).values(
                chat_id=chat_id,
                order_id=order_id,
                status=ConversationStatus.OPEN.value,
                language=language,
                opened_at=now,
                updated_at=now,
            )
        )
        self.fresh[cid] = []
        self.new_ids.add(cid)
        return Conversation(cid, chat_id, order_id, ConversationStatus.OPEN, language, now)

    async def get(self, conversation_id: int) -> Conversation | None:
        """A conversation by id."""
        row = await self._one(sa.select(conversations).where(_C.id == conversation_id))
        return _conversation(row) if row else None

    async def update(
        self,
        conversation_id: int,
        now: datetime,
        *,
        status: ConversationStatus | None = None,
        intent: str | None = None,
        language: str | None = None,
        waiting: bool = False,
    ) -> None:
        """Change status / intent / language; closing stamps ``closed_at``; ``waiting``
        starts the first-response clock like :meth:`wait_for_seller`."""
        values: dict[str, Any] = {"updated_at": now}
        if status is not None:
            values["status"] = status.value
            if status.closed:
                values["closed_at"] = now
        if intent is not None:
            values["intent"] = intent
        if language is not None:
            values["language"] = language
        if waiting:
            values["waiting_since"] = _keep_earliest(now)
        await self.conn.execute(
            sa.update(conversations).where(_C.id == conversation_id).values(values)
        )

    async def add_message(self, message: StoredMessage, now: datetime) -> int:
        """Store a message in either direction."""
        known = self.fresh.get(message.conversation_id or 0)
        if known is not None and Direction(message.direction) == Direction.IN:
            known.append(replace(message, direction=Direction.IN))
        return await self._insert(
            sa.insert(messages).values(
                conversation_id=message.conversation_id,
                chat_id=message.chat_id,
                direction=message.direction,
                kind=message.kind,
                text=message.text,
                intent=message.intent,
                confidence=message.confidence,
                created_at=now,
            )
        )

    async def message(self, message_id: int) -> StoredMessage | None:
        """One stored message."""
        row = await self._one(sa.select(messages).where(_M.id == message_id))
        return _message(row) if row else None

    async def set_intent(self, message_id: int, intent: str, confidence: float) -> None:
        """Correct a message's intent (the buyer said what it is about)."""
        self.fresh.clear()
        await self.conn.execute(
            sa.update(messages)
            .where(_M.id == message_id)
            .values(intent=intent, confidence=confidence)
        )

    async def relabel_unanswered(self, conversation_id: int, intent: str) -> None:
        """The seller said what the unanswered messages are about: every classified one
        takes ``intent`` with full confidence."""
        self.fresh.pop(conversation_id, None)
        await self.conn.execute(
            sa.update(messages)
            .where(
                _M.conversation_id == conversation_id,
                _M.direction == "in",
                _M.answered == sa.false(),
                _M.intent.is_not(None),
            )
            .values(intent=intent, confidence=1.0)
        )

    async def unanswered(self, conversation_id: int) -> list[StoredMessage]:
        """Buyer messages since the last reply the seller sent, oldest first."""
        if conversation_id in self.fresh:
            return list(self.fresh[conversation_id])
        rows = await self._all(
            sa.select(messages)
            .where(
                _M.conversation_id == conversation_id,
                _M.direction == "in",
                _M.answered == sa.false(),
            )
            .order_by(_M.id)
        )
        return [_message(r) for r in rows]

    async def mark_answered(self, conversation_id: int) -> None:
        """All buyer messages so far have been answered."""
        self.fresh.pop(conversation_id, None)
        await self.conn.execute(
            sa.update(messages)
            .where(_M.conversation_id == conversation_id, _M.direction == "in")
            .values(answered=True)
        )

    async def wait_for_seller(self, conversation_id: int, now: datetime) -> None:
        """The buyer is waiting for an answer (the clock keeps the earliest unanswered time)."""
        await self.conn.execute(
            sa.update(conversations)
            .where(_C.id == conversation_id)
            .values(waiting_since=_keep_earliest(now))
        )

    async def answered(self, conversation_id: int) -> None:
        """The seller answered: stop the first-response clock."""
        await self.conn.execute(
            sa.update(conversations)
            .where(_C.id == conversation_id)
            .values(waiting_since=None, reminded_at=None, escalated_at=None)
        )

    async def waiting_too_long(self, since: datetime) -> list[Conversation]:
        """Conversations waiting for the seller since ``since`` or earlier, not yet reminded
        (on PostgreSQL locked for this transaction, skipping those another one holds)."""
        stmt = (
            sa.select(conversations)
            .where(_C.status == "open", _C.waiting_since <= since, _C.reminded_at.is_(None))
            .order_by(_C.waiting_since)
        )
        return [_conversation(r) for r in await self._all(self._claim(stmt))]

    async def mark_reminded(self, conversation_id: int, now: datetime) -> None:
        """A first-response reminder went out for the current wait."""
        await self.conn.execute(
            sa.update(conversations).where(_C.id == conversation_id).values(reminded_at=now)
        )

    async def waiting_unescalated(self, since: datetime) -> list[Conversation]:
        """Assigned conversations waiting since ``since`` or earlier whose assignee was
        reminded and that were not yet escalated to the whole team (claimed as above)."""
        stmt = (
            sa.select(conversations)
            .where(
                _C.status == "open",
                _C.waiting_since <= since,
                _C.reminded_at.is_not(None),
                _C.escalated_at.is_(None),
                _C.assignee_id.is_not(None),
            )
            .order_by(_C.waiting_since)
        )
        return [_conversation(r) for r in await self._all(self._claim(stmt))]

    async def mark_escalated(self, conversation_id: int, now: datetime) -> None:
        """The whole team was reminded of the current wait."""
        await self.conn.execute(
            sa.update(conversations).where(_C.id == conversation_id).values(escalated_at=now)
        )

    async def assign(self, conversation_id: int, user_id: int | None, name: str | None) -> None:
        """Assign the conversation to the user ``user_id`` (None: to nobody)."""
        await self.conn.execute(
            sa.update(conversations)
            .where(_C.id == conversation_id)
            .values(assignee_id=user_id, assignee_name=name if user_id is not None else None)
        )

    async def take_over(self, conversation_id: int, seller_chat: int | None) -> None:
        """A seller talks to the buyer directly (None: hands back to Parley)."""
        await self.conn.execute(
            sa.update(conversations)
            .where(_C.id == conversation_id)
            .values(taken_over_by=seller_chat)
        )

    async def taken_over_by(self, seller_chat: int) -> Conversation | None:
        """The conversation a seller chat is talking in directly, if any."""
        row = await self._one(
            sa.select(conversations)
            .where(_C.taken_over_by == seller_chat, _NOT_CLOSED)
            .order_by(_C.id.desc())
            .limit(1)
        )
        return _conversation(row) if row else None

    async def open_list(self, limit: int = 30, assignee: int | None = None) -> list[Conversation]:
        """Conversations not closed yet, longest-waiting first (only those assigned to the
        user ``assignee`` when given)."""
        mine = _C.assignee_id == assignee if assignee is not None else sa.true()
        rows = await self._all(
            sa.select(conversations)
            .where(_NOT_CLOSED, mine)
            .order_by(sa.func.coalesce(_C.waiting_since, _C.updated_at), _C.id)
            .limit(limit)
        )
        return [_conversation(r) for r in rows]

    async def for_order(self, order_id: str) -> list[Conversation]:
        """Every conversation about an order, oldest first."""
        rows = await self._all(
            sa.select(conversations).where(_C.order_id == order_id).order_by(_C.id)
        )
        return [_conversation(r) for r in rows]

    async def history(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of the conversation, oldest first."""
        rows = await self._all(
            sa.select(messages).where(_M.conversation_id == conversation_id).order_by(_M.id)
        )
        return [_message(r) for r in rows]


def _keep_earliest(now: datetime) -> sa.ColumnElement[datetime]:
    """``COALESCE(waiting_since, now)``: a clock already running keeps its start."""
    return sa.func.coalesce(_C.waiting_since, sa.literal(now, Stamp()))


def _conversation(row: Row[Any]) -> Conversation:
    return Conversation(
        id=row.id,
        chat_id=row.chat_id,
        order_id=row.order_id,
        status=ConversationStatus(row.status),
        language=row.language,
        opened_at=row.opened_at,
        intent=row.intent,
        taken_over_by=row.taken_over_by,
        waiting_since=row.waiting_since,
        assignee_id=row.assignee_id,
        assignee_name=row.assignee_name,
    )


def _message(row: Row[Any]) -> StoredMessage:
    return StoredMessage(
        conversation_id=row.conversation_id,
        chat_id=row.chat_id,
        direction=Direction(row.direction),
        kind=row.kind,
        text=row.text,
        intent=row.intent,
        confidence=row.confidence,
    )
