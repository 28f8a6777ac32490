"""Inbound handling rate with several workers (issue 13): 1, 2 and 3 ``parley run --webhook``
workers on one PostgreSQL database, and one SQLite process, on this machine, in one run.

Each run starts its workers on a fresh database holding ``--buyers`` linked buyers (shipped,
overdue orders), waits until they are up (on PostgreSQL: a sender elected), then posts
``--updates`` complaint messages (round by round over the buyers, so each buyer's messages
arrive in order) to the webhooks in turn, from 16 concurrent connections, as fast as they are
taken. The rate is updates / (last update handled − first post). Replies and seller cards are
sent meanwhile to a local Bot API server (no limits enforced; Parley paces itself).

CPU seconds over the same span come from /proc: each worker, the PostgreSQL cluster (its
postmaster and every backend; only when the cluster's folder is known) and this script (the
posting and the Bot API server). Against the machine's cores they say what bounds the rate.

PostgreSQL: ``PARLEY_TEST_POSTGRES`` (or ``--postgres URL``) names a server on which scratch
databases may be created (dropped after); ``PARLEY_TEST_POSTGRES_DIR`` its cluster folder, for
its CPU. Without either, a throwaway cluster is started with ``.ci/postgres.sh`` and stopped
at the end. Usage: ``python bench/scaleout.py [--updates 600] [--buyers 200] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.models import Order, OrderStatus, Sender
from bot.domain.money import Money
from bot.offline.fake_api import FakeBotAPI
from bot.storage.sql import Database, database_url
from tests.support.fake_server import BotAPIServer
from tests.support.fleet import TOKEN, Fleet, Worker, count, rows, until
from tests.support.postgres import admin

ROOT = Path(__file__).resolve().parent.parent
SELLER = 42
FIRST_CHAT = 30_000_000
POSTERS = 16
COMPLAINTS = (
    "The parcel is very late, it was promised two weeks ago and still nothing",
    "the shoes arrived damaged, the sole is torn",
    "I received the wrong colour, I ordered black",
    "please refund me, this is taking too long",
)
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


@dataclass
class Result:
    label: str
    workers: int
    updates: int
    seconds: float
    cpu_workers: float
    cpu_postgres: float | None
    cpu_bench: float
    machine_busy: float  # share of the machine's cores busy (any process) over the span

    @property
    def rate(self) -> float:
        return self.updates / self.seconds


def cpu(pid: int, children: bool = False) -> float:
    """CPU seconds a process used (with ``children``: also its reaped children's)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / TICK


def cluster_cpu(postmaster: int | None) -> float | None:
    """CPU seconds of a PostgreSQL cluster: its postmaster (with the backends that ended)
    and the live backends."""
    if postmaster is None:
        return None
    total = cpu(postmaster, children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def machine() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine since boot (/proc/stat), every process
    included: whether the cores were saturated, by this run or by anything else."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])
    return (total - idle) / TICK, total / TICK


def postmaster_of(folder: str) -> int | None:
    """The postmaster's pid of the cluster in ``folder`` (.ci/postgres.sh layout)."""
    try:
        return int((Path(folder) / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


async def seed(db: Database, buyers: int) -> None:
    """Linked buyers with shipped, overdue orders (no follow-up rows: nothing else to send)."""
    now = datetime.now(UTC)
    async with db.transaction() as uow:
        for n in range(buyers):
            order = Order(
                order_id=f"9{n:015d}", unit_price=Money(Decimal("29.90"), "USD"), quantity=1,
                paid_at=now - timedelta(days=40), status=OrderStatus.SHIPPED,
                buyer_name=f"Buyer {n}", item_title="Cloth shoes", sku="CS-1", carrier="Cainiao",
                tracking_number=f"LP{n:014d}", shipped_at=now - timedelta(days=38),
                promised_delivery_by=now - timedelta(days=10), buyer_country="US",
                buyer_language="en",
            )  # fmt: skip
            await uow.orders.upsert(order, now)
            await uow.chats.remember(Sender(FIRST_CHAT + n, f"Buyer {n}"), "buyer", now)
            await uow.orders.link(order.order_id, FIRST_CHAT + n, now)


async def measure(
    label: str, database: str, workers: int, args: argparse.Namespace, postmaster: int | None
) -> Result:
    """One run: ``workers`` processes on ``database`` (already migrated and seeded)."""
    api = FakeBotAPI(username="scaleout_bench_bot")
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    db = await Database.open(database)
    with tempfile.TemporaryDirectory() as tmp:
        fleet = Fleet([Worker(Path(tmp) / f"w{i}", url, database, SELLER)
                       for i in range(workers)])  # fmt: skip
        try:
            await seed(db, args.buyers)
            await fleet.start()
            async with aiohttp.ClientSession() as http:
                await fleet.up(http, sender=database.startswith("postgres"))
                updates = []
                for i in range(args.updates):
                    buyer = i % args.buyers
                    text = f"{COMPLAINTS[(buyer + i) % len(COMPLAINTS)]} ({i // args.buyers})"
                    updates.append(api.says(FIRST_CHAT + buyer, text))
                api.updates.clear()  # Telegram pushes them to the webhooks
                queue = list(enumerate(updates))[::-1]
                pids = [w.run.pid for w in fleet.workers if w.run is not None]
                before = ([cpu(p) for p in pids], cluster_cpu(postmaster), cpu(os.getpid()))
                host = machine()
                started = datetime.now(UTC)

                async def poster() -> None:
                    while queue:
                        i, update = queue.pop()
                        await fleet.update(http, update, i)

                await asyncio.gather(*(poster() for _ in range(POSTERS)))
                await until(lambda: _handled(db, args.updates), "every update handled", 900)
                after = ([cpu(p) for p in pids], cluster_cpu(postmaster), cpu(os.getpid()))
                busy, total = (b - a for a, b in zip(host, machine(), strict=True))
                last = (await rows(db, "SELECT max(handled_at) FROM inbox"))[0][0]
                failed = await count(db, "SELECT count(*) FROM inbox WHERE status <> 'done'")
            if failed:
                raise RuntimeError(f"{label}: {failed} updates not handled")
            seconds = (_aware(last) - started).total_seconds()
            pg = None if before[1] is None or after[1] is None else after[1] - before[1]
            return Result(label, workers, args.updates, seconds, sum(after[0]) - sum(before[0]),
                          pg, after[2] - before[2], busy / total)  # fmt: skip
        finally:
            for worker in fleet.workers:
                if worker.alive:
                    await worker.stop()
            fleet.cleanup()
            await db.close()
            await server.stop()


async def _handled(db: Database, total: int) -> bool:
    return await count(db, "SELECT count(*) FROM inbox WHERE status <> 'pending'") >= total


def _aware(value: Any) -> datetime:
    """``handled_at`` as stored: TIMESTAMPTZ on PostgreSQL, ISO text on SQLite."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def scratch(server: str) -> str:
    """A new, migrated PostgreSQL database on ``server``; its URL."""
    name = f"parley_scaleout_{uuid.uuid4().hex[:8]}"
    await admin(f'CREATE DATABASE "{name}"')
    url = database_url(server).set(database=name).render_as_string(hide_password=False)
    await (await Database.open(url)).close()  # opening migrates it
    return url


async def drop(url: str) -> None:
    name = database_url(url).database
    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(args: argparse.Namespace, server: str, postmaster: int | None) -> list[Result]:
    """Every configuration ``--repeat`` times, interleaved (a change in the machine's load
    hits them all alike); of each, the fastest run."""
    import tests.support.postgres as postgres

    postgres.POSTGRES = server  # admin() talks to this server
    best: dict[str, Result] = {}
    for _ in range(args.repeat):
        for workers in (1, 2, 3):
            url = await scratch(server)
            label = f"PostgreSQL, {workers} worker{'s' * (workers > 1)}"
            try:
                result = await measure(label, url, workers, args, postmaster)
            finally:
                await drop(url)
            print(_line(result), flush=True)
            if label not in best or result.rate > best[label].rate:
                best[label] = result
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "bench.sqlite3")
            await (await Database.open(path)).close()
            result = await measure("SQLite, 1 process", path, 1, args, None)
        print(_line(result), flush=True)
        if result.label not in best or result.rate > best[result.label].rate:
            best[result.label] = result
    if args.repeat > 1:
        print("\nfastest of each:")
        for result in best.values():
            print(_line(result))
    return list(best.values())


def _line(r: Result) -> str:
    pg = "—" if r.cpu_postgres is None else f"{r.cpu_postgres:.1f}"
    ours = (r.cpu_workers + (r.cpu_postgres or 0) + r.cpu_bench) / (r.seconds * CORES)
    return (
        f"{r.label:<22} {r.seconds:>7.1f} {r.rate:>7.1f} {r.cpu_workers:>8.1f} {pg:>6} "
        f"{r.cpu_bench:>6.1f} {ours:>7.0%} {r.machine_busy:>8.0%}"
    )


def report(results: list[Result]) -> None:
    """The ratios against the goals, and what bounds the rate."""
    one, _, three, lite = results
    print(f"\n3 workers / 1 worker: {three.rate / one.rate:.2f}× (goal ≥ 2×)")
    print(f"PostgreSQL 1 worker / SQLite: {one.rate / lite.rate:.2f}× (goal ≥ 0.5×)")
    for r in (one, three):
        busy = r.cpu_workers + (r.cpu_postgres or 0) + r.cpu_bench
        split = (
            f"workers {r.cpu_workers / busy:.0%}, PostgreSQL {r.cpu_postgres / busy:.0%}, "
            f"bench {r.cpu_bench / busy:.0%}"
            if r.cpu_postgres is not None
            else "PostgreSQL's share unknown: no cluster folder"
        )
        per = (r.cpu_workers + (r.cpu_postgres or 0)) / r.updates * 1000
        state = "saturated" if r.machine_busy > 0.9 else "not saturated"
        print(
            f"{r.label}: {per:.0f} ms of CPU per update (workers + PostgreSQL; {split}), so "
            f"{CORES} cores cap it at {CORES * 1000 / per:.0f} updates/s; "
            f"the machine's {CORES} cores were {r.machine_busy:.0%} busy ({state}), this run's "
            f"processes {busy / (r.seconds * CORES):.0%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--postgres", default=os.environ.get("PARLEY_TEST_POSTGRES", ""))
    args = parser.parse_args()
    server, folder, own = args.postgres, os.environ.get("PARLEY_TEST_POSTGRES_DIR", ""), False
    if not server:
        out = subprocess.run([str(ROOT / ".ci" / "postgres.sh"), "start"], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        found = dict(line.removeprefix("export ").split("=", 1)
                     for line in out.splitlines() if line.startswith("export "))  # fmt: skip
        server, folder, own = found["PARLEY_TEST_POSTGRES"], found["PARLEY_TEST_POSTGRES_DIR"], True
    try:
        print(
            f"{args.updates} updates from {args.buyers} buyers, {POSTERS} connections, {CORES} "
            "cores. CPU seconds over the measured span: the workers, PostgreSQL, this script "
            "(posting, Bot API); busy share of the cores: this run's processes, the machine"
        )
        print(f"{'run':<22} {'seconds':>7} {'upd/s':>7} {'CPU wrk':>8} {'CPU pg':>6} "
              f"{'bench':>6} {'ours':>7} {'machine':>8}")  # fmt: skip
        report(asyncio.run(run(args, server, postmaster_of(folder) if folder else None)))
    finally:
        if own:
            subprocess.run([str(ROOT / ".ci" / "postgres.sh"), "stop", folder], check=False,
                           capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
