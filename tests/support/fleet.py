"""Several ``parley run --webhook`` workers on one database, fed the way Telegram feeds a bot
behind a load balancer (issue 13): each update is posted to one worker's webhook, and to the
next one when that worker does not answer. Used by tests/e2e/test_three_workers.py and
bench/scaleout.py; the Bot API they talk to is tests/support/fake_server.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa

from bot.domain.models import Sender
from bot.storage.sql import Database

TOKEN = "987654:ABCdefGhIJKlmNoPQRsTUVwxyZ-fleet"
WEBHOOK_SECRET = "fleet-webhook-secret-0123"
LINK_SECRET = "fleet-link-secret-0123456789"
API_TOKEN = "fleet-api-token-0123456789"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
ORDERS_HEADER = (
    "order_id,buyer_name,item_title,sku,quantity,unit_price,currency,paid_at,status,carrier,"
    "tracking_number,shipped_at,promised_delivery_by,delivered_at,buyer_country,buyer_language\n"
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parley() -> list[str]:
    """The ``parley`` console command of this interpreter's environment."""
    script = Path(sys.executable).parent / "parley"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def order_id(n: int) -> str:
    """The order of buyer ``n``."""
    return f"72000000000{n:05d}"


class Worker:
    """One ``parley run --webhook`` process; a restart reuses its folder and its port."""

    def __init__(
        self, folder: Path, api_url: str, database: Path | str, seller: int, **env: str
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.hook = f"{self.url}/tg/hook"
        self.env = {
            **os.environ,
            "PARLEY_BOT_TOKEN": TOKEN,
            "PARLEY_TELEGRAM_API": api_url,
            "PARLEY_SELLER_CHAT_IDS": str(seller),
            "PARLEY_DATABASE": str(database),
            "PARLEY_LINK_SECRET": LINK_SECRET,
            "PARLEY_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PARLEY_API_TOKEN": API_TOKEN,
            "PARLEY_API_PORT": str(self.port),
            "PARLEY_CONFIG": str(folder / "absent.toml"),
            "PARLEY_QUIET_HOURS": "off",  # follow-ups go out whatever the hour of the run
            "PARLEY_LOG_LEVEL": "WARNING",
            **env,
        }
        self.run: asyncio.subprocess.Process | None = None

    async def command(self, *args: str) -> str:
        """A one-shot ``parley`` subcommand in this worker's folder and settings."""
        proc = await asyncio.create_subprocess_exec(
            *parley(), *args, env=self.env, cwd=self.folder,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(err.decode())
        return out.decode().strip()

    async def start(self) -> None:
        """``parley run --webhook``, its output appended to ``run.log``."""
        with (self.folder / "run.log").open("a") as log:  # the child has its own descriptor
            self.run = await asyncio.create_subprocess_exec(
                *parley(), "run", "--webhook", self.hook, env=self.env, cwd=self.folder,
                stdout=log, stderr=log,
            )  # fmt: skip

    @property
    def alive(self) -> bool:
        """Started and not exited."""
        return self.run is not None and self.run.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind (its leases and connections just stop)."""
        assert self.run is not None
        self.run.send_signal(signal.SIGKILL)
        await self.run.wait()

    async def stop(self) -> int:
        """SIGTERM; the exit status."""
        assert self.run is not None
        self.run.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.run.wait(), 30)

    async def health(self, http: aiohttp.ClientSession) -> dict[str, Any] | None:
        """What ``/healthz`` says, or None while it does not answer 200."""
        try:
            async with http.get(f"{self.url}/healthz") as response:
                body: dict[str, Any] = await response.json()
                return body if response.status == 200 else None
        except aiohttp.ClientError:
            return None


class Fleet:
    """The workers of one bot; :meth:`post` is the load balancer in front of them."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self.refused = 0  # posts a worker did not take (dead, starting): tried on the next

    async def start(self) -> None:
        """Start every worker."""
        for worker in self.workers:
            await worker.start()

    async def up(self, http: aiohttp.ClientSession, sender: bool = True) -> list[dict[str, Any]]:
        """Wait until every worker answers ``/healthz`` (and, with ``sender``, one of them has
        been elected the sender); their answers."""
        for _ in range(1200):
            answers = [await w.health(http) for w in self.workers]
            ready = [a for a in answers if a is not None]
            if len(ready) == len(answers) and (not sender or any(a["sender"] for a in ready)):
                return ready
            await asyncio.sleep(0.05)
        raise AssertionError("the workers did not come up")

    async def post(
        self, http: aiohttp.ClientSession, path: str, body: Any, first: int, **headers: str
    ) -> int:
        """POST ``body`` to ``path`` on worker ``first`` (modulo their number), or on the next
        that takes it: a worker that is down, or answers anything but 2xx, is skipped like a
        load balancer would (Telegram would deliver the update again). The worker that took
        it."""
        for attempt in range(600):
            index = (first + attempt) % len(self.workers)
            worker = self.workers[index]
            try:
                async with http.post(f"{worker.url}{path}", json=body, headers=headers) as r:
                    if 200 <= r.status < 300:
                        return index
            except (TimeoutError, aiohttp.ClientError):
                pass
            self.refused += 1
            if attempt % len(self.workers) == len(self.workers) - 1:
                await asyncio.sleep(0.1)  # every worker refused: wait a little
        raise AssertionError(f"no worker took the post to {path}")

    async def update(self, http: aiohttp.ClientSession, update: dict[str, Any], first: int) -> int:
        """Deliver one Telegram update through the webhooks."""
        return await self.post(http, "/tg/hook", update, first, **HEADERS)

    def cleanup(self) -> None:
        """Kill whatever still runs (a failed test)."""
        for worker in self.workers:
            if worker.alive and worker.run is not None:
                worker.run.kill()


async def shop(worker: Worker, db: Database, buyers: int, first_chat: int) -> None:
    """``buyers`` paid orders (imported with ``parley orders import``: their follow-ups are
    planned), each linked to the chat of its own buyer, ``first_chat + n``."""
    paid = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    lines = [f"{order_id(n)},Buyer {n},Silk scarf,SC-{n},1,19.00,USD,{paid},paid,,,,,,US,en"
             for n in range(buyers)]  # fmt: skip
    (worker.folder / "orders.csv").write_text(ORDERS_HEADER + "\n".join(lines) + "\n")
    await worker.command("orders", "import", "orders.csv")
    now = datetime.now(UTC)
    async with db.transaction() as uow:  # the buyers opened their links
        for n in range(buyers):
            await uow.chats.remember(Sender(first_chat + n, f"Buyer {n}"), "buyer", now)
            await uow.orders.link(order_id(n), first_chat + n, now)


async def rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """Rows read outside the repositories (assertions and progress on stored rows)."""
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(sa.text(sql))).all()]


async def count(db: Database, sql: str) -> int:
    """One number read outside the repositories."""
    found = await rows(db, sql)
    return int(found[0][0] or 0)


async def until(condition: Any, what: str, timeout: float = 240.0) -> None:
    """Wait until the async ``condition()`` holds, or fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
