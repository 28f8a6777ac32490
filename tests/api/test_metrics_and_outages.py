"""Observability and degraded storage: ``/metrics``, an unparseable update, a full disk.

The full disk is real SQLite refusing to grow (``PRAGMA max_page_count`` capped at the
current size answers SQLITE_FULL exactly like a full file system), not a patched method.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import HttpApi, Webhook
from bot.content.loader import Content
from tests.conftest import BUYER, SELLER, World
from tests.support.fake_server import wait_until

TOKEN = "api-token-0123456789abcdef"
SECRET = "webhook-secret-0123456789"
COMPLAINT = "The price dropped right after I ordered, I want the difference back"


class Site:
    def __init__(self, world: World, client: TestClient[Any, Any]) -> None:
        self.world = world
        self.client = client
        self.ids = itertools.count(900_000)

    async def post_update(self, update: dict[str, Any]) -> int:
        response = await self.client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        return response.status


@pytest.fixture
async def site(tmp_path: Path, content: Content) -> AsyncIterator[Site]:
    world = World(tmp_path, content, (SELLER,))
    await world.start()
    app = world.app
    hook = Webhook("/tg/hook", SECRET, app.inbox, lambda: None)
    api = HttpApi(app.followups, TOKEN, hook, metrics=app.metrics, health=app.health)
    client = TestClient(TestServer(api.app()))
    await client.start_server()
    yield Site(world, client)
    await client.close()
    await world.app.close()


async def test_metrics_show_handling_sending_and_intents(site: Site) -> None:
    world = site.world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    refused = await site.client.get("/metrics")
    assert refused.status == 401
    response = await site.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'parley_updates_handled_total{result="ok"} 3.0' in text
    assert "parley_update_handling_seconds_bucket" in text
    assert 'parley_sends_total{result="sent"}' in text
    assert 'parley_outbox_depth{kind="buyer"} 0.0' in text
    assert 'parley_buyer_messages_total{intent="price_drop"} 1.0' in text
    assert 'parley_dependency_up{dependency="database"} 1.0' in text
    assert "parley_open_disputes 0.0" in text
    assert 'parley_followups{status="pending"}' not in text or "parley_followups" in text


async def test_an_update_aiogram_cannot_read_fails_alone_and_polling_goes_on(
    site: Site,
) -> None:
    world = site.world
    await world.linked_buyer()
    broken = {"update_id": 500, "message": {"message_id": 1, "date": 0, "text": "no chat"}}
    world.fake.updates.append(broken)
    await world.act(world.fake.says(BUYER, COMPLAINT))
    assert any("Buyer message" in t for t in world.fake.texts(SELLER))  # the next one went on
    async with world.app.db.transaction() as uow:
        result = await uow.conn.execute(
            sa.text("SELECT status, payload, error FROM inbox WHERE update_id=500")
        )
        row = result.mappings().first()
    assert row is not None and row["status"] == "failed"
    assert '"text":"no chat"' in row["payload"] and "ValidationError" in row["error"]
    await world.deliver()
    assert world.fake.updates == []  # confirmed with the rest: never fetched again


async def _disk_full(world: World, full: bool) -> None:
    async with world.app.db.transaction() as uow:
        row = (await uow.conn.exec_driver_sql("PRAGMA page_count")).first()
    assert row is not None
    pages = int(row[0]) if full else 1_000_000
    await world.app.db.execute_script(f"PRAGMA max_page_count={pages}")


async def test_a_full_disk_degrades_and_recovers_losing_and_doubling_nothing(
    site: Site,
) -> None:
    world = site.world
    await world.linked_buyer()
    before = len(world.fake.texts(SELLER))
    await _disk_full(world, True)
    long_text = COMPLAINT + " " + "really " * 2000  # needs new pages, which cannot be had
    update = world.fake.says(BUYER, long_text)
    world.fake.updates.clear()  # this one arrives by webhook
    assert await site.post_update(update) == 503  # Telegram will retry it
    health = await site.client.get("/healthz")
    assert health.status == 503 and (await health.json())["database"] == "down"
    assert await site.post_update(update) == 503  # a retry during the outage
    told = [t for t in world.fake.texts(SELLER) if "cannot write to its database" in t]
    assert len(told) == 1  # the sellers are told once, not at every retry
    await _disk_full(world, False)
    assert await site.post_update(update) == 200  # Telegram's next retry is stored
    assert await site.post_update(update) == 200  # a duplicate delivery changes nothing
    await world.app.poller.drain()
    await world.app.relay.flush()
    await world.app.health.ok(world.app.health.database)
    cards = [t for t in world.fake.texts(SELLER)[before:] if "Buyer message" in t]
    assert len(cards) == 1
    assert sum("The database works again" in t for t in world.fake.texts(SELLER)) == 1
    assert (await site.client.get("/healthz")).status == 200


async def test_a_delivery_the_database_could_not_record_is_not_sent_twice(site: Site) -> None:
    world = site.world
    await world.linked_buyer()
    world.app.db.busy_wait = 0.05  # another writer is waited for 50 ms, not 5 s
    locker = sqlite3.connect(world.settings.database, isolation_level=None)

    def lock_when_sent(event: str, message: dict[str, Any]) -> None:
        # Telegram accepted the message; now another process holds the database, so the
        # relay cannot record the delivery.
        if event == "send" and message["chat"]["id"] == BUYER and not locker.in_transaction:
            locker.execute("BEGIN EXCLUSIVE")

    world.fake.listeners.append(lock_when_sent)
    await world.act(world.fake.says(BUYER, COMPLAINT))  # handled, then the ack is sent
    acks = [t for t in world.fake.texts(BUYER) if "will reply shortly" in t]
    assert len(acks) == 1
    await world.app.relay.flush()  # still locked: nothing is sent again
    locker.execute("ROLLBACK")
    await world.app.relay.flush()  # recorded now, and still not sent again
    assert [t for t in world.fake.texts(BUYER) if "will reply shortly" in t] == acks
    async with world.app.db.transaction() as uow:
        assert await uow.outbox.due(world.clock.now()) == []
    locker.close()


async def test_polling_stops_confirming_while_the_disk_is_full_and_catches_up(
    site: Site,
) -> None:
    world = site.world
    await world.linked_buyer()
    poller = world.app.poller
    poller.polling_timeout = 0
    stop = asyncio.Event()
    await _disk_full(world, True)
    world.fake.says(BUYER, COMPLAINT + " " + "really " * 2000)
    running = asyncio.ensure_future(poller.run(stop))
    try:
        await wait_until(lambda: world.app.health.database.down, 10, "the outage noticed")
        await asyncio.sleep(0.3)  # a few more polls while full
        kept = [u for u in world.fake.updates if "really" in u["message"].get("text", "")]
        assert len(kept) == 1  # never confirmed: Telegram keeps it
        await _disk_full(world, False)
        await wait_until(lambda: not world.fake.updates, 20, "the update confirmed")
        await wait_until(lambda: not world.app.health.database.down, 20, "recovery noticed")
    finally:
        stop.set()
        await running
    await world.app.relay.flush()
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 1


async def test_healthz_says_whether_this_worker_is_the_sender(site: Site) -> None:
    assert (await (await site.client.get("/healthz")).json())["sender"] is True
    site.world.app.relay.role_changed(False)  # another worker was elected
    body = await (await site.client.get("/healthz")).json()
    assert body["sender"] is False and body["status"] == "ok"
