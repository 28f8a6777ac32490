"""``parley db upgrade`` and ``parley db copy``: schema migrations on either engine, and moving a
SQLite shop to PostgreSQL without losing history.

* :func:`upgrade` applies the pending Alembic revisions (creating a SQLite file if there is
  none) and says which schema version the database was at and is at now.
* :func:`copy_sqlite_to_postgres` copies every table of a SQLite database into an *empty*
  PostgreSQL database in one PostgreSQL transaction: it reads one consistent snapshot of the
  file (a ``parley run`` may keep writing meanwhile; what it commits later is not copied),
  inserts parents before children, resets each id sequence past the largest id copied
  (``setval``), compares every table's row count with the source's and commits only if all
  match. Anything wrong — a file that is not a Parley database, a schema other than this
  Parley's, a PostgreSQL database that already has rows or foreign tables — is refused with
  one line (:class:`DatabaseAdminError`) and nothing is written.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.domain.errors import ParleyError
from bot.storage.sql import schema
from bot.storage.sql.db import Database, create_engine, database_url
from bot.storage.sql.tables import metadata

BATCH = 1000  # rows per INSERT (asyncpg executes them as one batch)
_SQLITE_HEADER = b"SQLite format 3\x00"
_OURS = frozenset({*metadata.tables, "alembic_version"})


class DatabaseAdminError(ParleyError):
    """``parley db …`` refused or failed; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class Upgraded:
    """What ``parley db upgrade`` did: the schema version before and after."""

    before: int
    after: int


@dataclass(frozen=True)
class Copied:
    """What ``parley db copy`` copied: the schema version and each table's row count (parents
    first), verified equal on both sides."""

    version: int
    counts: tuple[tuple[str, int], ...]

    @property
    def rows(self) -> int:
        """Rows copied in all."""
        return sum(n for _, n in self.counts)


def label(url_or_path: str | Path) -> str:
    """A database fit for a message: the path, or the URL without its password."""
    if isinstance(url_or_path, Path) or "://" not in str(url_or_path):
        return str(url_or_path)
    try:
        return sa.make_url(str(url_or_path)).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(a malformed URL)"


async def upgrade(url_or_path: str | Path) -> Upgraded:
    """Apply pending migrations to ``PARLEY_DATABASE`` (either engine)."""
    where = label(url_or_path)
    try:
        db = Database(create_engine(database_url(url_or_path)))
    except (ValueError, sa.exc.ArgumentError) as exc:
        raise DatabaseAdminError(f"{where}: {exc}") from None
    try:
        before = await db.version()
        after = await db.migrate()
    except RuntimeError as exc:  # a schema newer than this Parley
        raise DatabaseAdminError(f"{where}: {exc}") from None
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise DatabaseAdminError(f"{where}: cannot upgrade ({_reason(exc)})") from None
    finally:
        await db.close()
    return Upgraded(before, after)


async def copy_sqlite_to_postgres(source: Path, target: str) -> Copied:
    """Copy every table of the SQLite database ``source`` into the empty PostgreSQL database
    ``target`` (see the module docstring)."""
    file = _check_sqlite_file(source)
    try:
        url = database_url(target)
    except (ValueError, sa.exc.ArgumentError) as exc:
        raise DatabaseAdminError(f"{label(target)}: {exc}") from None
    if url.get_backend_name() != "postgresql":
        raise DatabaseAdminError(f"{label(target)}: the target must be a postgresql:// URL")
    where = label(target)
    async with _snapshot(source, file) as src:
        version = await src.run_sync(schema.current_version)
        head = schema.head_version()
        if version != head:
            raise DatabaseAdminError(
                f"{source}: schema v{version}, this Parley's is v{head}; run "
                f"`PARLEY_DATABASE={source} parley db upgrade` first"
                if 0 < version < head
                else f"{source}: not a Parley database at schema v{head} (schema v{version})"
            )
        found = await src.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        missing = sorted(set(metadata.tables) - found)
        if missing:
            raise DatabaseAdminError(f"{source}: not a Parley database (missing tables: "
                                     f"{', '.join(missing)})")  # fmt: skip
        db = await _open_target(url, where)
        try:
            counts = await _copy(src, db.engine, where)
        finally:
            await db.close()
    return Copied(version, counts)


def _check_sqlite_file(source: Path) -> str:
    """The absolute path of ``source`` as a URI path, once it looks like an SQLite file."""
    if not source.is_file():
        raise DatabaseAdminError(f"{source}: no such file (the SQLite database to copy)")
    try:
        with source.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseAdminError(f"{source}: cannot be read ({exc.strerror or exc})") from None
    if header != _SQLITE_HEADER:
        raise DatabaseAdminError(f"{source}: not an SQLite database")
    return quote(str(source.resolve()))


@contextlib.asynccontextmanager
async def _snapshot(source: Path, path: str) -> AsyncIterator[AsyncConnection]:
    """One read transaction on ``source`` (``path``: its URI path): every table read in it
    sees the same commit."""
    engine = create_async_engine(f"sqlite+aiosqlite:///file:{path}?uri=true", poolclass=NullPool)
    event.listen(engine.sync_engine, "connect", _read_only)
    event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    try:
        async with engine.connect() as conn:
            await conn.begin()
            try:
                yield conn
            finally:
                await conn.rollback()
    except sa.exc.DBAPIError as exc:
        raise DatabaseAdminError(f"{source}: cannot be read ({_reason(exc)})") from None
    finally:
        await engine.dispose()


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the "begin" listener starts the transaction
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA query_only=ON")  # this command never writes the shop's file
    cursor.close()


async def _open_target(url: sa.URL, where: str) -> Database:
    """The PostgreSQL database, migrated, if it holds nothing but (empty) Parley tables."""
    probe = create_async_engine(url, poolclass=NullPool)
    try:
        async with probe.connect() as conn:
            tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise DatabaseAdminError(f"{where}: cannot connect ({_reason(exc)})") from None
    finally:
        await probe.dispose()
    foreign = sorted(tables - _OURS)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise DatabaseAdminError(f"{where}: not empty (tables {shown}); parley db copy needs "
                                 "an empty PostgreSQL database")  # fmt: skip
    try:
        return await Database.open(url.render_as_string(hide_password=False))
    except RuntimeError as exc:
        raise DatabaseAdminError(f"{where}: {exc}") from None
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise DatabaseAdminError(f"{where}: cannot migrate ({_reason(exc)})") from None


async def _copy(
    src: AsyncConnection, engine: AsyncEngine, where: str
) -> tuple[tuple[str, int], ...]:
    tables = metadata.sorted_tables  # parents before children (foreign keys)
    try:
        async with engine.begin() as dst:
            filled = [t.name for t in tables if await _rows(dst, t)]
            if filled:
                raise DatabaseAdminError(
                    f"{where}: not empty (rows in {', '.join(filled)}); parley db copy needs "
                    "an empty PostgreSQL database"
                )
            counts = []
            for table in tables:
                copied = 0
                result = await src.stream(sa.select(table))
                async for part in result.partitions(BATCH):
                    await dst.execute(table.insert(), [dict(row._mapping) for row in part])
                    copied += len(part)
                expected = await _rows(src, table)
                written = await _rows(dst, table)
                if not copied == expected == written:
                    raise DatabaseAdminError(
                        f"{where}: {table.name}: {expected} rows in the file, {copied} read, "
                        f"{written} in PostgreSQL; nothing was copied"
                    )
                await _reset_sequence(dst, table)
                counts.append((table.name, written))
    except DatabaseAdminError:
        raise
    except (OSError, sa.exc.SQLAlchemyError) as exc:
        raise DatabaseAdminError(
            f"{where}: copy failed, nothing was copied ({_reason(exc)})"
        ) from None
    return tuple(counts)


async def _rows(conn: AsyncConnection, table: sa.Table) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def _reset_sequence(conn: AsyncConnection, table: sa.Table) -> None:
    """The next id PostgreSQL hands out is past the largest one copied."""
    column = table.autoincrement_column
    if column is None:
        return
    await conn.execute(
        sa.text(
            "SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
        ),
        {"table": table.name, "column": column.name},
    )


def _reason(exc: BaseException) -> str:
    """The driver's own words, on one line."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split())
    return text[:300] or type(inner).__name__
