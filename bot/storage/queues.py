"""The inbox (updates in) and the outbox (messages out)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import aiosqlite

from bot.domain.models import (
    Button,
    OutMessage,
)
from bot.domain.ports import OutboxRow
from bot.storage.base import Repo, dt, ts


class InboxRepo(Repo):
    """Incoming updates, stored before they are handled.

    A delivery is identified by ``update_id`` and a digest of its content: Telegram's repeated
    delivery of an update is stored once, while an unrelated update that reuses an old id (ids
    restart after a week of silence, or on another Bot API server) is still handled.
    """

    async def add(self, update_id: int, payload: str, now: datetime) -> bool:
        """Store an update; False if this very update was already there."""
        digest = hashlib.sha256(payload.encode()).hexdigest()
        cursor = await self.conn.execute(
            """INSERT OR IGNORE INTO inbox (update_id, digest, payload, status, received_at)
               VALUES (?,?,?,'pending',?)""",
            (update_id, digest, payload, ts(now)),
        )
        return cursor.rowcount == 1

    async def pending(self, limit: int = 100) -> list[tuple[int, str]]:
        """Updates not yet handled, in arrival order, as (inbox id, payload)."""
        rows = await self._all(
            "SELECT id, payload FROM inbox WHERE status='pending' ORDER BY id LIMIT ?", limit
        )
        return [(int(r["id"]), str(r["payload"])) for r in rows]

    async def finish(self, inbox_id: int, now: datetime, error: str | None = None) -> None:
        """Mark an update handled (or failed, with the error)."""
        await self.conn.execute(
            "UPDATE inbox SET status=?, handled_at=?, error=? WHERE id=?",
            ("failed" if error else "done", ts(now), error, inbox_id),
        )


class OutboxRepo(Repo):
    """Messages that must reach Telegram, written with the state change that caused them.

    Rows of one chat go out in id order; different chats are independent. Once delivered
    (or given up on) a row keeps only what later edits need (chat, ref, Telegram's message
    id) and is deleted by :meth:`prune` after the retention period.
    """

    async def add(self, message: OutMessage, now: datetime) -> int:
        """Queue a message. An edit of a message (or of an edit) still unsent rewrites it."""
        buttons = json.dumps(
            [[[b.text, b.data] for b in row] for row in message.buttons], ensure_ascii=False
        )
        if message.edit and message.ref:
            cursor = await self.conn.execute(
                """UPDATE outbox SET text=?, buttons=? WHERE id=(
                       SELECT id FROM outbox WHERE chat_id=? AND ref=? AND status='pending'
                       ORDER BY id DESC LIMIT 1)""",
                (message.text, buttons, message.chat_id, message.ref),
            )
            if cursor.rowcount:
                return 0
        return await self._insert(
            """INSERT INTO outbox (chat_id, ref, edit, text, buttons, status, created_at, photo,
               copy_from) VALUES (?,?,?,?,?,'pending',?,?,?)""",
            message.chat_id, message.ref, int(message.edit), message.text, buttons, ts(now),
            message.photo, _copy_from(message),
        )  # fmt: skip

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows whose retry time has come, oldest first."""
        rows = await self._all(
            """SELECT * FROM outbox WHERE status='pending'
               AND (not_before IS NULL OR not_before<=?) ORDER BY id LIMIT ?""",
            ts(now), limit,
        )  # fmt: skip
        return [_outbox(r) for r in rows]

    async def due_chats(self, now: datetime) -> tuple[list[tuple[int, int]], datetime | None]:
        """Chats with a due pending row as (chat id, oldest due row id), and the earliest
        future retry time — one pass over the pending rows."""
        rows = await self._all(
            """SELECT chat_id,
                      MIN(CASE WHEN not_before IS NULL OR not_before<=? THEN id END) AS head,
                      MIN(CASE WHEN not_before>? THEN not_before END) AS retry
               FROM outbox WHERE status='pending' GROUP BY chat_id""",
            ts(now), ts(now),
        )  # fmt: skip
        heads = [(int(r["chat_id"]), int(r["head"])) for r in rows if r["head"] is not None]
        retries = [r["retry"] for r in rows if r["retry"] is not None]
        return heads, dt(min(retries)) if retries else None

    async def queue(self, chat_id: int, limit: int = 20) -> list[OutboxRow]:
        """Pending rows of one chat, in queue order; an edit carries its target's message id."""
        rows = await self._all(
            """SELECT o.*, CASE WHEN o.edit=1 THEN (
                   SELECT s.tg_message_id FROM outbox s WHERE s.chat_id=o.chat_id
                   AND s.ref=o.ref AND s.edit=0 AND s.status='sent' ORDER BY s.id DESC LIMIT 1
               ) END AS target
               FROM outbox o WHERE o.status='pending' AND o.chat_id=? ORDER BY o.id LIMIT ?""",
            chat_id, limit,
        )  # fmt: skip
        return [_outbox(r, r["target"]) for r in rows]

    async def sent_message_id(self, chat_id: int, ref: str) -> int | None:
        """Telegram's message id of the message sent under ``ref`` to ``chat_id``."""
        row = await self._one(
            """SELECT tg_message_id FROM outbox WHERE chat_id=? AND ref=? AND edit=0
               AND status='sent' ORDER BY id DESC LIMIT 1""",
            chat_id, ref,
        )  # fmt: skip
        return int(row["tg_message_id"]) if row and row["tg_message_id"] is not None else None

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: datetime, note: str | None = None
    ) -> None:
        """Delivered; the body is dropped."""
        await self.conn.execute(
            """UPDATE outbox SET status='sent', tg_message_id=?, sent_at=?, error=?,
               attempts=attempts+1, text='', buttons='[]', photo=NULL WHERE id=?""",
            (message_id, ts(now), note, row_id),
        )

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        """Not delivered yet; try again at ``at``."""
        await self.conn.execute(
            "UPDATE outbox SET not_before=?, error=?, attempts=attempts+1 WHERE id=?",
            (ts(at), error, row_id),
        )

    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None:
        """Given up on (the chat blocked us, the message is invalid…); the body is dropped."""
        await self.conn.execute(
            """UPDATE outbox SET status='failed', error=?, sent_at=?, attempts=attempts+1,
               text='', buttons='[]', photo=NULL WHERE id=?""",
            (error, ts(now), row_id),
        )

    async def prune(self, before: datetime) -> int:
        """Delete sent and failed rows finished before ``before``."""
        cursor = await self.conn.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed') AND sent_at<?", (ts(before),)
        )
        return cursor.rowcount


def _outbox(row: aiosqlite.Row, target: int | None = None) -> OutboxRow:
    buttons = tuple(
        tuple(Button(text, data) for text, data in line) for line in json.loads(row["buttons"])
    )
    return OutboxRow(
        id=row["id"],
        attempts=row["attempts"],
        not_before=dt(row["not_before"]),
        target=target,
        message=OutMessage(
            chat_id=row["chat_id"],
            text=row["text"],
            buttons=buttons,
            ref=row["ref"],
            edit=bool(row["edit"]),
            photo=row["photo"],
            copy_of=_copy_of(row["copy_from"]),
        ),
    )


def _copy_from(message: OutMessage) -> str | None:
    return f"{message.copy_of[0]}:{message.copy_of[1]}" if message.copy_of else None


def _copy_of(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    chat, _, message = value.partition(":")
    return int(chat), int(message)
