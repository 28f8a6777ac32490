"""An update a worker may not handle yet (an older update of its chat is another worker's) is
left pending through the real Dispatcher, not marked handled with nothing done (issue 13:
found by tests/e2e/test_three_workers.py, where buyers' messages went missing)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.services.inbox import InboxService
from tests.conftest import BUYER, World
from tests.support.fleet import count, rows

pytestmark = pytest.mark.engines

LEASE = timedelta(seconds=30)


async def test_an_update_behind_its_chats_older_one_waits_for_it_then_is_handled(
    world: World,
) -> None:
    await world.linked_buyer()
    app = world.app
    first = world.fake.says(BUYER, "The shoes arrived damaged, the sole is torn")
    second = world.fake.says(BUYER, "And the box was wet too")
    world.fake.updates.clear()  # posted to two webhooks instead
    a = InboxService(app.db, world.clock, worker="a", lease=LEASE)
    b = InboxService(app.db, world.clock, worker="b", lease=LEASE)
    await a.receive([(first["update_id"], json.dumps(first))])
    await b.receive([(second["update_id"], json.dumps(second))])

    assert await b.process(app.poller.handle) == 0  # the chat's older update is a's
    pending = "SELECT count(*) FROM inbox WHERE status = 'pending'"
    assert await count(app.db, pending) == 2
    assert await a.process(app.poller.handle) == 1
    assert await b.process(app.poller.handle) == 1
    assert await count(app.db, pending) == 0
    said = await rows(app.db, f"SELECT text FROM messages WHERE chat_id = {BUYER} AND "
                              "direction = 'in' ORDER BY id")  # fmt: skip
    assert [text for (text,) in said] == [first["message"]["text"], second["message"]["text"]]
