"""Fixtures of the SQL storage contract suite (``test_contract_sql*.py``), parametrized over
both engines: a SQLite file in ``tmp_path``, and a PostgreSQL server when
``PARLEY_TEST_POSTGRES`` names one. Without it the PostgreSQL half skips with one line saying
how to run it; with ``PARLEY_REQUIRE_POSTGRES=1`` (CI) it fails instead.

``sql_url`` is a brand-new empty database (a new PostgreSQL database, dropped after): for the
schema and migration tests. ``sqldb`` is an open, empty, migrated storage: on PostgreSQL one
database migrated once per run and emptied (``TRUNCATE … RESTART IDENTITY``) before each test,
since creating and migrating a database costs about a second."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.storage.sql import Database, database_url
from bot.storage.sql.tables import metadata

POSTGRES = os.environ.get("PARLEY_TEST_POSTGRES", "")
HOW = (
    "PostgreSQL contract tests: set PARLEY_TEST_POSTGRES=postgresql://user:pass@host:port/db "
    '(eval "$(.ci/postgres.sh start)" starts a throwaway server; .ci/run does)'
)
ENGINES = ["sqlite", "postgresql"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every PostgreSQL test skipped for want of a server is reported on one line."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and HOW in report.longrepr[2]:
        report.longrepr = (__file__, None, report.longrepr[2])  # type: ignore[assignment]
    return report


def _need_postgres() -> None:
    if not POSTGRES:
        if os.environ.get("PARLEY_REQUIRE_POSTGRES"):
            pytest.fail(HOW)
        pytest.skip(HOW)


async def _admin(sql: str) -> None:
    admin = create_async_engine(
        database_url(POSTGRES), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(sql)
    finally:
        await admin.dispose()


def _in_thread(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` to completion on its own loop (a session fixture may be set up while a
    test's loop is running)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(work())).result()


def _pg_url(name: str) -> str:
    return database_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=ENGINES)
async def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A target for ``open_database``: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite3")
        return
    _need_postgres()
    name = f"parley_test_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def shared_postgres() -> Iterator[str]:
    """One migrated PostgreSQL database for the run (dropped at the end)."""
    _need_postgres()
    name = f"parley_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        await _admin(f'CREATE DATABASE "{name}"')
        db = await Database.open(_pg_url(name))
        await db.close()

    _in_thread(create)
    try:
        yield _pg_url(name)
    finally:
        _in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
async def sqldb(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The SQL storage, open on an empty migrated database of each engine."""
    if request.param == "sqlite":
        database = await Database.open(tmp_path / "store.sqlite3")
    else:
        database = await Database.open(request.getfixturevalue("shared_postgres"))
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        await database.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    yield database
    await database.close()


async def scalar(db: Database, sql: str) -> object:
    """One value read outside the repositories (assertions on stored rows)."""
    async with db.engine.connect() as conn:
        return (await conn.execute(sa.text(sql))).scalar()
