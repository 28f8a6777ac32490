"""Start-up with 100,000 pending follow-ups: pickup time, memory, and the due lookup's plan.

Builds a database where 100,000 follow-ups came due while Parley was down (100,000 paid
orders, each linked to a buyer chat, each with a pending thank-you), starts the real
``parley run`` against a local Bot API server and measures:

* process start → first follow-up delivered (start-up pickup), and its resident memory
  while it works through the backlog (target: < 3 s and < 200 MB);
* the due-work lookup: EXPLAIN QUERY PLAN (an index range scan on ``followups_due``) and its
  time with 1,000 / 10,000 / 100,000 pending rows (flat: it reads ``LIMIT`` rows, not all).

Usage: ``python bench/followups_startup.py [--count 100000] [--watch 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.dialects import sqlite

from bot.offline.fake_api import FakeBotAPI, FloodControl
from bot.storage.sql import Database
from bot.storage.sql.followups import due_query
from tests.support.fake_server import BotAPIServer, wait_until

TOKEN = "123456:BENCH-followups"
SELLER = 42
FIRST_CHAT = 10_000_000


def utc(value: datetime) -> str:
    """Fixed-width UTC text, as the storage writes follow-up times on SQLite."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def due_sql(now: datetime, limit: int = 200) -> str:
    """The runner's due-work lookup as SQLite SQL, with its values inlined."""
    compiled = due_query(now, limit).compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def build_db(path: Path, count: int, per_buyer: int = 1, due_spread_h: float = 6.0) -> None:
    """``count`` paid orders with a pending thank-you each, ``per_buyer`` orders per chat,
    due between ``due_spread_h`` hours ago and now (bulk SQL: this is the fixture)."""
    asyncio.run(_migrate(path))
    now = datetime.now(UTC)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        chats = (count + per_buyer - 1) // per_buyer
        conn.executemany(
            """INSERT INTO chats (chat_id, role, name, username, language_code, created_at,
               updated_at) VALUES (?, 'buyer', ?, '', 'en', ?, ?)""",
            ((FIRST_CHAT + c, f"Buyer {c}", utc(now), utc(now)) for c in range(chats)),
        )
        orders = []
        links = []
        rows = []
        for n in range(count):
            order_id = f"9{n:015d}"
            due = now - timedelta(hours=due_spread_h * (count - n) / count)
            orders.append((order_id, f"Buyer {n // per_buyer}", "Silk scarf", "SC-1", 1, "19.00",
                           "USD", utc(due), "paid", "", "en", utc(now)))  # fmt: skip
            links.append((order_id, FIRST_CHAT + n // per_buyer, utc(now)))
            rows.append((order_id, "thank_you", "pending", utc(due), utc(now), utc(now)))
        conn.executemany(
            """INSERT INTO orders (order_id, buyer_name, item_title, sku, quantity, unit_price,
               currency, paid_at, status, buyer_country, buyer_language, updated_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
            orders,
        )
        conn.executemany("INSERT INTO order_links VALUES (?,?,?)", links)
        conn.executemany(
            """INSERT INTO followups (order_id, rule, status, due_at, planned_at, updated_at)
               VALUES (?,?,?,?,?,?)""",
            rows,
        )
        conn.execute("ANALYZE")


async def _migrate(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


def query_plan(path: Path) -> str:
    """EXPLAIN QUERY PLAN of the runner's due-work lookup."""
    with sqlite3.connect(path) as conn:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {due_sql(datetime.now(UTC))}")
        return "; ".join(str(row[3]) for row in plan.fetchall())


def lookup_ms(path: Path, repeat: int = 200) -> float:
    """Median time of the due lookup (returning 200 rows), in milliseconds."""
    with sqlite3.connect(path) as conn:
        query = due_sql(datetime.now(UTC))
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            conn.execute(query).fetchall()
            times.append(time.perf_counter() - started)
    times.sort()
    return times[len(times) // 2] * 1000


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process in MB (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def parley_env(folder: Path, api_url: str, **extra: str) -> dict[str, str]:
    """Environment for ``parley run`` against the local Bot API server."""
    return {
        **os.environ,
        "PARLEY_BOT_TOKEN": TOKEN,
        "PARLEY_TELEGRAM_API": api_url,
        "PARLEY_SELLER_CHAT_IDS": "42",
        "PARLEY_LINK_SECRET": "bench-secret-0123456789",
        "PARLEY_DATABASE": str(folder / "bench.sqlite3"),
        "PARLEY_LOG_LEVEL": "WARNING",
        "PARLEY_QUIET_HOURS": "off",
        "PARLEY_CONFIG": str(folder / "absent.toml"),
        **extra,
    }


async def full_run(folder: Path, watch: float) -> dict[str, float]:
    """The real ``parley run``: process start → ready (a seller's /start answered) → first
    follow-up delivered, and its peak resident memory while it drains the backlog."""
    fake = FakeBotAPI()
    fake.limits = FloodControl()
    server = BotAPIServer(fake, TOKEN)
    url = await server.start()
    sent: list[float] = []
    ready: list[float] = []

    def listen(event: str, data: dict[str, object]) -> None:
        if event == "send":
            chat = data["chat"]["id"]  # type: ignore[index]
            (ready if chat == SELLER else sent).append(time.perf_counter())

    fake.listeners.append(listen)
    fake.says(SELLER, "/start")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=parley_env(folder, url), cwd=folder
    )
    try:
        await wait_until(lambda: bool(ready), timeout=60, what="ready")
        has_work = _pending(folder / "bench.sqlite3") > 0
        if has_work:
            await wait_until(lambda: bool(sent), timeout=60, what="first follow-up")
        peak = rss_mb(proc.pid)[1]
        deadline = time.perf_counter() + (watch if has_work else 0.0)
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
            peak = max(peak, rss_mb(proc.pid)[1])
        return {
            "ready": ready[0] - started,
            "first": (sent[0] - started) if sent else float("nan"),
            "peak_mb": peak,
            "sent": len(sent),
            "rate": (len(sent) - 1) / (sent[-1] - sent[0]) if len(sent) > 1 else 0.0,
            "rejected": fake.limits.rejected,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await server.stop()


def _pending(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM followups WHERE status='pending'")
                   .fetchone()[0])  # fmt: skip


async def pickup_child(path: Path, watch: float) -> None:
    """Child process: only the follow-up machinery (storage, planner, runner, limiter) with a
    Bot API stub; prints FIRST at the first send, then the figures after ``watch`` seconds."""
    from bot.content.paths import shipped_dir
    from bot.content.templates import TemplateRenderer
    from bot.domain.models import OutMessage
    from bot.services.clock import SystemClock
    from bot.services.followup_runner import FollowupRunner, RunnerConfig
    from bot.services.followups import FollowupPlanner
    from bot.services.ratelimit import RateLimitedNotifier, RateLimiter
    from bot.settings import Settings
    from bot.wiring import planning_config

    class Stub:
        def __init__(self) -> None:
            self.count = 0

        async def send(self, message: OutMessage) -> int:
            self.count += 1
            if self.count == 1:
                print("FIRST", flush=True)
            return self.count

        edit = send_photo = copy = send  # type: ignore[assignment]

    db = await Database.open(path)
    clock = SystemClock()
    planner = FollowupPlanner(db, clock, planning_config(Settings(quiet_hours="off")))
    stub = Stub()
    runner = FollowupRunner(
        db,
        clock,
        planner,
        TemplateRenderer(shipped_dir("replies")),
        RateLimitedNotifier(stub, RateLimiter()),
        RunnerConfig(),
    )  # type: ignore[arg-type]
    await runner.recover()
    task = asyncio.create_task(runner.run_due())
    await asyncio.sleep(watch)
    await runner.stop()
    await task
    await db.close()
    print(f"DONE {stub.count} {rss_mb(os.getpid())[1]:.1f}", flush=True)


async def pickup(path: Path, watch: float) -> tuple[float, float, int]:
    """(process start → first send seconds, peak RSS MB, sends) of :func:`pickup_child`."""
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--pickup-child",
        str(path),
        "--watch",
        str(watch),
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    first = float("nan")
    async for line in proc.stdout:
        words = line.decode().split()
        if words and words[0] == "FIRST":
            first = time.perf_counter() - started
        elif words and words[0] == "DONE":
            await proc.wait()
            return first, float(words[2]), int(words[1])
    raise RuntimeError("the pickup child died")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="pending follow-ups")
    parser.add_argument("--watch", type=float, default=10.0, help="seconds to watch memory")
    parser.add_argument("--pickup-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pickup_child:
        asyncio.run(pickup_child(args.pickup_child, args.watch))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in sorted({1_000, 10_000, args.count}):
            path = folder / f"lookup-{size}.sqlite3"
            build_db(path, size)
            print(f"due lookup with {size:>7,} pending rows: {lookup_ms(path):.3f} ms (median)")
        print(f"query plan: {query_plan(folder / f'lookup-{args.count}.sqlite3')}")
        started = time.perf_counter()
        build_db(folder / "pickup.sqlite3", args.count)
        print(f"built {args.count:,} pending follow-ups in {time.perf_counter() - started:.1f} s")
        first, peak, sent = asyncio.run(pickup(folder / "pickup.sqlite3", args.watch))
        print(f"follow-up pickup ({args.count:,} pending, storage + planner + runner + limiter, "
              f"Bot API stubbed): process start → first send {first:.2f} s; peak RSS "
              f"{peak:.0f} MB; {sent} sent in {args.watch:.0f} s")  # fmt: skip
        base = folder / "base"
        base.mkdir()
        build_db(base / "bench.sqlite3", 0)
        empty = asyncio.run(full_run(base, args.watch))
        build_db(folder / "bench.sqlite3", args.count)
        full = asyncio.run(full_run(folder, args.watch))
        left = _pending(folder / "bench.sqlite3")
    print(
        f"parley run, no follow-ups:      ready {empty['ready']:.2f} s; peak RSS "
        f"{empty['peak_mb']:.0f} MB (the baseline: aiogram + pydantic alone are ~150 MB)"
    )
    print(
        f"parley run, {args.count:,} pending: ready {full['ready']:.2f} s, first follow-up "
        f"delivered {full['first']:.2f} s after process start; peak RSS "
        f"{full['peak_mb']:.0f} MB over {args.watch:.0f} s of draining "
        f"(+{full['peak_mb'] - empty['peak_mb']:.0f} MB); {int(full['sent'])} sent at "
        f"{full['rate']:.1f}/s; 429 answers: {int(full['rejected'])}; still pending: {left:,}"
    )


if __name__ == "__main__":
    main()
