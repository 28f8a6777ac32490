"""A sale-day burst against the real ``parley run --webhook`` and a Bot API server that
enforces Telegram's limits (30 messages/s per bot, 1/s per chat; 429 above that).

Three measurements, printed as they finish:

1. **200 buyers at once.** 200 linked buyers post a complaint in the same moment: the time
   from each post to that buyer's first answer (p50 / p95 / max; target ≤ 30 s), and how
   many seller cards had arrived by then (they follow at the seller chat's 1 message/s).
2. **Behind 1,000 seller alerts.** 1,000 alerts are queued for the seller chat before
   start; then 50 buyers write: their acknowledgement latency (target ≤ 2 s).
3. **2,000 complaint messages from 200 buyers** (10 each, posted as fast as the webhook
   takes them): handling rate (updates handled per second, first stored → last handled;
   target ≥ 100/s), CPU per message of the Parley process (target ≤ 6 ms), 429 answers
   (target 0), database growth per 1,000 messages (target ≤ 2 MB), and the time SIGTERM
   takes with the backlog still queued (target ≤ 10 s).

Then, in-process over a real SQLite file: SQL statements and transactions per buyer
message (target ≤ 20 in ≤ 4, sending included), and how that changes by the 30th message
of one conversation (target: flat).

Usage: ``python bench/burst.py [--buyers 200] [--messages 10] [--alerts 1000] [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.offline.fake_api import FakeBotAPI, FloodControl
from bot.storage.sql import Database
from tests.support.fake_server import BotAPIServer, wait_until

TOKEN = "123456:BENCH-burst"
SECRET = "bench-webhook-secret-0123"
LINK_SECRET = "bench-link-secret-0123456789"
SELLER = 42
FIRST_CHAT = 20_000_000
COMPLAINTS = (
    "The parcel is very late, it was promised two weeks ago and still nothing",
    "where is my order?? tracking has not moved for days",
    "the shoes arrived damaged, the sole is torn",
    "I received the wrong colour, I ordered black",
    "please refund me, this is taking too long",
)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


async def build_db(path: Path, buyers: int, alerts: int = 0) -> None:
    """``buyers`` shipped, overdue orders, each linked to its own buyer chat, plus ``alerts``
    pending seller messages in the outbox (bulk SQL: this is the fixture)."""
    db = await Database.open(path)
    await db.close()
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            """INSERT INTO chats (chat_id, role, name, username, language_code, created_at,
               updated_at) VALUES (?, 'buyer', ?, '', 'en', ?, ?)""",
            ((FIRST_CHAT + c, f"Buyer {c}", _utc(now), _utc(now)) for c in range(buyers)),
        )
        conn.executemany(
            """INSERT INTO orders (order_id, buyer_name, item_title, sku, quantity, unit_price,
               currency, paid_at, status, carrier, tracking_number, shipped_at,
               promised_delivery_by, buyer_country, buyer_language, updated_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            ((f"8{n:015d}", f"Buyer {n}", "Cloth shoes", "CS-1", 1, "29.90", "USD",
              _utc(now - timedelta(days=40)), "shipped", "Cainiao", f"LP{n:014d}",
              _utc(now - timedelta(days=38)), _utc(now - timedelta(days=10)), "US", "en",
              _utc(now)) for n in range(buyers)),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO order_links VALUES (?,?,?)",
            ((f"8{n:015d}", FIRST_CHAT + n, _utc(now)) for n in range(buyers)),
        )
        conn.executemany(
            """INSERT INTO outbox (chat_id, text, status, created_at) VALUES (?,?,'pending',?)""",
            ((SELLER, f"Late parcel alert #{i}", _utc(now)) for i in range(alerts)),
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Shop:
    """A running ``parley run --webhook`` with its Bot API server and a clock of answers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fake = FakeBotAPI(username="burst_bench_bot")
        self.limits = FloodControl()
        self.fake.limits = self.limits
        self.server = BotAPIServer(self.fake, TOKEN)
        self.first_answer: dict[int, float] = {}
        self.seller_messages: list[float] = []
        self.process: asyncio.subprocess.Process | None = None
        self.port = _free_port()
        self.session: aiohttp.ClientSession | None = None

        def listen(event: str, data: dict[str, Any]) -> None:
            if event != "send":
                return
            chat = int(data["chat"]["id"])
            now = time.monotonic()
            if chat == SELLER:
                self.seller_messages.append(now)
            else:
                self.first_answer.setdefault(chat, now)

        self.fake.listeners.append(listen)

    async def start(self) -> None:
        url = await self.server.start()
        env = {
            **os.environ,
            "PARLEY_BOT_TOKEN": TOKEN, "PARLEY_TELEGRAM_API": url,
            "PARLEY_SELLER_CHAT_IDS": str(SELLER),
            "PARLEY_DATABASE": str(self.folder / "bench.sqlite3"),
            "PARLEY_LINK_SECRET": LINK_SECRET, "PARLEY_WEBHOOK_SECRET": SECRET,
            "PARLEY_API_HOST": "127.0.0.1", "PARLEY_API_PORT": str(self.port),
            "PARLEY_CONFIG": str(self.folder / "absent.toml"), "PARLEY_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        log = (self.folder / "run.log").open("a")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook",
            f"http://127.0.0.1:{self.port}/tg", env=env, stdout=log, stderr=log,
        )  # fmt: skip
        self.session = aiohttp.ClientSession()
        await wait_until(lambda: bool(self.fake.webhook), 60, "the webhook to be set")

    async def post(self, update: dict[str, Any]) -> None:
        assert self.session is not None
        for _ in range(50):
            async with self.session.post(
                f"http://127.0.0.1:{self.port}/tg", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as response:  # fmt: skip
                if response.status == 200:
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError("the webhook kept refusing an update")

    def says(self, chat: int, text: str) -> dict[str, Any]:
        update = self.fake.says(chat, text)
        self.fake.updates.clear()
        return update

    async def stop(self) -> float:
        """SIGTERM; returns how long the process took to exit."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        took = time.monotonic() - started
        if self.session is not None:
            await self.session.close()
        await self.server.stop()
        return took


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def at_once(folder: Path, buyers: int, alerts: int, label: str) -> None:
    await build_db(folder / "bench.sqlite3", buyers, alerts)
    shop = Shop(folder)
    await shop.start()
    try:
        if alerts:
            await wait_until(lambda: len(shop.seller_messages) >= 3, 60, "alerts to flow")
        chats = [FIRST_CHAT + n for n in range(buyers)]
        updates = {chat: shop.says(chat, COMPLAINTS[chat % len(COMPLAINTS)]) for chat in chats}
        posted: dict[int, float] = {}

        async def post(chat: int) -> None:
            posted[chat] = time.monotonic()
            await shop.post(updates[chat])

        started = time.monotonic()
        await asyncio.gather(*(post(chat) for chat in chats))
        await wait_until(lambda: all(c in shop.first_answer for c in chats), 300,
                         "every buyer's answer")  # fmt: skip
        latency = [shop.first_answer[c] - posted[c] for c in chats]
        done = max(shop.first_answer[c] for c in chats)
        cards = sum(1 for t in shop.seller_messages if started <= t <= done)
        print(f"{label}: {buyers} buyers' first answer after p50 {_pct(latency, 0.5):.2f} s, "
              f"p95 {_pct(latency, 0.95):.2f} s, max {max(latency):.2f} s; seller messages "
              f"meanwhile: {cards} (1/s per chat); 429 answers: {shop.limits.rejected}",
              flush=True)  # fmt: skip
    finally:
        took = await shop.stop()
    print(f"{label}: SIGTERM with the seller backlog still queued: exited in {took:.1f} s",
          flush=True)  # fmt: skip


async def throughput(folder: Path, buyers: int, per_buyer: int) -> None:
    path = folder / "bench.sqlite3"
    await build_db(path, buyers)
    shop = Shop(folder)
    await shop.start()
    assert shop.process is not None
    size_before = _db_size(path)
    total = buyers * per_buyer
    try:
        cpu_before = _cpu_seconds(shop.process.pid)
        updates = [shop.says(FIRST_CHAT + b, f"{COMPLAINTS[(b + i) % len(COMPLAINTS)]} ({i})")
                   for i in range(per_buyer) for b in range(buyers)]  # fmt: skip
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for update in updates:
            queue.put_nowait(update)

        async def poster() -> None:
            while not queue.empty():
                await shop.post(queue.get_nowait())

        await asyncio.gather(*(poster() for _ in range(8)))

        def handled() -> int:
            with sqlite3.connect(path) as conn:
                row = conn.execute("SELECT COUNT(*) FROM inbox WHERE status!='pending'").fetchone()
            return int(row[0])

        await wait_until(lambda: handled() >= total, 600, "every update handled")
        cpu = _cpu_seconds(shop.process.pid) - cpu_before
        with sqlite3.connect(path) as conn:
            first, last, failed = conn.execute(
                "SELECT MIN(received_at), MAX(handled_at), SUM(status='failed') FROM inbox"
            ).fetchone()
        span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
        print(f"throughput: {total} complaint messages from {buyers} buyers handled in "
              f"{span:.1f} s = {total / span:.0f} updates/s ({failed} failed); Parley CPU "
              f"{cpu * 1000 / total:.1f} ms per message (handling and the sending done "
              f"meanwhile); 429 answers: {shop.limits.rejected}", flush=True)  # fmt: skip
    finally:
        took = await shop.stop()
    grown = _db_size(path) - size_before
    print(f"throughput: SIGTERM with the backlog queued: exited in {took:.1f} s; database "
          f"grew {grown / 2**20:.2f} MB = {grown / 2**20 / total * 1000:.2f} MB per 1,000 "
          f"messages", flush=True)  # fmt: skip


def _db_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


async def sql_per_message(folder: Path, buyers: int, per_buyer: int) -> None:
    """Statements and transactions per buyer message, sending included: one buyer's messages
    one at a time (the worst case, and whether it grows with the conversation), then the
    burst workload with the relay running beside the handling, as in ``parley run``."""
    from bot.app import build_app
    from bot.services.clock import SystemClock
    from bot.settings import Settings
    from bot.telegram.offline_session import OfflineSession
    from bot.telegram.polling import raw_updates

    path = folder / "sql.sqlite3"
    await build_db(path, buyers)
    fake = FakeBotAPI()
    settings = Settings(bot_token=TOKEN, link_secret=LINK_SECRET, seller_chat_ids=[SELLER],
                        database=path)  # type: ignore[call-arg]  # fmt: skip
    app = await build_app(settings, clock=SystemClock(), session=OfflineSession(fake))
    statements: list[str] = []  # what the storage runs, and each transaction's BEGIN IMMEDIATE

    def trace(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", trace)
    serial: list[tuple[int, int]] = []
    offset: int | None = None
    for i in range(30):
        statements.clear()
        fake.says(FIRST_CHAT, f"{COMPLAINTS[i % len(COMPLAINTS)]} ({i})")
        offset = await app.poller.poll_once(offset)
        serial.append((len(statements), sum(s.startswith("BEGIN") for s in statements)))
    for b in range(1, buyers):
        for i in range(per_buyer):
            fake.says(FIRST_CHAT + b, f"{COMPLAINTS[(b + i) % len(COMPLAINTS)]} ({i})")
    total = (buyers - 1) * per_buyer
    statements.clear()
    stop = asyncio.Event()
    sender = asyncio.ensure_future(app.relay.run(stop))
    while fake.updates:
        stored, following = raw_updates(await app.poller.fetch(offset, 0))
        offset = following or offset
        await app.inbox.receive(stored)
        await app.poller.drain()
    for _ in range(600):
        async with app.db.transaction() as uow:
            left = await uow.outbox.due(datetime.now(UTC), 1)
        if not left and app.relay.busy_chats == 0:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await sender
    burst = (len(statements), sum(s.startswith("BEGIN") for s in statements))
    event.remove(app.db.engine.sync_engine, "before_cursor_execute", trace)
    await app.close()
    (n1, t1), (n10, t10), (n30, t30) = serial[0], serial[9], serial[29]
    print(
        f"SQL per buyer message, one at a time (handling + sending): 1st {n1} statements in "
        f"{t1} transactions, 10th {n10} in {t10}, 30th {n30} in {t30}",
        flush=True,
    )
    print(f"SQL per buyer message in the burst ({total} messages from {buyers - 1} buyers, "
          f"relay running beside): {burst[0] / total:.1f} statements in "
          f"{burst[1] / total:.2f} transactions", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="per buyer, part 3")
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="smaller figures, for CI smoke")
    parser.add_argument("--only", choices=("at_once", "alerts", "throughput", "sql"))
    args = parser.parse_args()
    if args.quick:
        args.buyers, args.messages, args.alerts = 30, 3, 60
    for step in (args.only,) if args.only else ("at_once", "alerts", "throughput", "sql"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if step == "at_once":
                asyncio.run(
                    at_once(
                        folder,
                        args.buyers,
                        0,
                        "200 buyers at once" if args.buyers == 200 else f"{args.buyers} buyers",
                    )
                )
            elif step == "alerts":
                asyncio.run(at_once(folder, max(10, args.buyers // 4), args.alerts,
                                    f"behind {args.alerts} seller alerts"))  # fmt: skip
            elif step == "throughput":
                asyncio.run(throughput(folder, args.buyers, args.messages))
            else:
                asyncio.run(sql_per_message(folder, args.buyers, args.messages))
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
