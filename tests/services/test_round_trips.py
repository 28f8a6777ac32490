"""Fewer round trips, same promises: the inbox handles what this process stored without
reading it back, and the running relay sends what a commit hands it without reading it back,
recording deliveries to several chats in one transaction (issue 13, bench/sql_per_message.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.services.inbox import InboxService
from bot.telegram.polling import raw_updates
from tests.conftest import BUYER, SELLER, World
from tests.support.fake_server import wait_until

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

COMPLAINT = "The price dropped right after I ordered, I want the difference back"


@pytest.fixture
async def running(world: World) -> AsyncIterator[World]:
    """A linked buyer, and the relay running as in ``parley run`` (rows handed over)."""
    await world.linked_buyer()
    stop = asyncio.Event()
    sender = asyncio.ensure_future(world.app.relay.run(stop))
    yield world
    stop.set()
    await sender


async def _says(world: World, text: str) -> None:
    """The buyer writes; Parley stores and handles it, and the relay delivers (no flush)."""
    world.fake.says(BUYER, text)
    stored, following = raw_updates(await world.app.poller.fetch(world.offset, 0))
    world.offset = following if following is not None else world.offset
    await world.app.inbox.receive(stored)
    await world.app.poller.drain()
    await world.app.relay.idle()


async def _nothing_pending(world: World) -> None:
    async with world.app.db.transaction() as uow:
        assert await uow.outbox.queue(BUYER) == []
        assert await uow.outbox.queue(SELLER) == []
        assert await uow.inbox.pending() == []


async def test_the_running_relay_sends_handed_over_rows_once_and_records_them(
    running: World,
) -> None:
    world = running
    buyer_before, seller_before = len(world.fake.texts(BUYER)), len(world.fake.texts(SELLER))
    await _says(world, COMPLAINT)
    assert len(world.fake.texts(BUYER)) == buyer_before + 1  # the acknowledgement
    assert "will reply shortly" in world.last(BUYER)
    assert len(world.fake.texts(SELLER)) == seller_before + 1  # the card
    card = world.last(SELLER)
    assert COMPLAINT in card
    await _nothing_pending(world)  # both deliveries recorded

    # The buyer writes again: the same card is edited (its message id known from the send).
    await _says(world, "hello? anyone there?")
    assert len(world.fake.texts(SELLER)) == seller_before + 1  # edited, not a new message
    assert "hello? anyone there?" in world.last(SELLER) and COMPLAINT in world.last(SELLER)
    await _nothing_pending(world)

    # Nothing is sent twice when the table is read again.
    assert await world.app.relay.flush() == 0
    assert len(world.fake.texts(BUYER)) == buyer_before + 1


async def test_an_edit_whose_target_this_process_does_not_know_reads_the_queue(
    running: World,
) -> None:
    world = running
    await _says(world, COMPLAINT)
    world.app.relay._targets.clear()  # as after a restart: the card was sent by another run
    await _says(world, "hello? anyone there?")
    assert "hello? anyone there?" in world.last(SELLER)
    await _nothing_pending(world)


async def test_the_inbox_handles_what_it_stored_and_what_an_earlier_run_left(
    world: World,
) -> None:
    handled: list[str] = []

    async def handle(payload: str) -> None:
        handled.append(payload)

    async with world.app.db.transaction() as uow:  # left pending by an earlier run
        assert await uow.inbox.add(1, '{"n": 1}', world.clock.now())
    inbox = InboxService(world.app.db, world.clock)
    assert await inbox.receive([(2, '{"n": 2}'), (2, '{"n": 2}')]) == 1  # stored once
    assert await inbox.process(handle) == 2
    assert handled == ['{"n": 1}', '{"n": 2}']  # the earlier run's first
    assert await inbox.receive([(2, '{"n": 2}'), (3, '{"n": 3}')]) == 1  # a repeat: not again
    assert await inbox.process(handle) == 1
    async with world.app.db.transaction() as uow:  # written by someone else: still found
        assert await uow.inbox.add(4, '{"n": 4}', world.clock.now())
    assert await inbox.process(handle) == 1
    assert handled == ['{"n": 1}', '{"n": 2}', '{"n": 3}', '{"n": 4}']
    async with world.app.db.transaction() as uow:
        assert await uow.inbox.pending() == []


async def test_a_worker_that_is_not_the_sender_queues_but_does_not_send(running: World) -> None:
    world = running
    relay = world.app.relay
    relay.role_changed(False)  # another worker holds the sender role
    before = len(world.fake.texts(BUYER))
    await _says(world, COMPLAINT)
    assert await relay.flush() == 0
    assert len(world.fake.texts(BUYER)) == before  # stored in the outbox, not sent
    relay.role_changed(True)  # the sender died and this worker was elected: it sends the rest
    await wait_until(lambda: len(world.fake.texts(BUYER)) == before + 1, 30, "the ack sent")
    await relay.idle()
    await _nothing_pending(world)
