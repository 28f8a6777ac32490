"""Who settles the follow-ups a sender left ``sending`` (issue 13).

A follow-up is ``sending`` only while its sender is in the Bot API call; whether Telegram got
it is unknown, so it is marked failed and never sent again (at-most-once). With one process
(SQLite) the rows a crash left so are recovered at the next start. With several workers
(PostgreSQL) a worker that (re)starts must leave them alone — the live sender on another
worker is sending them right now — and the worker that is next elected settles them, before
it sends anything. Each "worker" is a whole :class:`App` on its own connections to the same
database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.loader import Content
from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.models import OutMessage
from bot.scheduling.jobs import Succession
from bot.services.followup_runner import INTERRUPTED
from tests.conftest import BUYER, World

pytestmark = pytest.mark.engines


@pytest.fixture
async def second(
    tmp_path: Path, content: Content, database: Path | str, world: World
) -> AsyncIterator[World]:
    """Another worker on the world's database (PostgreSQL: a second ``parley run``)."""
    folder = tmp_path / "second"
    folder.mkdir()
    other = World(folder, content, tuple(world.settings.seller_chat_ids), database=database)
    await other.start()
    yield other
    await other.app.close()


async def in_flight(world: World) -> FollowupRow:
    """Claim a follow-up the way the sender does right before the Bot API call."""
    await world.linked_buyer()
    async with world.app.db.transaction() as uow:
        row = (await uow.followups.due(world.clock.now() + timedelta(days=30)))[0]
        assert await uow.followups.mark_sending(row.id, BUYER, world.clock.now())
    return row


async def status(world: World, row: FollowupRow) -> tuple[RowStatus, str]:
    async with world.app.db.transaction() as uow:
        stored = await uow.followups.get(row.id)
    assert stored is not None
    return stored.status, stored.reason


async def test_one_process_recovers_what_it_left_sending_at_start(world: World) -> None:
    if world.app.db.dialect != "sqlite":
        pytest.skip("one process: SQLite (PostgreSQL recovers on election, below)")
    row = await in_flight(world)
    await world.restart()  # killed in the Bot API call, started again
    assert world.app.db.sender_lock() is None
    await Succession(world.app.relay, world.app.runner).begin(None)
    assert await status(world, row) == (RowStatus.FAILED, INTERRUPTED)
    assert world.app.relay.health.sender


async def test_a_starting_worker_leaves_the_live_senders_rows_and_the_next_sender_settles_them(
    world: World, second: World
) -> None:
    if world.app.db.dialect != "postgresql":
        pytest.skip("several workers share a PostgreSQL database")
    a, b = world.app.db.sender_lock(), second.app.db.sender_lock()
    assert a is not None and b is not None
    await Succession(world.app.relay, world.app.runner).begin(a)
    assert await a.check()  # the first worker is the sender
    row = await in_flight(world)  # ... and is in the Bot API call with this row
    async with world.app.db.transaction() as uow:  # a reply queued for the buyer, not sent
        await uow.outbox.add(OutMessage(BUYER, "Your parcel is on its way"), world.clock.now())

    await Succession(second.app.relay, second.app.runner).begin(b)  # the second (re)starts
    assert not await b.check() and not second.app.relay.health.sender
    assert await status(world, row) == (RowStatus.SENDING, "")  # the live sender's row

    await a._drop()  # the sender dies: its connection closes, the server frees the lock
    assert await b.check() and second.app.relay.health.sender
    assert await status(world, row) == (RowStatus.FAILED, INTERRUPTED)  # orphan: not re-sent
    await second.app.runner.run_due()
    assert await status(world, row) == (RowStatus.FAILED, INTERRUPTED)
    assert await second.app.relay.flush() == 1  # the outbox: the new sender delivers it
    assert second.fake.texts(BUYER)[-1] == "Your parcel is on its way"
    await b.release()


async def test_a_worker_that_is_not_the_sender_claims_no_follow_up(world: World) -> None:
    await world.linked_buyer()
    async with world.app.db.transaction() as uow:
        (row, *_) = await uow.followups.due(world.clock.now() + timedelta(days=30))
    assert row.due_at is not None
    world.clock.advance(seconds=(row.due_at - world.clock.now()).total_seconds() + 60)
    world.app.relay.role_changed(False)  # the role went to another worker
    assert (await world.app.runner.run_due()).handled == 0
    async with world.app.db.transaction() as uow:
        assert await uow.followups.get(row.id) == row  # untouched: the sender's to send
    world.app.relay.role_changed(True)
    assert (await world.app.runner.run_due()).handled >= 1
