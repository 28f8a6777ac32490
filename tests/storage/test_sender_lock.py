"""One sender among the workers on PostgreSQL (a session-level advisory lock); on SQLite the
one process is always the sender (issue 13)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.storage.sql import Database
from tests.support.tcp_proxy import StallingProxy


@pytest.fixture
async def other(sqldb: Database) -> AsyncIterator[Database]:
    """A second Database (another worker's) on the same database."""
    second = await Database.open(sqldb.engine.url.render_as_string(hide_password=False))
    yield second
    await second.close()


async def test_one_worker_holds_the_sender_role_and_another_takes_it_when_it_dies(
    sqldb: Database, other: Database
) -> None:
    if sqldb.dialect == "sqlite":
        assert sqldb.sender_lock() is None  # one process: always the sender
        return
    changes: list[tuple[str, bool]] = []
    a = sqldb.sender_lock(lambda held: changes.append(("a", held)))
    b = other.sender_lock(lambda held: changes.append(("b", held)))
    assert a is not None and b is not None
    assert await a.check() and await a.check()  # taken, then confirmed
    assert not await b.check()  # held by a
    await a._drop()  # a's process dies: its connection closes, the server frees the lock
    assert await b.check()
    assert changes == [("a", True), ("b", True)]
    await b.release()
    assert changes[-1] == ("b", False)


async def test_a_stopping_sender_gives_the_role_up(sqldb: Database, other: Database) -> None:
    if sqldb.dialect == "sqlite":
        return
    a, b = sqldb.sender_lock(), other.sender_lock()
    assert a is not None and b is not None
    taken = asyncio.Event()
    a.on_change = lambda held: taken.set()
    stop = asyncio.Event()
    running = asyncio.ensure_future(a.run(stop))
    await taken.wait()
    assert a.held and not await b.check()
    stop.set()
    await running
    assert not a.held and await b.check()
    await b.release()


async def test_the_new_sender_settles_first_and_gives_the_role_up_if_it_cannot(
    sqldb: Database, other: Database
) -> None:
    if sqldb.dialect == "sqlite":
        return
    a, b = sqldb.sender_lock(), other.sender_lock()
    assert a is not None and b is not None
    events: list[str] = []

    async def cannot() -> None:
        events.append("elected")
        raise ConnectionError("the database went away")

    a.on_change = lambda held: events.append(f"held={held}")
    a.on_elected = cannot
    assert not await a.check()  # taken, not settled: given up, not announced
    assert events == ["elected"] and not a.held
    assert await b.check()  # free for another worker
    await b.release()

    async def settles() -> None:
        events.append("settled")

    a.on_elected = settles
    assert await a.check() and await a.check()  # settled once, before it is announced
    assert events == ["elected", "settled", "held=True"]
    await a.release()


async def test_a_sender_whose_database_goes_silent_gives_the_role_up_within_a_period(
    sqldb: Database,
) -> None:
    if sqldb.dialect == "sqlite":
        return
    url = sqldb.engine.url
    assert url.host is not None and url.port is not None
    proxy = StallingProxy(url.host, url.port)
    port = await proxy.start()
    cut = await Database.open(url.set(port=port).render_as_string(hide_password=False))
    try:
        lock = cut.sender_lock()
        assert lock is not None
        lock.every = 1.0
        assert await lock.check()
        proxy.stall()  # the network dies: no error, no answer
        # the statement timeout (60 s) would keep it the sender far longer than this guard
        assert not await asyncio.wait_for(lock.check(), 20)
        assert not lock.held
    finally:
        await proxy.close()
        await cut.engine.dispose(close=False)  # its connections are dead: do not wait on them
