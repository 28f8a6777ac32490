"""SQLite on the event loop's own thread, under SQLAlchemy's aiosqlite dialect.

Why: aiosqlite runs every call in a worker thread, and SQLAlchemy's adapter makes about four
calls per statement (cursor, execute, fetch, close), plus begin, commit and the pool's reset.
Each call is a hand-off to that thread and back through the event loop: measured, a unit of
work of three small SELECTs took 3.9 ms, almost all of it waiting on those hand-offs, while
SQLite itself needs a few tens of microseconds. On a sale day that made the handling CPU-bound
at about 50 updates a second (``bench/burst.py``).

So :func:`connect` gives the dialect a connection with aiosqlite's interface whose coroutines
call :mod:`sqlite3` directly and return at once: the statement runs on the loop's thread, no
hand-off. This is safe for Parley because

* statements on a local SQLite file take microseconds (WAL with ``synchronous=NORMAL``: a
  commit does not wait for the disk; only a checkpoint does, every 1,000 pages);
* the one place SQLite may *wait* — taking the write lock while another process (a ``parley``
  command) writes — is kept off the loop: the busy timeout here is short
  (:data:`BUSY_SLICE_MS`) and the engine's ``BEGIN IMMEDIATE`` listener
  (:mod:`bot.storage.sql.db`) tries again with ``asyncio.sleep`` between tries, for up to the
  5 s it waited before;
* errors are :mod:`sqlite3`'s own, as aiosqlite raises them, so the dialect translates them
  exactly as before (a full disk is still ``StorageUnavailable``).

Only the calls the aiosqlite dialect makes are implemented.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_SLICE_MS = 20  # how long one try may wait for another process's write lock, on the loop


class _Cursor:
    """An aiosqlite-like cursor over a :class:`sqlite3.Cursor`, answering at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """The columns of the last statement's rows (None for statements without rows)."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement wrote."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The id of the row the last INSERT made."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows per :meth:`fetchmany` by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> _Cursor:
        """Run one statement for each parameter set."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        """Up to ``size`` more rows."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> Sequence[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()


class _Now:
    """Stands in for aiosqlite's queue of calls to its thread: runs each call at once (the
    dialect's ``isolation_level`` setter puts ``(future, function)`` pairs on it)."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # noqa: BLE001 - handed to whoever awaits the future
            future.set_exception(exc)


class Connection:
    """An aiosqlite-like connection over a :class:`sqlite3.Connection` used on the loop's
    thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # the dialect checks it is open
        self._tx = _Now()

    @property
    def isolation_level(self) -> str | None:
        """sqlite3's implicit-transaction setting."""
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        """A new cursor (entered with ``async with`` or awaited via ``__aenter__``)."""
        return _Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        """Run one statement on a new cursor."""
        cursor = self.cursor()
        return await cursor.execute(sql, parameters)

    async def create_function(self, *args: Any, **kw: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kw)

    async def commit(self) -> None:
        """Commit."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def close(self) -> None:
        """Close (once; later calls do nothing)."""
        self.stop()

    def stop(self) -> None:
        """Close at once (the dialect's forced termination)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


async def connect(database: str, **kw: Any) -> Connection:
    """Open ``database`` for the aiosqlite dialect (``create_async_engine(...,
    async_creator=...)``); the busy timeout is one short slice (see the module docstring)."""
    kw.setdefault("check_same_thread", False)  # the pool may close it from a finalizer
    kw["timeout"] = BUSY_SLICE_MS / 1000
    return Connection(sqlite3.connect(database, **kw))
