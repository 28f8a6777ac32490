"""Taught examples (``learned_examples``): soft-deleted, so the revision only moves forward."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.learned import LearnedExample
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import learned_examples

_L = learned_examples.c


def _example(row: Row[Any]) -> LearnedExample:
    return LearnedExample(row.text, row.intent, row.language, row.taught_by, row.taught_at, row.id)


class LearnedRepo(Repo):
    """Implements :class:`bot.domain.learned.LearnedRepository`."""

    async def add(self, example: LearnedExample, now: datetime) -> int:
        """Store an applied example; returns its id (ids are never reused: AUTOINCREMENT on
        SQLite, a sequence on PostgreSQL)."""
        return await self._insert(
            sa.insert(learned_examples).values(
                text=example.text,
                intent=example.intent,
                language=example.language,
                taught_by=example.taught_by,
                taught_at=example.taught_at or now,
            )
        )

    async def find(self, text: str, intent: str) -> LearnedExample | None:
        """The applied example with exactly this text and intent, if any."""
        row = await self._one(
            sa.select(learned_examples)
            .where(_L.text == text, _L.intent == intent, _L.forgotten_at.is_(None))
            .order_by(_L.id)
            .limit(1)
        )
        return _example(row) if row else None

    async def active(self) -> list[LearnedExample]:
        """Every applied example, oldest first."""
        rows = await self._all(
            sa.select(learned_examples).where(_L.forgotten_at.is_(None)).order_by(_L.id)
        )
        return [_example(r) for r in rows]

    async def forget(self, example_id: int, now: datetime) -> bool:
        """Mark example ``example_id`` forgotten; False when it is unknown or already so."""
        return (
            await self._count(
                sa.update(learned_examples)
                .where(_L.id == example_id, _L.forgotten_at.is_(None))
                .values(forgotten_at=now)
            )
            == 1
        )

    async def revision(self) -> tuple[int, int]:
        """(rows, rows forgotten). Rows are never deleted, so equal counts mean equal
        contents; unlike the highest id, the row count also moves when a transaction that took
        a lower id commits after one that took a higher id (PostgreSQL sequences)."""
        row = await self._one(
            sa.select(
                sa.func.count().label("rows"),
                sa.func.count(_L.forgotten_at).label("gone"),
            ).select_from(learned_examples)
        )
        return (int(row.rows), int(row.gone)) if row else (0, 0)
