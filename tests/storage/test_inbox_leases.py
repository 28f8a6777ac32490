"""Several workers on one database share the inbox (issue 13): every update is handled exactly
once, a dead worker's updates are taken over once their lease has expired, and the updates of
one chat are handled one at a time, oldest first, whichever worker stored them.

Each "worker" is an :class:`InboxService` on its own :class:`Database` (its own engine and
connections), both on the same database: a SQLite file, or the PostgreSQL test database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.clock import ManualClock
from bot.services.inbox import InboxService
from bot.storage.sql import Database
from tests.storage.conftest import scalar

NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def update(update_id: int, chat_id: int) -> tuple[int, str]:
    message = {"message_id": update_id, "chat": {"id": chat_id, "type": "private"}, "text": "hi"}
    return update_id, json.dumps({"update_id": update_id, "message": message})


@pytest.fixture
async def other(sqldb: Database) -> AsyncIterator[Database]:
    """A second Database (another worker's) on the same database."""
    second = await Database.open(sqldb.engine.url.render_as_string(hide_password=False))
    yield second
    await second.close()


class Worker:
    """An inbox worker whose handler records what it handled, in its own transaction."""

    def __init__(self, name: str, db: Database, log: list[tuple[str, int, int]]) -> None:
        self.name = name
        self.db = db
        self.clock = ManualClock(NOW)
        self.inbox = InboxService(db, self.clock, worker=name, lease=LEASE)
        self.log = log
        self.active: set[int] = set()

    async def handle(self, payload: str) -> None:
        data = json.loads(payload)
        chat = data["message"]["chat"]["id"]
        async with self.db.transaction():  # the update is taken as this begins
            assert chat not in ACTIVE, f"chat {chat} handled by two workers at once"
            ACTIVE.add(chat)
            try:
                await asyncio.sleep(0.001)  # let the other worker run meanwhile
                self.log.append((self.name, chat, data["update_id"]))
            finally:
                ACTIVE.discard(chat)

    async def process(self) -> int:
        return await self.inbox.process(self.handle)


ACTIVE: set[int] = set()


async def _pending(db: Database) -> int:
    return int(str(await scalar(db, "SELECT count(*) FROM inbox WHERE status = 'pending'")))


async def test_two_workers_handle_every_update_once_one_chat_at_a_time_in_order(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    chats = range(1, 11)
    # Each chat's updates arrive alternately at the two workers (webhooks behind a balancer).
    for n in range(1, 201):
        worker = a if n % 2 else b
        assert await worker.inbox.receive([update(n, chats[n % len(chats)])]) == 1
    rounds = 0
    while await _pending(sqldb):
        await asyncio.gather(a.process(), b.process())
        rounds += 1
        assert rounds < 200, "the workers stopped making progress"
    handled = [u for _, _, u in log]
    assert sorted(handled) == list(range(1, 201))  # every update exactly once
    for chat in chats:
        order = [u for _, c, u in log if c == chat]
        assert order == sorted(order), f"chat {chat} out of order: {order}"
    assert {w for w, _, _ in log} <= {"a", "b"}
    done = await scalar(sqldb, "SELECT count(*) FROM inbox WHERE status = 'done'")
    assert int(str(done)) == 200


async def test_a_dead_workers_update_is_taken_over_when_its_lease_expires(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await a.inbox.receive([update(1, 7)])  # a stores it (and holds its lease), then dies
    await b.inbox.receive([update(2, 7)])  # the same chat's next update reaches b
    await b.inbox.receive([update(3, 8)])  # another chat's is not held up
    assert await b.process() == 1
    assert log == [("b", 8, 3)]  # chat 7 waits for its oldest update, leased by a
    b.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert await b.process() == 2
    assert log[1:] == [("b", 7, 1), ("b", 7, 2)]  # taken over, in order
    assert await _pending(sqldb) == 0


async def test_a_slow_worker_does_not_handle_what_was_taken_over(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await a.inbox.receive([update(1, 7)])
    b.clock.advance(seconds=LEASE.total_seconds() + 1)  # a seems dead: b takes the update over
    assert await b.process() == 1
    assert await a.process() == 0  # a comes back: the update is not handled again
    assert log == [("b", 7, 1)]
    claimed = await scalar(sqldb, "SELECT claimed_by FROM inbox WHERE update_id = 1")
    assert claimed == "b"


async def test_a_stopping_worker_releases_what_it_had_not_handled(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await a.inbox.receive([update(1, 7), update(2, 8)])
    await a.inbox.release()  # SIGTERM: the rest stays pending, for anyone at once
    assert await b.process() == 2
    assert sorted(u for _, _, u in log) == [1, 2]


async def test_a_chats_updates_are_handled_in_update_id_order_whatever_order_they_arrive_in(
    sqldb: Database, other: Database
) -> None:
    log: list[tuple[str, int, int]] = []
    a, b = Worker("a", sqldb, log), Worker("b", other, log)
    await b.inbox.receive([update(6, 7)])  # two webhooks race: the later update is stored first
    await a.inbox.receive([update(5, 7)])
    assert await b.process() == 0  # update 5 of the same chat is still pending at a
    assert await a.process() == 1
    assert await b.process() == 1
    assert log == [("a", 7, 5), ("b", 7, 6)]
    await b.inbox.receive([update(9, 8)])  # one worker, out of order too
    await b.inbox.receive([update(8, 8)])
    assert await b.process() == 1  # 9 waits for 8, which its queue holds behind it
    assert await b.process() == 1  # then it is taken at the next pass
    assert log[2:] == [("b", 8, 8), ("b", 8, 9)]
