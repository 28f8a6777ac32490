"""The inbox (updates in) and the outbox (messages out)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Button, OutMessage
from bot.domain.ports import OutboxRow
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import inbox, outbox


class InboxRepo(Repo):
    """Incoming updates, stored before they are handled.

    A delivery is identified by ``update_id`` and a digest of its content: Telegram's repeated
    delivery of an update is stored once, while an unrelated update that reuses an old id is
    still handled.
    """

    async def add(
        self,
        update_id: int,
        payload: str,
        now: datetime,
        worker: str | None = None,
        lease_until: datetime | None = None,
    ) -> int:
        """Store an update; its new inbox id, or 0 if this very update was already there.
        Given ``worker``, the new row is leased to it until ``lease_until``."""
        digest = hashlib.sha256(payload.encode()).hexdigest()
        row = await self._one(
            self._upsert(inbox)
            .values(
                update_id=update_id,
                digest=digest,
                payload=payload,
                status="pending",
                received_at=now,
                chat_id=chat_of(payload),
                claimed_by=worker,
                lease_until=lease_until if worker else None,
            )
            .on_conflict_do_nothing(index_elements=[inbox.c.update_id, inbox.c.digest])
            .returning(inbox.c.id)
        )
        return int(row.id) if row is not None else 0

    async def pending(self, limit: int = 100) -> list[tuple[int, str]]:
        """Updates not yet handled, in arrival order, as (inbox id, payload); on PostgreSQL
        rows another transaction holds are skipped."""
        stmt = (
            sa.select(inbox.c.id, inbox.c.payload)
            .where(inbox.c.status == "pending")
            .order_by(inbox.c.id)
            .limit(limit)
        )
        return [(int(r.id), str(r.payload)) for r in await self._all(self._claim(stmt))]

    async def claim(
        self, worker: str, now: datetime, until: datetime, limit: int = 100
    ) -> list[tuple[int, str]]:
        """Lease pending updates to ``worker`` until ``until`` and return them in arrival order:
        those no live lease of another worker holds, and of each chat only the oldest pending
        one (none of a chat whose oldest is leased elsewhere). On PostgreSQL rows another
        transaction holds are skipped (``FOR UPDATE SKIP LOCKED``)."""
        ids = self._claim(
            sa.select(inbox.c.id)
            .where(inbox.c.status == "pending", _free(worker, now), _oldest_of_chat())
            .order_by(inbox.c.id)
            .limit(limit),
            inbox,
        )
        rows = await self._all(
            sa.update(inbox)
            .where(inbox.c.id.in_(ids.scalar_subquery()))
            .values(claimed_by=worker, lease_until=until)
            .returning(inbox.c.id, inbox.c.payload)
        )
        return sorted((int(r.id), str(r.payload)) for r in rows)

    async def take(self, inbox_id: int, now: datetime, worker: str | None = None) -> bool:
        """Mark an update handled as its handling begins (the handler's changes commit with
        it). False, and nothing written, when it is not this worker's to handle now: no longer
        pending, leased to another worker whose lease has not expired, held by another
        transaction, or an older update of its chat is still pending."""
        mine = self._claim(
            sa.select(inbox.c.id).where(
                inbox.c.id == inbox_id,
                inbox.c.status == "pending",
                _free(worker, now),
                _oldest_of_chat(),
            ),
            inbox,
        )
        taken = await self._count(
            sa.update(inbox)
            .where(inbox.c.id.in_(mine.scalar_subquery()))
            .values(status="done", handled_at=now, error=None, lease_until=None)
        )
        return taken == 1

    async def finish(
        self, inbox_id: int, now: datetime, error: str | None = None, worker: str | None = None
    ) -> bool:
        """Mark an update handled (or failed, with the error) unless it is no longer pending
        or another worker's live lease holds it; whether it was marked."""
        return (
            await self._count(
                sa.update(inbox)
                .where(inbox.c.id == inbox_id, inbox.c.status == "pending", _free(worker, now))
                .values(status="failed" if error else "done", handled_at=now, error=error)
            )
            == 1
        )

    async def renew(self, worker: str, ids: list[int], until: datetime) -> list[int]:
        """Extend ``worker``'s leases on the pending updates ``ids`` to ``until`` (they wait
        in its queue); returns the ids renewed — not those handled meanwhile nor those
        another worker has claimed since."""
        if not ids:
            return []
        rows = await self._all(
            sa.update(inbox)
            .where(inbox.c.id.in_(ids), inbox.c.claimed_by == worker, inbox.c.status == "pending")
            .values(lease_until=until)
            .returning(inbox.c.id)
        )
        return sorted(int(r.id) for r in rows)

    async def release(self, worker: str) -> int:
        """Give up ``worker``'s leases on updates it has not handled (it is stopping)."""
        return await self._count(
            sa.update(inbox)
            .where(inbox.c.claimed_by == worker, inbox.c.status == "pending")
            .values(claimed_by=None, lease_until=None)
        )


def _free(worker: str | None, now: datetime) -> sa.ColumnElement[bool]:
    """Not leased to another worker, or that worker's lease has expired."""
    mine: sa.ColumnElement[bool] = inbox.c.claimed_by.is_(None)
    if worker is not None:
        mine = sa.or_(mine, inbox.c.claimed_by == worker)
    return sa.or_(mine, inbox.c.lease_until.is_(None), inbox.c.lease_until < now)


def _oldest_of_chat() -> sa.ColumnElement[bool]:
    """No older update of the same chat is still pending (updates of unknown chat: each
    alone). Older means a smaller ``update_id`` — Telegram's order, not the order workers
    stored them in, which differs when two webhooks race — and, for a reused id, stored
    earlier."""
    older = inbox.alias("older")
    return ~sa.exists().where(
        older.c.chat_id == inbox.c.chat_id,
        older.c.status == "pending",
        sa.or_(
            older.c.update_id < inbox.c.update_id,
            sa.and_(older.c.update_id == inbox.c.update_id, older.c.id < inbox.c.id),
        ),
    )


def chat_of(payload: str) -> int | None:
    """The chat a raw update comes from (its message's, or a button press's), if it says."""
    try:
        update = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(update, dict):
        return None
    for key in ("message", "edited_message", "callback_query", "business_message"):
        part = update.get(key)
        if not isinstance(part, dict):
            continue
        message = part.get("message") if key == "callback_query" else part
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = part.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


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
                sent.c.edit == sa.false(),
                sent.c.status == "sent",
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
                outbox.c.edit == sa.false(),
                outbox.c.status == "sent",
            )
            .order_by(outbox.c.id.desc())
            .limit(1)
        )
        return int(row.tg_message_id) if row and row.tg_message_id is not None else None

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: datetime, note: str | None = None
    ) -> None:
        """Delivered; the body is dropped."""
        await self.conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id)
            .values(
                status="sent",
                tg_message_id=message_id,
                sent_at=now,
                error=note,
                attempts=outbox.c.attempts + 1,
                text="",
                buttons="[]",
                photo=None,
            )
        )

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
        ),
    )


def _copy_from(message: OutMessage) -> str | None:
    return f"{message.copy_of[0]}:{message.copy_of[1]}" if message.copy_of else None


def _copy_of(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    chat, _, message = value.partition(":")
    return int(chat), int(message)
