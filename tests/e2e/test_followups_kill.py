"""SIGKILL the real ``parley run`` during a burst of follow-ups; after a restart every
follow-up has reached its buyer exactly once.

The local Bot API server enforces Telegram's limits (429 with retry_after). Two kills:

1. *Inside* the Bot API call: the server stores message N, then kills Parley before
   answering — the crash between "Telegram has it" and "marked sent". After the restart the
   row is recognised as interrupted and not sent again: 40 buyers, 40 thank-yous, each once.
2. From outside, at an arbitrary moment of a second burst (``shipped`` events posted through
   the order API of the running process): nothing is ever sent twice, nothing stays pending,
   and a message can be missing only if it is the row the kill interrupted (at-most-once).
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.domain.models import Sender
from bot.offline.fake_api import FakeBotAPI, FloodControl
from bot.services.followup_runner import INTERRUPTED
from bot.storage.sql import Database
from tests.conftest import ORDERS_HEADER
from tests.e2e.test_parley_run import TOKEN, Process
from tests.support.fake_server import BotAPIServer, wait_until
from tests.support.fleet import free_port

BUYERS = 40
API_TOKEN = "e2e-api-token-0123456789"


class KillingServer(BotAPIServer):
    """A Bot API server that can SIGKILL Parley right after storing its Nth message."""

    def __init__(self, fake: FakeBotAPI, token: str) -> None:
        super().__init__(fake, token)
        self.sends = 0
        self.kill_at: int | None = None
        self.victim: asyncio.subprocess.Process | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if request.match_info["method"].lower() == "sendmessage" and response.status == 200:
            self.sends += 1
            if self.sends == self.kill_at and self.victim is not None:
                self.victim.send_signal(signal.SIGKILL)  # Telegram has it; Parley never hears
                await self.victim.wait()
        return response


def order_id(n: int) -> str:
    return f"71000000000{n:05d}"


def rows(db: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        found = conn.execute("SELECT order_id, rule, status, reason FROM followups").fetchall()
    return {(o, r): (s, why) for o, r, s, why in found}


def delivered(api: FakeBotAPI, words: str) -> Counter[str]:
    """How many messages containing ``words`` each order got."""
    counts: Counter[str] = Counter()
    for n in range(BUYERS):
        chat = 6_000_000 + n
        counts[order_id(n)] = sum(1 for t in api.texts(chat) if words in t and order_id(n) in t)
    return counts


async def prepare(folder: Path, parley: Process) -> None:
    paid = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    lines = [f"{order_id(n)},Buyer {n},Silk scarf,SC-{n},1,19.00,USD,{paid},paid,,,,,,,en"
             for n in range(BUYERS)]  # fmt: skip
    (folder / "orders.csv").write_text(ORDERS_HEADER + "\n".join(lines) + "\n")
    assert f"imported {BUYERS}" in await parley.command("orders", "import", "orders.csv")
    db = await Database.open(folder / "parley.sqlite3")  # the buyers opened their links
    async with db.transaction() as uow:
        for n in range(BUYERS):
            await uow.chats.remember(Sender(6_000_000 + n, f"Buyer {n}"), "buyer",
                                     datetime.now(UTC))  # fmt: skip
            await uow.orders.link(order_id(n), 6_000_000 + n, datetime.now(UTC))
    await db.close()


async def test_sigkill_during_a_burst_then_restart_sends_every_follow_up_once(
    tmp_path: Path,
) -> None:
    api = FakeBotAPI(username="shoe_store_bot")
    api.limits = FloodControl()
    server = KillingServer(api, TOKEN)
    url = await server.start()
    port = free_port()
    parley = Process(tmp_path, url)
    parley.env.update({"PARLEY_QUIET_HOURS": "off", "PARLEY_API_TOKEN": API_TOKEN,
                       "PARLEY_API_PORT": str(port)})  # fmt: skip
    db = tmp_path / "parley.sqlite3"
    try:
        await prepare(tmp_path, parley)
        assert len(rows(db)) == BUYERS * 2  # thank_you due now, ship_delay in 3 days

        # 1. killed inside the 15th Bot API call, after Telegram stored the message
        server.kill_at = 15
        await parley.start()
        assert parley.run is not None
        server.victim = parley.run
        assert await asyncio.wait_for(parley.run.wait(), 60) == -signal.SIGKILL
        assert server.sends == 15
        states = rows(db)
        assert Counter(s for (_, r), (s, _) in states.items() if r == "thank_you") == {
            "sent": 14, "sending": 1, "pending": BUYERS - 15}  # fmt: skip
        await parley.start()
        await wait_until(lambda: sum(delivered(api, "Thank you for your order").values())
                         >= BUYERS, timeout=60, what="all thank-yous")  # fmt: skip
        await wait_until(lambda: not any(s in ("pending", "sending") for (_, r), (s, _)
                                         in rows(db).items() if r == "thank_you"),
                         what="thank-you rows final")  # fmt: skip
        assert set(delivered(api, "Thank you for your order").values()) == {1}
        thanks = {o: v for (o, r), v in rows(db).items() if r == "thank_you"}
        assert Counter(s for s, _ in thanks.values()) == {"sent": BUYERS - 1, "failed": 1}
        assert [why for s, why in thanks.values() if s == "failed"] == [INTERRUPTED]

        # 2. a second burst through the order API, killed from outside at any moment
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            await wait_until_healthy(http)
            for n in range(BUYERS):
                body = {
                    "id": f"ship-{n}",
                    "type": "shipped",
                    "at": datetime.now(UTC).isoformat(),
                    "data": {"carrier": "YunExpress", "tracking_number": f"YT{n:08d}"},
                }
                async with http.post(
                    f"/api/orders/{order_id(n)}/events",
                    json=body,
                    headers={"Authorization": f"Bearer {API_TOKEN}"},
                ) as answer:
                    assert answer.status == 201, await answer.text()
        await wait_until(lambda: sum(delivered(api, "has shipped").values()) >= 10,
                         timeout=60, what="part of the second burst")  # fmt: skip
        parley.run.send_signal(signal.SIGKILL)
        await parley.run.wait()
        await parley.start()
        await wait_until(lambda: not any(s in ("pending", "sending") for (_, r), (s, _)
                                         in rows(db).items() if r == "shipped"),
                         timeout=60, what="shipped rows final")  # fmt: skip
        shipped = {o: v for (o, r), v in rows(db).items() if r == "shipped"}
        got = delivered(api, "has shipped")
        assert max(got.values()) == 1  # never twice
        for order, (status, why) in shipped.items():
            if status == "sent":
                assert got[order] == 1
            else:  # only the row in flight at the kill, if any
                assert (status, why) == ("failed", INTERRUPTED)
        assert sum(1 for s, _ in shipped.values() if s != "sent") <= 1
        assert await parley.stop() == 0
        print(f"\n429 answers: {api.limits.rejected}; min gap per chat: {api.limits.min_gap()}")
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()


async def wait_until_healthy(http: aiohttp.ClientSession) -> None:
    for _ in range(200):
        try:
            async with http.get("/healthz") as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the order API did not come up")
