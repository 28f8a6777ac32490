"""Two ``parley run --webhook`` workers on one PostgreSQL database (issue 13): updates posted to
either webhook are handled once, one worker is the sender (``/healthz``), and when it is killed
the other takes the sender role over and delivers what follows."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.offline.fake_api import FakeBotAPI
from bot.storage.sql import Database
from tests.conftest import SELLER
from tests.e2e.test_parley_run import TOKEN, Process
from tests.e2e.test_webhook_mode import SECRET
from tests.storage.conftest import scalar
from tests.support.fake_server import BotAPIServer, wait_until
from tests.support.fleet import free_port, until

pytestmark = pytest.mark.engines  # the PostgreSQL half runs; SQLite has one worker


class Worker:
    def __init__(self, folder: Path, api_url: str, database: str) -> None:
        folder.mkdir()
        self.port = free_port()
        self.hook = f"http://127.0.0.1:{self.port}/tg/hook"
        self.process = Process(folder, api_url, database)
        self.process.env.update(
            {"PARLEY_WEBHOOK_SECRET": SECRET, "PARLEY_API_PORT": str(self.port)}
        )
        self.health: dict[str, Any] = {}

    async def check(self, http: aiohttp.ClientSession) -> bool:
        """Refresh :attr:`health`; False while it does not answer."""
        try:
            async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                self.health = await response.json()
                return response.status == 200
        except aiohttp.ClientError:
            self.health = {}
            return False


async def test_two_workers_share_the_inbox_and_the_sender_fails_over(
    tmp_path: Path, database: Path | str
) -> None:
    if not str(database).startswith("postgres"):
        pytest.skip("several workers share a PostgreSQL database")
    api = FakeBotAPI(username="shoe_store_bot")
    api.user(SELLER, "Li", "en", "li_shoes")
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    workers = [Worker(tmp_path / name, url, str(database)) for name in ("a", "b")]
    db = await Database.open(str(database))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    def answers() -> int:
        return sum("seller console" in t for t in api.texts(SELLER))

    async def post(http: aiohttp.ClientSession, worker: Worker) -> None:
        update = api.says(SELLER, "/start")
        api.updates.clear()  # Telegram pushes it to a webhook
        for _ in range(2):  # delivered twice: stored and handled once
            async with http.post(worker.hook, data=json.dumps(update), headers=headers) as r:
                assert r.status == 200

    async def all_sent() -> bool:
        return await scalar(db, "SELECT count(*) FROM outbox WHERE status = 'pending'") == 0

    try:
        for worker in workers:
            await worker.process.start("--webhook", worker.hook)
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:  # up, and the election held (never two senders)
                up = all([await w.check(http) for w in workers])
                return up and any(w.health["sender"] for w in workers)

            await until(healthy, "both workers up and a sender elected")
            assert sorted(w.health["sender"] for w in workers) == [False, True]  # one sender
            sender = next(w for w in workers if w.health["sender"])
            other = next(w for w in workers if not w.health["sender"])

            await post(http, other)  # the other worker handles it, the sender sends
            await wait_until(lambda: answers() == 1, what="the first answer")
            await until(all_sent, "its delivery recorded")

            assert sender.process.run is not None
            sender.process.run.send_signal(signal.SIGKILL)  # the sender dies
            await sender.process.run.wait()

            async def elected() -> bool:
                return await other.check(http) and other.health["sender"] is True

            await until(elected, "the other worker elected")
            await post(http, other)
            await wait_until(lambda: answers() == 2, what="the second answer")
            await until(all_sent, "its delivery recorded")
        assert answers() == 2  # each update answered once
        handled = await scalar(db, "SELECT count(*) FROM inbox WHERE status = 'done'")
        assert handled == await scalar(db, "SELECT count(*) FROM inbox")
        assert await other.process.stop() == 0
    finally:
        for worker in workers:
            if worker.process.run and worker.process.run.returncode is None:
                worker.process.run.kill()
        await db.close()
        await server.stop()
