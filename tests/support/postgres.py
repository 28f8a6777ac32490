"""The PostgreSQL server of the tests (and of the bench scripts that compare engines).

``PARLEY_TEST_POSTGRES=postgresql://user:pass@host:port/db`` names a server the tests may
create and drop databases on (``eval "$(.ci/postgres.sh start)"`` starts a throwaway one;
``.ci/run`` does). Without it the PostgreSQL tests skip with one line saying so; with
``PARLEY_REQUIRE_POSTGRES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage.sql import Database, database_url
from bot.storage.sql.tables import metadata

POSTGRES = os.environ.get("PARLEY_TEST_POSTGRES", "")
HOW = (
    "PostgreSQL tests: set PARLEY_TEST_POSTGRES=postgresql://user:pass@host:port/db "
    '(eval "$(.ci/postgres.sh start)" starts a throwaway server; .ci/run does)'
)
ENGINES = ["sqlite", "postgresql"]


def need_postgres() -> None:
    """Skip (or, with ``PARLEY_REQUIRE_POSTGRES``, fail) the test without a server."""
    if not POSTGRES:
        if os.environ.get("PARLEY_REQUIRE_POSTGRES"):
            pytest.fail(HOW)
        pytest.skip(HOW)


async def admin(sql: str) -> None:
    """Run one statement outside any transaction (CREATE/DROP DATABASE)."""
    engine = create_async_engine(
        database_url(POSTGRES), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await engine.dispose()


def in_thread(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` to completion on its own loop (a session fixture may be set up while a
    test's loop is running)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(work())).result()


def pg_url(name: str) -> str:
    """The URL of database ``name`` on the test server (password included)."""
    return database_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def new_name() -> str:
    """A fresh database name."""
    return f"parley_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"


async def empty(db: Database) -> None:
    """Delete every row of every table and restart the id sequences (faster than a new
    database: creating and migrating one costs about a second)."""
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    await db.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


async def emptied(url: str) -> str:
    """``url`` (a migrated database) with no rows left; returns it."""
    db = await Database.open(url)
    try:
        await empty(db)
    finally:
        await db.close()
    return url
