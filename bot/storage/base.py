"""What every repository shares: the transaction's connection and the time format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiosqlite


def ts(value: datetime | None) -> str | None:
    """A datetime as stored: ISO 8601 in UTC, so stored times compare correctly as text."""
    return value.astimezone(UTC).isoformat() if value else None


def dt(value: str | None) -> datetime | None:
    """A stored datetime back (timezone-aware UTC)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Repo:
    """A repository bound to the connection of one open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _one(self, sql: str, *args: Any) -> aiosqlite.Row | None:
        cursor = await self.conn.execute(sql, args)
        return await cursor.fetchone()

    async def _all(self, sql: str, *args: Any) -> list[aiosqlite.Row]:
        cursor = await self.conn.execute(sql, args)
        return list(await cursor.fetchall())

    async def _insert(self, sql: str, *args: Any) -> int:
        cursor = await self.conn.execute(sql, args)
        assert cursor.lastrowid is not None
        return cursor.lastrowid
