"""Second-fact linking attempts (implements ``LinkAttemptRepository``; the rules are
:mod:`bot.domain.verification`'s). One row per (chat, order number the buyer named)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.verification import Attempt
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import link_attempts

_LA = link_attempts.c


def _attempt(row: Row[Any]) -> Attempt:
    return Attempt(
        chat_id=int(row.chat_id),
        order_id=row.order_id,
        pending_since=row.pending_since,
        failures=int(row.failures),
        locked_until=row.locked_until,
        language=row.language,
        request=row.request,
    )


class LinkAttemptRepo(Repo):
    """Repository over one open transaction."""

    async def get(self, chat_id: int, order_id: str) -> Attempt | None:
        """The stored attempt of ``order_id`` for ``chat_id``, or None."""
        row = await self._one(
            sa.select(link_attempts).where(_LA.chat_id == chat_id, _LA.order_id == order_id)
        )
        return None if row is None else _attempt(row)

    async def pending(self, chat_id: int) -> Attempt | None:
        """The chat's attempt with an open question, or None."""
        row = await self._one(
            sa.select(link_attempts)
            .where(_LA.chat_id == chat_id, _LA.pending_since.is_not(None))
            .order_by(_LA.pending_since.desc())
            .limit(1)
        )
        return None if row is None else _attempt(row)

    async def save(self, attempt: Attempt) -> None:
        """Insert or replace the attempt; an open question closes the chat's other ones."""
        if attempt.pending_since is not None:
            await self.conn.execute(
                sa.update(link_attempts)
                .where(_LA.chat_id == attempt.chat_id, _LA.order_id != attempt.order_id)
                .values(pending_since=None)
            )
        values = {
            "pending_since": attempt.pending_since,
            "failures": attempt.failures,
            "locked_until": attempt.locked_until,
            "language": attempt.language,
            "request": attempt.request,
        }
        stmt = self._upsert(link_attempts).values(
            chat_id=attempt.chat_id, order_id=attempt.order_id, **values
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(index_elements=[_LA.chat_id, _LA.order_id], set_=values)
        )

    async def delete(self, chat_id: int, order_id: str) -> None:
        """Forget the attempt of (chat, order)."""
        await self.conn.execute(
            sa.delete(link_attempts).where(_LA.chat_id == chat_id, _LA.order_id == order_id)
        )
