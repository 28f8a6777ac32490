"""What every PostgreSQL connection of Parley is opened with (bot/storage/sql/db.py), checked on
the real server: the settings that let the server drop a dead worker's session (and free the
sender's advisory lock) and the client-side timeouts; and that a URL turning off the
prepared-statement cache for PgBouncer (``?prepared_statement_cache_size=0``, an option of
SQLAlchemy's asyncpg dialect) opens and works. Without ``PARLEY_TEST_POSTGRES`` these skip."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.storage.sql import Database, database_url
from bot.storage.sql.db import COMMAND_TIMEOUT
from tests.support.postgres import empty

NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def pg(shared_postgres: str) -> AsyncIterator[Database]:
    """The storage, open on the run's PostgreSQL database."""
    db = await Database.open(shared_postgres)
    yield db
    await db.close()


async def _show(db: Database, name: str) -> str:
    async with db.engine.connect() as conn:
        return str((await conn.exec_driver_sql(f"SHOW {name}")).scalar_one())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tcp_keepalives_idle", "10"),
        ("tcp_keepalives_interval", "5"),
        ("tcp_keepalives_count", "3"),
        ("tcp_user_timeout", "25000"),
        ("lock_timeout", "5s"),
        ("application_name", "parley"),
    ],
)
async def test_every_session_carries_the_keepalives_and_lock_timeout(
    pg: Database, name: str, value: str
) -> None:
    # The server drops a silent client after idle + interval × count = 25 s (a dead
    # sender's advisory lock with it). Over a Unix socket these would read 0: the test
    # server is reached over TCP, as workers reach theirs.
    assert await _show(pg, name) == value


async def test_the_sender_lock_connection_is_one_of_them(pg: Database) -> None:
    lock = pg.sender_lock()
    assert lock is not None
    assert await lock.check()
    try:
        assert lock._conn is not None
        shown = await lock._conn.exec_driver_sql("SHOW tcp_keepalives_idle")
        assert shown.scalar_one() == "10"
        await lock._conn.commit()
    finally:
        await lock.release()


async def test_connections_have_a_command_timeout_and_are_pinged_at_checkout(
    pg: Database,
) -> None:
    async with pg.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # asyncpg keeps it in the connection's (private) configuration; the connect
        # timeout is used up by then and kept nowhere
        assert driver._config.command_timeout == COMMAND_TIMEOUT
    assert pg.engine.pool._pre_ping


async def test_a_url_without_the_prepared_statement_cache_opens_and_works(
    shared_postgres: str,
) -> None:
    url = sa.make_url(shared_postgres).update_query_dict({"prepared_statement_cache_size": "0"})
    text = url.render_as_string(hide_password=False)
    assert database_url(text).query["prepared_statement_cache_size"] == "0"
    db = await Database.open(text)  # migrations run through it too
    try:
        await empty(db)
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            # SQLAlchemy's asyncpg adapter: no cache, every statement prepared afresh
            assert raw.dbapi_connection._prepared_statement_cache is None  # type: ignore[union-attr]
        for update_id in range(1, 4):  # the same statements again and again, uncached
            async with db.transaction() as uow:
                assert await uow.inbox.add(update_id, f'{{"update_id": {update_id}}}', NOW)
        async with db.transaction() as uow:
            assert [i for i, _ in await uow.inbox.pending()] == [1, 2, 3]
            assert not await uow.inbox.add(1, '{"update_id": 1}', NOW)  # stored once
    finally:
        await empty(db)
        await db.close()
