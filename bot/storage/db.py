"""One SQLite file through aiosqlite: WAL, migrations at open, one writer transaction at a time."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.domain.errors import StorageUnavailable
from bot.domain.ports import HANDLING
from bot.storage.migrations import MIGRATIONS
from bot.storage.repos import Repos


class Database:
    """Owns the connection. Every unit of work runs in :meth:`transaction`, serialised by a lock.

    A single connection with a lock keeps transactions from interleaving across tasks; SQLite
    writes are serial anyway, and WAL lets other processes (the CLI) read meanwhile.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) the database file and bring its schema up to date."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        db = cls(conn)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction; returns the schema version."""
        async with self._lock:
            cursor = await self._conn.execute("PRAGMA user_version")
            row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"database schema v{version} is newer than this Parley (v{len(MIGRATIONS)})"
                )
            if version == len(MIGRATIONS):
                return version
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for step in MIGRATIONS[version:]:
                    for statement in step.split(";"):
                        if statement.strip():
                            await self._conn.execute(statement)
                await self._conn.execute(f"PRAGMA user_version={len(MIGRATIONS)}")
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            return len(MIGRATIONS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repos]:
        """A unit of work: everything inside commits together or not at all.

        A database that cannot be written (disk full, I/O error, locked past the busy
        timeout, corrupt) raises :class:`StorageUnavailable`, so callers can wait and retry
        rather than treat the work as failed. The update being handled in this task
        (:data:`HANDLING`) is marked handled in the first transaction that commits."""
        async with self._lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise (_unavailable(exc) if _is_outage(exc) else exc) from exc
            repos = Repos(self._conn)
            try:
                yield repos
                claim = HANDLING.get()
                if claim is not None and not claim.taken and claim.task is asyncio.current_task():
                    await repos.inbox.finish(claim.inbox_id, claim.at)
                else:
                    claim = None
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self._conn.execute("ROLLBACK")
                if _is_outage(exc):
                    assert isinstance(exc, sqlite3.Error)
                    raise _unavailable(exc) from exc
                raise
            try:
                await self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self._conn.execute("ROLLBACK")
                raise (_unavailable(exc) if _is_outage(exc) else exc) from exc
            if claim is not None:
                claim.taken = True

    async def execute_script(self, sql: str) -> None:
        """Run statements outside the unit-of-work machinery (maintenance, tests)."""
        async with self._lock:
            for statement in sql.split(";"):
                if statement.strip():
                    await self._conn.execute(statement)

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        await self._conn.close()


_OUTAGES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOTADB,
})  # fmt: skip


def _is_outage(exc: BaseException) -> bool:
    """Errors of the medium (full, I/O, locked, corrupt), not of the statement (a bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF in _OUTAGES


def _unavailable(exc: sqlite3.Error) -> StorageUnavailable:
    return StorageUnavailable(f"database unavailable: {exc}")
