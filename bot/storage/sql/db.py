"""One storage, two engines: SQLAlchemy Core over aiosqlite (a file) or asyncpg (PostgreSQL).

:func:`open_database` reads ``PARLEY_DATABASE``: a path, or ``sqlite:///path``, is a SQLite
file; ``postgresql://user:pass@host:port/db`` is a PostgreSQL server.

* **SQLite** keeps the aiosqlite storage's behaviour: WAL, ``synchronous=NORMAL``, foreign keys,
  up to 5 s of waiting for another process's write lock, and one writer: every unit of work
  runs alone (an asyncio lock) in ``BEGIN IMMEDIATE`` on the one pooled connection, so other
  processes (the CLI) read meanwhile. Statements run on the event loop's thread
  (:mod:`bot.storage.sql.inloop`: no hand-off to aiosqlite's thread per call); the wait for
  the write lock, at every ``BEGIN`` on the engine, is taken in short slices with
  ``asyncio.sleep`` between them, so it never holds up the loop.
* **PostgreSQL** runs units of work concurrently on a connection pool (READ COMMITTED). The
  compare-and-set updates (``WHERE status = …``) and ``ON CONFLICT`` inserts stay correct
  under concurrency, and the batch reads that hand out work lock their rows ``FOR UPDATE SKIP
  LOCKED``. A lock awaited longer than 5 s (``lock_timeout``, like SQLite's busy timeout), a
  full disk or a lost server raise :class:`~bot.domain.errors.StorageUnavailable`.

Times are ``TIMESTAMPTZ`` on PostgreSQL and the aiosqlite storage's ISO UTC text on SQLite
(:mod:`bot.storage.sql.types`), so an existing file is read and written exactly as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import await_only

from bot.domain.errors import UpdateTaken
from bot.domain.ports import HANDLING, OutboxRow, Store
from bot.storage.sql import inloop, schema
from bot.storage.sql.errors import is_outage, unavailable
from bot.storage.sql.repos import Repos
from bot.storage.sql.sender import SenderLock

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={inloop.BUSY_SLICE_MS}",  # one slice; _sqlite_begin waits between
)
BUSY_WAIT = 5.0  # seconds a SQLite unit of work waits for another process's write lock
BUSY_PAUSE = 0.025  # seconds between two tries to take it
SQLITE_BUSY = 5  # sqlite3's primary result code: another connection holds the write lock
# Sent with every PostgreSQL connection. The server-side TCP keepalives matter for the sender
# election (bot/storage/sql/sender.py): a worker whose machine or network dies leaves a socket
# that never closes, and the server would keep its session, and the sender's advisory lock,
# for hours (the kernel's default is 2 h of silence). With these, the server probes a silent
# client after 10 s, every 5 s, and drops the session after 3 unanswered probes: about 25 s
# (measured: the lock was free 23.5 s after the worker's network was cut; without these it
# was still held after 75 s). tcp_user_timeout gives up the same way on a session whose
# reply was in flight when the network died, which keepalives do not cover (PostgreSQL 12+).
POSTGRES_SETTINGS = {
    "application_name": "parley",
    "lock_timeout": "5000",
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "25000",
}
POOL_SIZE = 10  # PostgreSQL connections per process (plus as many again in bursts)
CONNECT_TIMEOUT = 10.0  # seconds to open a connection (asyncpg ``timeout``)
# Seconds any one statement may take before asyncpg gives up on it (TimeoutError, an outage
# for the callers). Parley's statements take milliseconds and wait for locks at most 5 s
# (lock_timeout); this bounds a statement sent to a server that stopped answering, and leaves
# room for a migration or a `parley db copy` batch on a large shop.
COMMAND_TIMEOUT = 60.0


def database_url(url_or_path: str | Path) -> sa.URL:
    """The SQLAlchemy URL for ``PARLEY_DATABASE``: a path or ``sqlite:///path`` (SQLite via
    aiosqlite), ``postgresql://…`` or ``postgres://…`` (PostgreSQL via asyncpg)."""
    text = str(url_or_path)
    if isinstance(url_or_path, Path) or "://" not in text:
        return sa.URL.create("sqlite+aiosqlite", database=text)
    url = sa.make_url(text)
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ValueError(
        f"PARLEY_DATABASE: {url.render_as_string()} is neither a SQLite path nor "
        "a postgresql:// URL"
    )


def create_engine(url: sa.URL) -> AsyncEngine:
    """An engine set up as Parley needs it (see the module docstring)."""
    if url.get_backend_name() == "postgresql":
        return create_async_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=POOL_SIZE,
            pool_timeout=10,
            pool_pre_ping=True,  # a connection the server dropped is replaced at checkout
            connect_args={
                "server_settings": POSTGRES_SETTINGS,
                "timeout": CONNECT_TIMEOUT,
                "command_timeout": COMMAND_TIMEOUT,
            },
        )
    memory = url.database in (None, "", ":memory:")
    if not memory:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    pool: dict[str, Any] = (
        {"poolclass": StaticPool} if memory else {"pool_size": 1, "max_overflow": 0}
    )
    options = {"uri": True} if url.query.get("uri") else {}
    connect = functools.partial(inloop.connect, str(url.database or ":memory:"), **options)
    engine = create_async_engine(url, async_creator=connect, **pool)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin only
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    """``BEGIN IMMEDIATE``: take the write lock now, not at the first write. While another
    process holds it, try again every :data:`BUSY_PAUSE` seconds, sleeping on the event loop
    in between (this runs in SQLAlchemy's greenlet), for up to ``parley_busy_wait`` seconds
    (an execution option, :data:`BUSY_WAIT` by default); then the "locked" error stands."""
    wait = float(conn.get_execution_options().get("parley_busy_wait", BUSY_WAIT))
    deadline: float | None = None
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except sa.exc.OperationalError as exc:
            if not _busy(exc):
                raise
            now = time.monotonic()
            deadline = now + wait if deadline is None else deadline
            if now >= deadline:
                raise
            await_only(asyncio.sleep(BUSY_PAUSE))


class Database:
    """Owns the engine. Every unit of work runs in :meth:`transaction` (the services' ``Store``
    port)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"
        self._lock = asyncio.Lock()  # SQLite: the single writer; PostgreSQL: unused
        # Told, once a unit of work commits, the outbox rows it queued (the relay sends them
        # without reading them back).
        self.on_queued: Callable[[list[OutboxRow]], None] | None = None

    @classmethod
    async def open(cls, url_or_path: str | Path) -> Database:
        """Open (creating a SQLite file if needed) and bring the schema up to date."""
        db = cls(create_engine(database_url(url_or_path)))
        try:
            await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    def _serial(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self._lock if self.dialect == "sqlite" else contextlib.nullcontext()

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction; returns the schema version (6 is the
        aiosqlite storage's last; see :mod:`bot.storage.sql.schema`)."""
        async with self._serial(), self.engine.begin() as conn:
            if self.dialect == "postgresql":  # one migrating worker at a time
                await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7426)")
            return await conn.run_sync(schema.upgrade)

    async def version(self) -> int:
        """The schema version of the database (0: empty)."""
        async with self._serial(), self.engine.begin() as conn:
            return await conn.run_sync(schema.current_version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repos]:
        """A unit of work: everything inside commits together or not at all.

        A database that cannot be written (disk full, I/O error, locked past the busy or lock
        timeout, corrupt, server unreachable) raises :class:`StorageUnavailable`, so callers
        can wait and retry rather than treat the work as failed. The update being handled in
        this task (:data:`HANDLING`) is marked handled in the first transaction that commits:
        it is taken as that transaction begins (:class:`UpdateTaken` when it is not this
        worker's to handle now), so no other worker handles it or its chat meanwhile."""
        async with self._serial():
            conn = await self._begin()
            try:
                repos = Repos(conn)
                try:
                    claim = HANDLING.get()
                    if (
                        claim is not None
                        and not claim.taken
                        and claim.task is asyncio.current_task()
                    ):
                        if not await repos.inbox.take(claim.inbox_id, claim.at, claim.worker):
                            raise UpdateTaken(f"inbox update #{claim.inbox_id}")
                    else:
                        claim = None
                    yield repos
                except BaseException as exc:
                    with contextlib.suppress(Exception):
                        await conn.rollback()
                    if is_outage(exc):
                        raise unavailable(exc) from exc
                    raise
                try:
                    await conn.commit()
                except Exception as exc:
                    with contextlib.suppress(Exception):
                        await conn.rollback()
                    raise (unavailable(exc) if is_outage(exc) else exc) from exc
                if claim is not None:
                    claim.taken = True
                if repos.outbox.queued and self.on_queued is not None:
                    self.on_queued(repos.outbox.queued)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _begin(self) -> AsyncConnection:
        conn: AsyncConnection | None = None
        try:
            conn = await self.engine.connect()
            await conn.begin()
        except Exception as exc:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            raise (unavailable(exc) if is_outage(exc) else exc) from exc
        return conn

    @property
    def busy_wait(self) -> float:
        """SQLite: seconds a transaction waits for another process's write lock."""
        return float(self.engine.get_execution_options().get("parley_busy_wait", BUSY_WAIT))

    @busy_wait.setter
    def busy_wait(self, seconds: float) -> None:
        self.engine = self.engine.execution_options(parley_busy_wait=seconds)

    def sender_lock(self, on_change: Callable[[bool], object] | None = None) -> SenderLock | None:
        """On PostgreSQL, the lock that elects one sender among the workers (see
        :mod:`bot.storage.sql.sender`); None on SQLite, whose one process always sends."""
        if self.dialect != "postgresql":
            return None
        return SenderLock(self.engine, on_change)

    async def execute_script(self, sql: str) -> None:
        """Run statements outside the unit-of-work machinery (maintenance, tests)."""
        async with self._serial(), self.engine.begin() as conn:
            for statement in sql.split(";"):
                if statement.strip():
                    await conn.exec_driver_sql(statement)

    async def close(self) -> None:
        """Close every connection (checkpointing SQLite's WAL)."""
        await self.engine.dispose()


async def open_database(url_or_path: str | Path) -> Database:
    """Open ``PARLEY_DATABASE`` — a SQLite path or ``sqlite:///path``, or a
    ``postgresql://user:pass@host:port/db`` URL — and bring its schema up to date."""
    return await Database.open(url_or_path)


def _busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's SQLITE_BUSY: another connection holds the write lock."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == SQLITE_BUSY


def as_store(db: Database) -> Store:
    """``db`` as the services' port (mypy checks that the unit of work implements it)."""
    return db
