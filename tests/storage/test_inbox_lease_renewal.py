"""A worker renews the inbox leases of the updates waiting in its queue (issue 13): another
worker takes an update over only when its worker is gone, not because it waited in a queue
longer than the lease. Runs on SQLite and on PostgreSQL (workers as in test_inbox_leases)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.services.clock import ManualClock
from bot.services.inbox import InboxService
from bot.storage.sql import Database
from tests.storage.conftest import scalar
from tests.storage.test_inbox_leases import LEASE, NOW, Worker, update


@pytest.fixture
async def other(sqldb: Database) -> AsyncIterator[Database]:
    """A second Database (another worker's) on the same database."""
    second = await Database.open(sqldb.engine.url.render_as_string(hide_password=False))
    yield second
    await second.close()


def later(*workers: Worker, seconds: float) -> None:
    for worker in workers:
        worker.clock.advance(seconds=seconds)


async def test_renewed_leases_keep_another_worker_off_updates_that_merely_wait(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await a.inbox.receive([update(1, 7), update(2, 8)])  # queued at a, not handled yet
    for _ in range(3):  # a is alive and renews every third of the lease: 60 s of waiting
        later(a, b, seconds=LEASE.total_seconds() * 2 / 3)
        assert await a.inbox.renew() == 2
        assert await b.process() == 0  # b leaves them alone
    assert await a.process() == 2
    assert sorted(u for w, _, u in log if w == "a") == [1, 2]
    assert await a.inbox.renew() == 0  # handled: nothing left to renew


async def test_without_renewal_they_are_taken_over_and_renewal_then_gives_them_up(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await a.inbox.receive([update(1, 7), update(2, 8)])
    assert await a.inbox.renew() == 2
    later(a, b, seconds=LEASE.total_seconds() + 1)  # a stopped renewing (it looked dead)
    assert await b.process() == 2  # taken over
    assert await a.inbox.renew() == 0  # a's renewal does not take them back ...
    assert await a.process() == 0  # ... nor does it handle them again
    assert sorted(u for w, _, u in log) == [1, 2] and {w for w, _, _ in log} == {"b"}
    holders = await scalar(sqldb, "SELECT count(*) FROM inbox WHERE claimed_by = 'b'")
    assert int(str(holders)) == 2


async def test_renew_extends_only_the_workers_own_pending_leases(
    sqldb: Database, other: Database
) -> None:
    """The repository contract: ids another worker holds, or already handled, are left."""
    now = NOW
    async with sqldb.transaction() as uow:
        mine = await uow.inbox.add(1, update(1, 7)[1], now, "a", now + LEASE)
        theirs = await uow.inbox.add(2, update(2, 8)[1], now, "b", now + LEASE)
        done = await uow.inbox.add(3, update(3, 9)[1], now, "a", now + LEASE)
        assert await uow.inbox.take(done, now, "a")
    until = now + 3 * LEASE
    async with other.transaction() as uow:
        assert await uow.inbox.renew("a", [mine, theirs, done], until) == [mine]
        assert await uow.inbox.renew("a", [], until) == []
    async with sqldb.transaction() as uow:  # a's lease holds past the first expiry
        claimed = await uow.inbox.claim("b", now + 2 * LEASE, now + 3 * LEASE)
        assert [inbox_id for inbox_id, _ in claimed] == [theirs]
        claimed = await uow.inbox.claim("b", now + 4 * LEASE, now + 5 * LEASE)
    assert [inbox_id for inbox_id, _ in claimed] == [mine, theirs]


async def test_keep_leases_renews_until_stopped(sqldb: Database) -> None:
    clock = ManualClock(NOW)
    inbox = InboxService(sqldb, clock, worker="a", lease=timedelta(seconds=0.03))
    await inbox.receive([update(1, 7)])
    stop = asyncio.Event()
    keeper = asyncio.ensure_future(inbox.keep_leases(stop))
    clock.advance(seconds=60)  # the lease (30 ms) ran out long ago, unless renewed
    renewed = "SELECT count(*) FROM inbox WHERE lease_until > '2026-05-01 09:30:30'"
    for _ in range(500):  # renewed at the next turn (every 10 ms)
        if await scalar(sqldb, renewed) == 1:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the lease was not renewed")
    stop.set()
    await asyncio.wait_for(keeper, 5)
    single = InboxService(sqldb, clock)  # one process (no leases): nothing to keep
    await asyncio.wait_for(single.keep_leases(asyncio.Event()), 5)
