"""SQL statements and transactions per buyer message, on SQLite and on PostgreSQL.

Issue 13's target: a buyer message costs ≤ 15 SQL statements in ≤ 3 transactions on either
engine. This counts them with SQLAlchemy's engine events (``before_cursor_execute`` for
statements, ``begin``/``commit``/``rollback`` for transactions) while one linked buyer's
messages arrive one at a time through the real Dispatcher, with the in-memory Bot API (the
tests' World: real storage, real services, real aiogram routing). Each message is split in
the three steps ``parley run`` takes:

* **store** — the update is written to the inbox (the webhook's or the poller's step);
* **handle** — the Dispatcher handles it (claim, conversation, classification, drafts, cards);
* **send** — the relay delivers what the handling queued (buyer reply, seller card).

The relay runs as in ``parley run`` (``OutboxRelay.run``): the rows a commit queued are handed
to it (``Database.on_queued``). Here they are handed over right after the handling step rather
than the moment it commits, so that each statement is counted in its step; the work is the
same. The relay's own look at the whole table (at start, every 10 s, when woken) is not per
message and is not counted.

Statements are what the storage runs; the transaction-control statements (``BEGIN
IMMEDIATE``/``COMMIT`` on SQLite, which SQLAlchemy's events see as statements there) are not
counted as statements but as transactions. The seller's ``/start`` and the buyer's deep link
come first and are not counted.

PostgreSQL runs when ``PARLEY_TEST_POSTGRES`` (or ``--postgres URL``) names a server on which
a scratch database may be created (dropped after); ``eval "$(.ci/postgres.sh start)"`` starts
one. Usage: ``python bench/sql_per_message.py [--postgres URL]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.settings import Settings
from bot.storage.sql import database_url
from bot.telegram.polling import raw_updates
from bot.wiring import load_content
from tests.conftest import BUYER, SELLER, World
from tests.support.postgres import admin

TARGET_STATEMENTS, TARGET_TRANSACTIONS = 15, 3
MESSAGES = (
    "Hi! I bought the cloth shoes 2 days ago for $29.90 and now they cost $21.90. That's not fair!",
    "hello?",
    "where is my order? it has not shipped yet",
    "can I change the size to 39?",
    "The price dropped right after I ordered, I want the difference back",
    "thanks",
    "is there a size chart?",
    "I want to cancel",
    "ok",
    "when will it arrive?",
)
STEPS = ("store", "handle", "send")


@dataclass
class Counter:
    """Statements and transactions seen on one engine since the last :meth:`take`."""

    statements: int = 0
    transactions: int = 0
    sql: list[str] = field(default_factory=list)

    def attach(self, sync_engine: Any) -> None:
        event.listen(sync_engine, "before_cursor_execute", self._statement)
        event.listen(sync_engine, "begin", self._begin)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head in ("BEGIN", "COMMIT", "ROLLBACK"):
            return  # SQLite's explicit transaction control: counted as a transaction
        self.statements += 1
        self.sql.append(" ".join(statement.split())[:150])

    def _begin(self, conn: Any) -> None:
        self.transactions += 1

    def take(self) -> tuple[int, int]:
        taken = (self.statements, self.transactions)
        self.statements = self.transactions = 0
        self.sql.clear()
        return taken


async def measure(database: Path | str, folder: Path, verbose: bool) -> list[dict[str, Any]]:
    """One row per buyer message: (statements, transactions) per step and in total."""
    world = World(folder, load_content(Settings()), (SELLER,), database=database)
    await world.start()
    try:
        await world.linked_buyer()
        counter = Counter()
        counter.attach(world.app.db.engine.sync_engine)
        poller, relay, db = world.app.poller, world.app.relay, world.app.db
        stop = asyncio.Event()
        sender = asyncio.ensure_future(relay.run(stop))  # as in parley run: rows are handed
        await asyncio.sleep(0.1)  # over as committed; its first look at the table is done
        handed: list[Any] = []
        rows = []
        for text in MESSAGES:
            world.fake.says(BUYER, text)
            counter.take()
            stored, following = raw_updates(await poller.fetch(world.offset, 0))
            world.offset = following if following is not None else world.offset
            await world.app.inbox.receive(stored)
            store_sql = list(counter.sql)
            store = counter.take()
            db.on_queued = handed.extend  # held for the split: sent right after handling
            await poller.drain()
            db.on_queued = relay.offer
            handle_sql = list(counter.sql)
            handle = counter.take()
            relay.offer(handed)
            handed.clear()
            await relay.idle()
            send_sql = list(counter.sql)
            send = counter.take()
            total = (store[0] + handle[0] + send[0], store[1] + handle[1] + send[1])
            rows.append({"text": text, "store": store, "handle": handle, "send": send,
                         "total": total})  # fmt: skip
            if verbose:
                print(f"  -- {text[:40]!r}", *(f"{step:>6} {sql}" for step, statements in
                      zip(STEPS, (store_sql, handle_sql, send_sql), strict=True)
                      for sql in statements), sep="\n     ")  # fmt: skip
        stop.set()
        await sender
        return rows
    finally:
        await world.app.close()


def report(engine: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{engine}: per buyer message, one at a time "
          "(statements/transactions: store + handle + send = total)")  # fmt: skip
    for n, row in enumerate(rows, 1):
        steps = "  ".join(f"{s} {row[s][0]:>2}/{row[s][1]}" for s in STEPS)
        total = row["total"]
        mark = "ok" if total[0] <= TARGET_STATEMENTS and total[1] <= TARGET_TRANSACTIONS else "over"
        print(f"  {n:>2}. {row['text'][:34]:<34}  {steps}  = {total[0]:>2} in {total[1]}  {mark}")
    totals = [r["total"] for r in rows]
    median = (statistics.median(t[0] for t in totals), statistics.median(t[1] for t in totals))
    worst = max(totals)
    handle = [r["handle"] for r in rows]
    print(f"  median {median[0]:g} statements in {median[1]:g} transactions; worst {worst[0]} "
          f"in {worst[1]}; handling alone median {statistics.median(h[0] for h in handle):g} "
          f"in {statistics.median(h[1] for h in handle):g}; target ≤ {TARGET_STATEMENTS} in "
          f"≤ {TARGET_TRANSACTIONS}: {'met' if worst[0] <= TARGET_STATEMENTS and worst[1] <= TARGET_TRANSACTIONS else 'not met'}")  # noqa: E501  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("PARLEY_TEST_POSTGRES", ""),
                        help="a PostgreSQL server URL (default: PARLEY_TEST_POSTGRES)")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="print the handling statements")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        report("sqlite", await measure(folder / "bench.sqlite3", folder, args.verbose))
        if not args.postgres:
            print("\npostgresql: skipped (set PARLEY_TEST_POSTGRES or --postgres URL; "
                  'eval "$(.ci/postgres.sh start)" starts a throwaway server)')  # fmt: skip
            return
        os.environ["PARLEY_TEST_POSTGRES"] = args.postgres  # tests.support.postgres.admin
        name = f"parley_bench_{uuid.uuid4().hex[:8]}"
        await _admin(args.postgres, f'CREATE DATABASE "{name}"')
        try:
            url = database_url(args.postgres).set(database=name)
            rows = await measure(url.render_as_string(hide_password=False), folder, args.verbose)
            report("postgresql", rows)
        finally:
            await _admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(server: str, sql: str) -> None:
    import tests.support.postgres as postgres

    postgres.POSTGRES = server
    await admin(sql)


if __name__ == "__main__":
    asyncio.run(main())
