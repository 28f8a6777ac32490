"""Fixtures of the SQL storage contract suite (``test_contract_sql*.py``), parametrized over
both engines: a SQLite file in ``tmp_path``, and a PostgreSQL server when
``PARLEY_TEST_POSTGRES`` names one (see :mod:`tests.support.postgres`: one skip line without
it, a failure with ``PARLEY_REQUIRE_POSTGRES=1``).

``sql_url`` is a brand-new empty database (a new PostgreSQL database, dropped after): for the
schema and migration tests. ``sqldb`` is an open, empty, migrated storage: on PostgreSQL the
run's ``shared_postgres`` database (tests/conftest.py), emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.storage.sql import Database
from tests.support.postgres import ENGINES, admin, empty, need_postgres, new_name, pg_url

__all__ = ["ENGINES", "scalar"]


@pytest.fixture(params=ENGINES)
async def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A target for ``open_database``: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite3")
        return
    need_postgres()
    name = new_name()
    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
async def sqldb(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """The SQL storage, open on an empty migrated database of each engine."""
    if request.param == "sqlite":
        database = await Database.open(tmp_path / "store.sqlite3")
    else:
        database = await Database.open(request.getfixturevalue("shared_postgres"))
        await empty(database)
    yield database
    await database.close()


async def scalar(db: Database, sql: str) -> object:
    """One value read outside the repositories (assertions on stored rows)."""
    async with db.engine.connect() as conn:
        return (await conn.execute(sa.text(sql))).scalar()
