"""Buyer-satisfaction questions (implements ``CsatRepository``; rules in :mod:`bot.domain.csat`).

One row per conversation (``UNIQUE (conversation_id)``): planning inserts it with ``ON CONFLICT
DO NOTHING``, so a job that runs twice, or two workers, plan it once. Every later change is a
guarded update (``WHERE status = …``, ``rating IS NULL``, ``comment IS NULL``) whose row count
is the compare-and-set answer. Times are fixed-width stamps, so ``due_at <= now`` is a range
scan of ``csat_due`` on either engine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.csat import AskStatus, CsatAsk, CsatRecord, Resolved
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import choices, conversations, csat, drafts

_Q, _C, _D, _CH = csat.c, conversations.c, drafts.c, choices.c


def _ask(row: Row[Any]) -> CsatAsk:
    return CsatAsk(
        id=row.id,
        conversation_id=row.conversation_id,
        chat_id=row.chat_id,
        order_id=row.order_id,
        language=row.language,
        status=AskStatus(row.status),
        resolved_at=row.resolved_at,
        due_at=row.due_at,
        reason=row.reason,
        asked_at=row.asked_at,
        rating=row.rating,
        answered_at=row.answered_at,
        comment=row.comment,
        commented_at=row.commented_at,
    )


class CsatRepo(Repo):
    """Repository over one open transaction."""

    async def resolved_unasked(self, since: datetime, limit: int = 100) -> list[Resolved]:
        """Resolved conversations since ``since`` that qualify and have no row yet."""
        closing = (
            sa.select(_D.id)
            .select_from(drafts.outerjoin(choices, _CH.draft_id == _D.id))
            .where(
                _D.conversation_id == _C.id,
                sa.or_(_D.status == "taken_over", _CH.action_status.in_(("none", "done"))),
            )
            .exists()
        )
        asked = sa.select(_Q.id).where(_Q.conversation_id == _C.id).exists()
        rows = await self._all(
            sa.select(_C.id, _C.chat_id, _C.order_id, _C.language, _C.closed_at)
            .where(_C.status == "resolved", _C.closed_at >= since, closing, ~asked)
            .order_by(_C.closed_at, _C.id)
            .limit(limit)
        )
        return [Resolved(r.id, r.chat_id, r.order_id, r.language, r.closed_at) for r in rows]

    async def plan(self, resolved: Resolved, due_at: datetime, now: datetime) -> bool:
        """Insert the pending row unless the conversation has one."""
        stmt = (
            self._upsert(csat)
            .values(
                conversation_id=resolved.conversation_id,
                chat_id=resolved.chat_id,
                order_id=resolved.order_id,
                language=resolved.language,
                status=AskStatus.PENDING.value,
                resolved_at=resolved.resolved_at,
                due_at=due_at,
                reason="",
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["conversation_id"])
        )
        return await self._count(stmt) == 1

    async def due(self, now: datetime, limit: int = 100) -> list[CsatAsk]:
        """Pending rows due by ``now``, earliest first; on PostgreSQL rows another transaction
        holds are skipped."""
        query = (
            sa.select(csat)
            .where(_Q.status == AskStatus.PENDING.value, _Q.due_at <= now)
            .order_by(_Q.due_at, _Q.id)
            .limit(limit)
        )
        return [_ask(r) for r in await self._all(self._claim(query, csat))]

    async def get(self, ask_id: int) -> CsatAsk | None:
        """A row by id."""
        row = await self._one(sa.select(csat).where(_Q.id == ask_id))
        return _ask(row) if row else None

    async def _pending(self, ask_id: int, now: datetime, **values: Any) -> bool:
        return (
            await self._count(
                sa.update(csat)
                .where(_Q.id == ask_id, _Q.status == AskStatus.PENDING.value)
                .values(updated_at=now, **values)
            )
            == 1
        )

    async def hold(self, ask_id: int, until: datetime, reason: str, now: datetime) -> bool:
        """Due again at ``until``, with the reason (pending rows only)."""
        return await self._pending(ask_id, now, due_at=until, reason=reason)

    async def skip(self, ask_id: int, reason: str, now: datetime) -> bool:
        """Never asked (pending rows only)."""
        return await self._pending(
            ask_id, now, status=AskStatus.SKIPPED.value, due_at=None, reason=reason
        )

    async def mark_asked(self, ask_id: int, now: datetime) -> bool:
        """``pending`` → ``asked``, once."""
        return await self._pending(
            ask_id, now, status=AskStatus.ASKED.value, due_at=None, reason="", asked_at=now
        )

    async def rate(self, ask_id: int, rating: int, now: datetime) -> bool:
        """The rating, once, on an asked row."""
        stmt = (
            sa.update(csat)
            .where(_Q.id == ask_id, _Q.status == AskStatus.ASKED.value, _Q.rating.is_(None))
            .values(rating=rating, answered_at=now, updated_at=now)
        )
        return await self._count(stmt) == 1

    async def awaiting_comment(self, chat_id: int, since: datetime) -> CsatAsk | None:
        """The chat's latest row rated since ``since`` without a comment."""
        row = await self._one(
            sa.select(csat)
            .where(_Q.chat_id == chat_id, _Q.answered_at >= since, _Q.comment.is_(None))
            .order_by(_Q.answered_at.desc(), _Q.id.desc())
            .limit(1)
        )
        return _ask(row) if row else None

    async def add_comment(self, ask_id: int, text: str, now: datetime) -> bool:
        """The comment, once, on a rated row."""
        stmt = (
            sa.update(csat)
            .where(_Q.id == ask_id, _Q.rating.is_not(None), _Q.comment.is_(None))
            .values(comment=text, commented_at=now, updated_at=now)
        )
        return await self._count(stmt) == 1

    async def records(self, since: datetime) -> list[CsatRecord]:
        """Asked rows after ``since``, oldest first."""
        rows = await self._all(
            sa.select(_Q.asked_at, _Q.rating, conversations.c.assignee_name)
            .join(conversations, conversations.c.id == _Q.conversation_id)
            .where(_Q.asked_at > since)
            .order_by(_Q.asked_at, _Q.id)
        )
        return [CsatRecord(r.asked_at, r.rating, r.assignee_name) for r in rows]
