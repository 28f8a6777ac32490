"""Taught examples (``learned_examples``): soft-deleted, so the revision only moves forward."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.learned import LearnedExample
from bot.storage.base import Repo, dt, ts


def _example(row: aiosqlite.Row) -> LearnedExample:
    return LearnedExample(
        row["text"], row["intent"], row["language"], row["taught_by"], dt(row["taught_at"]),
        row["id"],
    )  # fmt: skip


class LearnedRepo(Repo):
    """Implements :class:`bot.domain.learned.LearnedRepository` over SQLite."""

    async def add(self, example: LearnedExample, now: datetime) -> int:
        """Store an applied example; returns its id (AUTOINCREMENT: ids are never reused)."""
        return await self._insert(
            """INSERT INTO learned_examples (text, intent, language, taught_by, taught_at)
               VALUES (?, ?, ?, ?, ?)""",
            example.text, example.intent, example.language, example.taught_by,
            ts(example.taught_at or now),
        )  # fmt: skip

    async def find(self, text: str, intent: str) -> LearnedExample | None:
        """The applied example with exactly this text and intent, if any."""
        row = await self._one(
            """SELECT * FROM learned_examples
               WHERE text = ? AND intent = ? AND forgotten_at IS NULL""",
            text, intent,
        )  # fmt: skip
        return _example(row) if row else None

    async def active(self) -> list[LearnedExample]:
        """Every applied example, oldest first."""
        rows = await self._all(
            "SELECT * FROM learned_examples WHERE forgotten_at IS NULL ORDER BY id"
        )
        return [_example(r) for r in rows]

    async def forget(self, example_id: int, now: datetime) -> bool:
        """Mark example ``example_id`` forgotten; False when it is unknown or already so."""
        cursor = await self.conn.execute(
            "UPDATE learned_examples SET forgotten_at = ? WHERE id = ? AND forgotten_at IS NULL",
            (ts(now), example_id),
        )
        return cursor.rowcount == 1

    async def revision(self) -> tuple[int, int]:
        """(highest id, number forgotten)."""
        row = await self._one(
            """SELECT COALESCE(MAX(id), 0) AS top, COUNT(forgotten_at) AS gone
               FROM learned_examples"""
        )
        return (int(row["top"]), int(row["gone"])) if row else (0, 0)
