"""The outbox on SQLAlchemy Core: every message Parley sends, written in the transaction
that causes it, then delivered (at-least-once)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Button, OutMessage
from bot.domain.ports import OutboxRow
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import outbox

_PENDING = outbox.c.status == "pending"


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(outbox.c.not_before.is_(None), outbox.c.not_before <= now)


class OutboxRepo(Repo):
    """Messages that must reach Telegram, written with the state change that caused them.

    Rows of one chat go out in id order; different chats are independent. Once delivered
    (or given up on) a row keeps only what later edits need (chat, ref, Telegram's message
    id) and is deleted by :meth:`prune` after the retention period. The rows this
    transaction added are in :attr:`queued` (handed to the relay once it commits).
    """

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.queued: list[OutboxRow] = []

    async def add(self, message: OutMessage, now: datetime) -> int:
        """Queue a message. An edit of a message (or of an edit) still unsent rewrites it."""
        buttons = json.dumps(
            [[[b.text, b.data] for b in row] for row in message.buttons], ensure_ascii=False
        )
        values: dict[str, Any] = {
            "chat_id": message.chat_id,
            "ref": message.ref,
            "edit": message.edit,
            "text": message.text,
            "buttons": buttons,
            "status": "pending",
            "created_at": now,
            "photo": message.photo,
            "copy_from": _copy_from(message),
            "action": message.action,
        }
        if not (message.edit and message.ref):
            row_id = await self._insert(sa.insert(outbox).values(**values))
            self.queued.append(OutboxRow(row_id, message))
            return row_id
        mine = (outbox.c.chat_id == message.chat_id, outbox.c.ref == message.ref, _PENDING)
        # One statement when nothing of this ref waits (the usual case): insert unless a
        # pending row would be rewritten instead.
        inserted = await self._one(
            sa.insert(outbox)
            .from_select(
                list(values),
                sa.select(
                    *(sa.bindparam(f"v_{k}", v, type_=outbox.c[k].type) for k, v in values.items())
                ).where(~sa.exists().where(*mine)),
            )
            .returning(outbox.c.id)
        )
        if inserted is not None:
            self.queued.append(OutboxRow(int(inserted.id), message))
            return int(inserted.id)
        unsent = (
            sa.select(outbox.c.id)
            .where(*mine)
            .order_by(outbox.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        await self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == unsent)
            .values(text=message.text, buttons=buttons)
        )
        return 0

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows whose retry time has come, oldest first."""
        stmt = sa.select(outbox).where(_PENDING, _due(now)).order_by(outbox.c.id).limit(limit)
        return [_outbox(r) for r in await self._all(self._claim(stmt))]

    async def due_chats(self, now: datetime) -> tuple[list[tuple[int, int]], datetime | None]:
        """Chats with a due pending row as (chat id, oldest due row id), and the earliest
        future retry time — one pass over the pending rows."""
        rows = await self._all(
            sa.select(
                outbox.c.chat_id,
                sa.func.min(sa.case((_due(now), outbox.c.id))).label("head"),
                sa.func.min(sa.case((outbox.c.not_before > now, outbox.c.not_before))).label(
                    "retry"
                ),
            )
            .where(_PENDING)
            .group_by(outbox.c.chat_id)
        )
        heads = [(int(r.chat_id), int(r.head)) for r in rows if r.head is not None]
        retries: list[datetime] = [r.retry for r in rows if r.retry is not None]
        return heads, min(retries) if retries else None

    async def queue(self, chat_id: int, limit: int = 20) -> list[OutboxRow]:
        """Pending rows of one chat, in queue order; an edit carries its target's message id."""
        sent = outbox.alias("s")
        target = (
            sa.select(sent.c.tg_message_id)
            .where(
                sent.c.chat_id == outbox.c.chat_id,
                sent.c.ref == outbox.c.ref,
                sent.c.status == "sent",
                sent.c.tg_message_id.is_not(None),
            )
            .order_by(sent.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        rows = await self._all(
            sa.select(outbox, sa.case((outbox.c.edit == sa.true(), target)).label("target"))
            .where(_PENDING, outbox.c.chat_id == chat_id)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [_outbox(r, r.target) for r in rows]

    async def sent_message_id(self, chat_id: int, ref: str) -> int | None:
        """Telegram's message id of the message sent under ``ref`` to ``chat_id``."""
        row = await self._one(
            sa.select(outbox.c.tg_message_id)
            .where(
                outbox.c.chat_id == chat_id,
                outbox.c.ref == ref,
                outbox.c.status == "sent",
                outbox.c.tg_message_id.is_not(None),
            )
            .order_by(outbox.c.id.desc())
            .limit(1)
        )
        return int(row.tg_message_id) if row and row.tg_message_id is not None else None

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: datetime, note: str | None = None
    ) -> None:
        """Delivered; the body is dropped."""
        await self.mark_sent_many([(row_id, message_id, note)], now)

    async def mark_sent_many(
        self, delivered: list[tuple[int, int | None, str | None]], now: datetime
    ) -> None:
        """Several rows delivered, as (row id, Telegram's message id, note): one statement."""
        if not delivered:
            return
        await self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == sa.bindparam("row_id"))
            .values(
                status="sent",
                tg_message_id=sa.bindparam("message_id"),
                sent_at=now,
                error=sa.bindparam("note"),
                attempts=outbox.c.attempts + 1,
                text="",
                buttons="[]",
                photo=None,
            ),
            [{"row_id": r, "message_id": m, "note": n} for r, m, n in delivered],
        )

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        """Not delivered yet; try again at ``at``."""
        await self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id)
            .values(not_before=at, error=error, attempts=outbox.c.attempts + 1)
        )

    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None:
        """Given up on (the chat blocked us, the message is invalid…); the body is dropped."""
        await self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id)
            .values(
                status="failed",
                error=error,
                sent_at=now,
                attempts=outbox.c.attempts + 1,
                text="",
                buttons="[]",
                photo=None,
            )
        )

    async def prune(self, before: datetime) -> int:
        """Delete sent and failed rows finished before ``before``."""
        return await self._count(
            sa.delete(outbox).where(
                outbox.c.status.in_(("sent", "failed")), outbox.c.sent_at < before
            )
        )


def _outbox(row: Row[Any], target: int | None = None) -> OutboxRow:
    buttons = tuple(
        tuple(Button(text, data) for text, data in line) for line in json.loads(row.buttons)
    )
    return OutboxRow(
        id=row.id,
        attempts=row.attempts,
        not_before=row.not_before,
        target=target,
        message=OutMessage(
            chat_id=row.chat_id,
            text=row.text,
            buttons=buttons,
            ref=row.ref,
            edit=bool(row.edit),
            photo=row.photo,
            copy_of=_copy_of(row.copy_from),
            action=row.action,
        ),
    )


def _copy_from(message: OutMessage) -> str | None:
    return f"{message.copy_of[0]}:{message.copy_of[1]}" if message.copy_of else None


def _copy_of(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    chat, _, message = value.partition(":")
    return int(chat), int(message)
