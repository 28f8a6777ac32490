"""What every SQL repository shares: the transaction's connection and dialect-aware helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

Upsert = postgresql.Insert | sqlite.Insert
"""An INSERT that can say ``ON CONFLICT`` (the dialect's own construct)."""


class Repo:
    """A repository bound to the connection of one open transaction.

    Statements are SQLAlchemy Core expressions, compiled for the connection's dialect (and
    cached by SQLAlchemy), so one repository serves SQLite and PostgreSQL alike.
    """

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    async def _one(self, stmt: sa.Executable) -> Row[Any] | None:
        return (await self.conn.execute(stmt)).first()

    async def _all(self, stmt: sa.Executable) -> Sequence[Row[Any]]:
        return (await self.conn.execute(stmt)).all()

    async def _count(self, stmt: sa.Executable) -> int:
        """Run an INSERT/UPDATE/DELETE; how many rows it wrote (compare-and-set answers)."""
        return int((await self.conn.execute(stmt)).rowcount)

    async def _insert(self, stmt: Insert) -> int:
        """Run a single-row INSERT; the new row's id."""
        result = await self.conn.execute(stmt)
        key = result.inserted_primary_key
        assert key is not None and key[0] is not None
        return int(key[0])

    def _upsert(self, table: sa.Table) -> Upsert:
        """An INSERT of the connection's dialect that supports ``ON CONFLICT``."""
        if self.postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _claim(self, stmt: sa.Select[Any], *of: sa.Table) -> sa.Select[Any]:
        """On PostgreSQL, lock the rows read for this transaction and skip rows another
        transaction holds (``FOR UPDATE SKIP LOCKED``), so concurrent workers take disjoint
        batches. On SQLite the single writer already serialises them: unchanged."""
        if not self.postgres:
            return stmt
        return stmt.with_for_update(skip_locked=True, of=list(of) or None)
