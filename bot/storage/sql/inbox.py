"""The update inbox on SQLAlchemy Core: stored before handled, leased to a worker, taken
once, one chat at a time in ``update_id`` order."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa

from bot.storage.sql.base import Repo
from bot.storage.sql.tables import inbox


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
