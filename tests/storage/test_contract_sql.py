"""The SQL storage's contract on both engines (a SQLite file, a PostgreSQL server): schema and
migrations, transactions, orders, chats, the catalog, the inbox and the outbox — the behaviours
``test_repos.py`` checks on the aiosqlite storage, and every method of those repositories.
Conversations and drafts: ``test_contract_sql_drafts.py``; disputes, follow-ups, taught examples
and gauges: ``test_contract_sql_more.py``."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.domain.csvimport import parse_catalog, parse_orders
from bot.domain.errors import StorageUnavailable
from bot.domain.models import Button, OutMessage, Sender
from bot.domain.ports import HANDLING, UpdateClaim
from bot.storage.migrations import MIGRATIONS
from bot.storage.sql import Database, database_url, open_database
from bot.storage.sql.schema import head_version
from tests.conftest import CATALOG_CSV, ORDERS_CSV
from tests.storage.conftest import scalar

NOW = datetime(2026, 5, 1, tzinfo=UTC)
HEAD = "r0007"  # baseline (v6), inbox leases, satisfaction, Business, link attempts, team, names


# --- schema ---------------------------------------------------------------------------------
async def test_schema_is_versioned_and_reopens(sql_url: str) -> None:
    first = await open_database(sql_url)
    await first.close()
    second = await open_database(sql_url)
    try:
        assert await second.migrate() == head_version() == await second.version()
        assert await scalar(second, "SELECT version_num FROM alembic_version") == HEAD
        if second.dialect == "sqlite":
            assert await scalar(second, "PRAGMA journal_mode") == "wal"
            assert await scalar(second, "PRAGMA user_version") == len(MIGRATIONS)
            assert await scalar(second, "PRAGMA foreign_keys") == 1
    finally:
        await second.close()


# Rows exactly as the aiosqlite storage (deleted in issue 13, phase 2) wrote them for: the
# first order of ORDERS_CSV upserted and linked to chat 5, a conversation, an outbox message
# with one button, all at NOW (sqlite3 iterdump of such a file).
AIOSQLITE_ROWS = (
    "INSERT INTO conversations VALUES(1,5,'8175342209981234','open','none','en',"
    "'2026-05-01T00:00:00+00:00','2026-05-01T00:00:00+00:00',NULL,NULL,NULL,NULL)",
    "INSERT INTO order_links VALUES('8175342209981234',5,'2026-05-01T00:00:00+00:00')",
    "INSERT INTO orders VALUES('8175342209981234','Anna','Handmade cloth shoes','CS-BLK-38',1,"
    "'29.90','USD','2026-04-29T10:15:00+00:00','paid','','',NULL,'2026-05-25T00:00:00+00:00',"
    "NULL,'US','en','2026-05-01T00:00:00+00:00')",
    "INSERT INTO outbox VALUES(1,5,NULL,0,'hello','[[[\"a\", \"b\"]]]','pending',0,NULL,NULL,"
    "NULL,'2026-05-01T00:00:00+00:00',NULL,NULL,NULL)",
)


async def test_a_file_made_by_the_aiosqlite_storage_opens_with_all_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    with closing(sqlite3.connect(path)) as conn, conn:  # schema v6 and rows, as it made them
        for step in MIGRATIONS:
            conn.executescript(step)
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS)}")
        for statement in AIOSQLITE_ROWS:
            conn.execute(statement)
    order = parse_orders(ORDERS_CSV)[0]

    new = await open_database(f"sqlite:///{path}")  # stamped, not re-created
    async with new.transaction() as uow:
        assert await uow.orders.get(order.order_id) == order
        assert [o.order_id for o in await uow.orders.linked_to(5)] == [order.order_id]
        conversation = await uow.conversations.get(1)
        assert conversation is not None and conversation.order_id == order.order_id
        assert (conversation.chat_id, conversation.language, conversation.opened_at) == (
            5, "en", NOW
        )  # fmt: skip
        (row,) = await uow.outbox.due(NOW)
        assert row.message.buttons == ((Button("a", "b"),),)
        await uow.conversations.create(5, None, "en", NOW + timedelta(1))
    assert await scalar(new, "SELECT version_num FROM alembic_version") == HEAD  # then upgraded
    assert await scalar(new, "PRAGMA user_version") == len(MIGRATIONS)
    await new.close()

    again = await open_database(path)  # and it reopens as it is
    async with again.transaction() as uow:
        assert len(await uow.conversations.open_list()) == 2
    await again.close()


async def test_an_older_aiosqlite_file_gets_the_steps_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    with sqlite3.connect(path) as conn:
        for step in MIGRATIONS[:3]:
            conn.executescript(step)
        conn.execute("PRAGMA user_version=3")
    db = await open_database(path)
    async with db.transaction() as uow:
        assert await uow.learned.revision() == (0, 0)  # step 6's table
    assert await db.version() == head_version()
    await db.close()


async def test_a_newer_schema_is_refused(sql_url: str, tmp_path: Path) -> None:
    db = await open_database(sql_url)
    await db.execute_script("UPDATE alembic_version SET version_num='r9999'")
    with pytest.raises(RuntimeError, match="newer than this Parley"):
        await db.migrate()
    await db.close()
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this Parley"):
        await open_database(path)


def test_parley_database_selects_the_engine() -> None:
    assert database_url("parley.sqlite3").render_as_string() == "sqlite+aiosqlite:///parley.sqlite3"
    assert database_url(Path("/var/x.db")).database == "/var/x.db"
    assert database_url("sqlite:////var/x.db").database == "/var/x.db"
    assert database_url("sqlite:///rel/x.db").database == "rel/x.db"
    url = database_url("postgresql://u:p@db.local:6543/shop")
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+asyncpg", "db.local", 6543, "shop",
    )  # fmt: skip
    assert database_url("postgres://u@h/db").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError, match="neither"):
        database_url("mysql://u@h/db")


# --- transactions ---------------------------------------------------------------------------
async def test_failed_transaction_leaves_nothing(sqldb: Database) -> None:
    order = parse_orders(ORDERS_CSV)[0]
    with pytest.raises(RuntimeError):
        async with sqldb.transaction() as uow:
            await uow.orders.upsert(order, NOW)
            raise RuntimeError("boom")
    async with sqldb.transaction() as uow:
        assert await uow.orders.get(order.order_id) is None


async def test_the_update_being_handled_is_marked_done_in_the_first_commit(
    sqldb: Database,
) -> None:
    async with sqldb.transaction() as uow:
        assert await uow.inbox.add(1, '{"u": 1}', NOW)
        ((inbox_id, _),) = await uow.inbox.pending()
    claim = UpdateClaim(inbox_id, NOW, asyncio.current_task())
    token = HANDLING.set(claim)
    try:
        with pytest.raises(RuntimeError):
            async with sqldb.transaction():
                raise RuntimeError("rolled back: the claim is not taken")
        assert not claim.taken
        other = UpdateClaim(inbox_id, NOW, object())  # another task's claim is left alone
        HANDLING.set(other)
        async with sqldb.transaction() as uow:
            assert await uow.inbox.pending() == [(inbox_id, '{"u": 1}')]
        assert not other.taken
        HANDLING.set(claim)
        async with sqldb.transaction() as uow:
            await uow.chats.remember(Sender(5, "Anna"), "buyer", NOW)
        assert claim.taken
        async with sqldb.transaction() as uow:
            assert await uow.inbox.pending() == []
    finally:
        HANDLING.reset(token)
    assert await scalar(sqldb, f"SELECT status FROM inbox WHERE id={inbox_id}") == "done"


async def test_a_statement_error_is_a_bug_not_an_outage(sqldb: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        async with sqldb.transaction() as uow:  # order_links references orders
            await uow.orders.link("no such order", 5, NOW)
    async with sqldb.transaction() as uow:  # and the database works on
        assert await uow.orders.buyer_chat("no such order") is None


async def test_a_locked_database_is_unavailable_and_recovers(sqldb: Database) -> None:
    if sqldb.dialect == "sqlite":
        sqldb.busy_wait = 0.05  # another writer is waited for 50 ms, not 5 s
        path = sqldb.engine.url.database
        assert path is not None
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # another process writes
        with pytest.raises(StorageUnavailable):
            async with sqldb.transaction() as uow:
                await uow.inbox.add(1, "{}", NOW)
        locker.execute("ROLLBACK")
        locker.close()
    else:
        async with sqldb.engine.connect() as other:
            await other.exec_driver_sql("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StorageUnavailable):
                async with sqldb.transaction() as uow:
                    await uow.conn.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")
                    await uow.inbox.add(1, "{}", NOW)
            await other.rollback()
    async with sqldb.transaction() as uow:
        assert await uow.inbox.add(1, "{}", NOW)


async def test_waiting_for_another_writer_does_not_hold_up_the_loop(sqldb: Database) -> None:
    """SQLite statements run on the loop's thread; waiting for another process's write lock
    must not: other tasks run meanwhile (here, the one that lets the lock go)."""
    if sqldb.dialect != "sqlite":
        pytest.skip("PostgreSQL waits for locks on the server, never on the loop")
    path = sqldb.engine.url.database
    assert path is not None
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process writes
    seen_waiting: list[bool] = []

    async def write() -> None:
        async with sqldb.engine.connect() as conn:  # any transaction on the engine waits so
            await conn.execute(sa.text("SELECT count(*) FROM inbox"))
        async with sqldb.transaction() as uow:
            await uow.inbox.add(1, "{}", NOW)

    async def other_process_finishes(writing: asyncio.Task[None]) -> None:
        while not seen_waiting:
            await asyncio.sleep(0.01)  # runs only if the loop is free while `write` waits
            seen_waiting.append(not writing.done())
        locker.execute("ROLLBACK")

    writing = asyncio.ensure_future(write())
    await asyncio.gather(writing, other_process_finishes(writing))
    locker.close()
    assert seen_waiting == [True]
    async with sqldb.transaction() as uow:
        assert [payload for _, payload in await uow.inbox.pending()] == ["{}"]


async def test_a_full_disk_or_a_lost_connection_is_unavailable_and_recovers(
    sqldb: Database,
) -> None:
    if sqldb.dialect == "sqlite":
        pages = await scalar(sqldb, "PRAGMA page_count")
        await sqldb.execute_script(f"PRAGMA max_page_count={pages}")
        with pytest.raises(StorageUnavailable, match="full"):
            async with sqldb.transaction() as uow:
                for n in range(50):
                    await uow.inbox.add(n, "x" * 10_000, NOW)
        await sqldb.execute_script("PRAGMA max_page_count=1000000")
    else:
        # The server drops the connection of a unit of work in progress (an idle pooled one
        # would just be replaced: the pool pings connections as they are checked out).
        admin = create_async_engine(sqldb.engine.url, poolclass=NullPool)
        with pytest.raises(StorageUnavailable):
            async with sqldb.transaction() as uow:
                await uow.inbox.add(1, "{}", NOW)
                async with admin.begin() as conn:
                    await conn.exec_driver_sql(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
                        "pg_backend_pid() AND datname = current_database()"
                    )
                await uow.inbox.add(2, "{}", NOW)
        await admin.dispose()
    async with sqldb.transaction() as uow:
        assert await uow.inbox.add(1, "{}", NOW)


# --- orders, catalog, chats -----------------------------------------------------------------
async def test_upsert_is_idempotent_and_updates(sqldb: Database) -> None:
    orders = parse_orders(ORDERS_CSV)
    for _ in range(2):
        async with sqldb.transaction() as uow:
            for order in orders:
                await uow.orders.upsert(order, NOW)
            for item in parse_catalog(CATALOG_CSV):
                await uow.catalog.upsert(item, NOW)
    async with sqldb.transaction() as uow:
        stored = [await uow.orders.get(o.order_id) for o in orders]
        shoes = await uow.catalog.get("CS-BLK-38")
        assert await uow.catalog.get("nope") is None and await uow.orders.get("nope") is None
    assert stored == orders
    assert shoes == parse_catalog(CATALOG_CSV)[0]
    assert shoes is not None and str(shoes.price.amount) == "21.90"  # the exact decimal text
    moved = orders[1].__class__(**{**orders[1].__dict__, "tracking_number": "LP1"})
    async with sqldb.transaction() as uow:
        await uow.orders.upsert(moved, NOW)
        assert await uow.orders.get(moved.order_id) == moved


async def test_an_order_links_to_one_chat_only(sqldb: Database) -> None:
    first, second = parse_orders(ORDERS_CSV)
    async with sqldb.transaction() as uow:
        await uow.orders.upsert(first, NOW)
        await uow.orders.upsert(second, NOW)
        assert await uow.orders.link(first.order_id, 1, NOW) == 1
        assert await uow.orders.link(first.order_id, 2, NOW) == 1
        assert await uow.orders.link(second.order_id, 1, NOW + timedelta(hours=1)) == 1
        assert [o.order_id for o in await uow.orders.linked_to(1)] == [
            second.order_id, first.order_id,
        ]  # fmt: skip
        assert await uow.orders.linked_to(2) == []
        assert await uow.orders.buyer_chat(first.order_id) == 1
        assert await uow.orders.buyer_chat("nope") is None


async def test_chats_are_remembered_and_refreshed(sqldb: Database) -> None:
    big = -1001234567890123  # supergroup ids need 64 bits
    async with sqldb.transaction() as uow:
        await uow.chats.remember(Sender(5, "Anna", "anna", "en"), "buyer", NOW)
        await uow.chats.remember(Sender(big, "Team"), "seller", NOW)
        await uow.chats.remember(Sender(5, "Anna K", "annak", "ru"), "buyer", NOW)
        assert await uow.chats.get(5) == Sender(5, "Anna K", "annak", "ru")
        assert await uow.chats.get(big) == Sender(big, "Team")
        assert await uow.chats.get(6) is None
    with pytest.raises(sa.exc.IntegrityError):  # CHECK (role IN ('buyer', 'seller'))
        async with sqldb.transaction() as uow:
            await uow.chats.remember(Sender(7), "stranger", NOW)


# --- inbox ----------------------------------------------------------------------------------
async def test_inbox_stores_an_update_once(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        assert await uow.inbox.add(10, '{"a": 1}', NOW)
        assert not await uow.inbox.add(10, '{"a": 1}', NOW)  # repeated delivery
        assert await uow.inbox.add(10, '{"b": 2}', NOW)  # another update reusing the id
        assert await uow.inbox.add(11, '{"c": 3}', NOW)
        ((first, payload), (second, _), (third, _)) = await uow.inbox.pending()
        assert payload == '{"a": 1}' and first < second < third
        assert [i for i, _ in await uow.inbox.pending(limit=1)] == [first]
        await uow.inbox.finish(first, NOW)
        await uow.inbox.finish(second, NOW, error="boom")
        assert [i for i, _ in await uow.inbox.pending()] == [third]
    assert await scalar(sqldb, f"SELECT error FROM inbox WHERE id={second}") == "boom"
    assert await scalar(sqldb, f"SELECT status FROM inbox WHERE id={second}") == "failed"
    async with sqldb.transaction() as uow:
        assert (await uow.gauges.snapshot(NOW, frozenset())).inbox == {
            "done": 1, "failed": 1, "pending": 1,
        }  # fmt: skip


# --- team topics ----------------------------------------------------------------------------
async def test_topics_one_per_buyer_with_their_thread_name_and_state(sqldb: Database) -> None:
    group = -1001234567890
    async with sqldb.transaction() as uow:
        anna = await uow.topics.for_buyer(group, 5550001, NOW)
        assert await uow.topics.for_buyer(group, 5550001, NOW) == anna  # the same row
        boris = await uow.topics.for_buyer(group, 5550002, NOW)
        assert boris.chat_id != anna.chat_id and boris.chat_id < -(2**52) < 0
        assert (anna.thread_id, anna.closed, anna.name) == (None, False, None)
        assert await uow.topics.find(group, 5550003) is None
        assert await uow.topics.find(-100999, 5550001) is None  # another group
        await uow.topics.set_thread(anna.chat_id, 77, NOW)
        await uow.topics.set_name(anna.chat_id, "Anna · 8175342209981234", NOW)
        assert await uow.topics.set_closed(anna.chat_id, True, NOW)
        assert not await uow.topics.set_closed(anna.chat_id, True, NOW)  # already closed
    async with sqldb.transaction() as uow:
        got = await uow.topics.get(anna.chat_id)
        assert got is not None and got.buyer_chat_id == 5550001
        assert (got.thread_id, got.closed, got.name) == (77, True, "Anna · 8175342209981234")
        assert await uow.topics.by_thread(group, 77) == got
        assert await uow.topics.by_thread(group, 78) is None
        assert await uow.topics.get(5550001) is None  # a buyer's own chat id is no topic
        await uow.topics.set_thread(anna.chat_id, None, NOW)  # deleted by hand
        await uow.topics.set_name(anna.chat_id, None, NOW)
        gone = await uow.topics.find(group, 5550001)
        assert gone is not None and (gone.thread_id, gone.name) == (None, None)


# --- outbox ---------------------------------------------------------------------------------
async def test_outbox_edit_of_an_unsent_message_rewrites_it(sqldb: Database) -> None:
    button = ((Button("Send", "send:1"),),)
    async with sqldb.transaction() as uow:
        await uow.outbox.add(OutMessage(7, "card", button, ref="draft:1"), NOW)
        assert await uow.outbox.add(OutMessage(7, "card v2", (), "draft:1", edit=True), NOW) == 0
        (row,) = await uow.outbox.due(NOW)
        assert row.message.text == "card v2" and row.message.buttons == ()
        await uow.outbox.mark_sent(row.id, 42, NOW)
        assert await uow.outbox.sent_message_id(7, "draft:1") == 42
        assert await uow.outbox.sent_message_id(7, "draft:2") is None
        edit_id = await uow.outbox.add(OutMessage(7, "card v3", (), "draft:1", edit=True), NOW)
        assert edit_id > 0
        (queued,) = await uow.outbox.queue(7)
        assert queued.id == edit_id and queued.target == 42 and queued.message.edit
        await uow.outbox.retry_later(edit_id, NOW + timedelta(seconds=30), "429")
        assert await uow.outbox.due(NOW) == []
        (later,) = await uow.outbox.due(NOW + timedelta(seconds=31))
        assert later.id == edit_id and later.attempts == 1
        assert later.not_before == NOW + timedelta(seconds=30)


async def test_an_edit_sent_anew_is_what_later_edits_target(sqldb: Database) -> None:
    """A card someone deleted comes back as a new message: the edit row records that new
    message's id, and the next edit targets it; a row sent without an id (probably sent, or
    a finished card not brought back) moves nothing."""
    async with sqldb.transaction() as uow:
        first = await uow.outbox.add(OutMessage(7, "card", ref="draft:1"), NOW)
        await uow.outbox.mark_sent(first, 42, NOW)
        edit = await uow.outbox.add(OutMessage(7, "v2", ref="draft:1", edit=True), NOW)
        (queued,) = await uow.outbox.queue(7)
        assert queued.id == edit and queued.target == 42
        await uow.outbox.mark_sent(edit, 57, NOW, note="sent anew: the message was gone")
        assert await uow.outbox.sent_message_id(7, "draft:1") == 57
        again = await uow.outbox.add(OutMessage(7, "v3", ref="draft:1", edit=True), NOW)
        (queued,) = await uow.outbox.queue(7)
        assert queued.id == again and queued.target == 57
        await uow.outbox.mark_sent(again, None, NOW, note="not shown: the message was gone")
        last = await uow.outbox.add(OutMessage(7, "v4", ref="draft:1", edit=True), NOW)
        (queued,) = await uow.outbox.queue(7)
        assert queued.id == last and queued.target == 57
        assert await uow.outbox.sent_message_id(7, "draft:1") == 57
        assert await uow.outbox.sent_message_id(8, "draft:1") is None


async def test_outbox_queues_per_chat_in_order(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        a1 = await uow.outbox.add(OutMessage(1, "a1"), NOW)
        b1 = await uow.outbox.add(OutMessage(2, "b1"), NOW)
        a2 = await uow.outbox.add(OutMessage(1, "a2", copy_of=(9, 77)), NOW)
        c1 = await uow.outbox.add(OutMessage(-100, "team"), NOW)
        await uow.outbox.retry_later(b1, NOW + timedelta(minutes=1), "429")
        heads, retry = await uow.outbox.due_chats(NOW)
        assert sorted(heads) == [(-100, c1), (1, a1)] and retry == NOW + timedelta(minutes=1)
        assert [r.id for r in await uow.outbox.due(NOW)] == [a1, a2, c1]
        assert [r.id for r in await uow.outbox.due(NOW, limit=2)] == [a1, a2]
        queue = await uow.outbox.queue(1)
        assert [r.id for r in queue] == [a1, a2] and queue[1].message.copy_of == (9, 77)
        assert [r.id for r in await uow.outbox.queue(2)] == [b1]  # due or not
        assert [r.id for r in await uow.outbox.queue(1, limit=1)] == [a1]
        gauges = await uow.gauges.snapshot(NOW + timedelta(seconds=5), frozenset())
        assert gauges.outbox_depth == {"buyer": 3, "seller": 1}
        assert gauges.outbox_age == {"buyer": 5.0, "seller": 5.0}
        await uow.outbox.mark_sent(a1, 11, NOW, note="probably sent")
        await uow.outbox.mark_failed(a2, "blocked", NOW + timedelta(hours=1))
        assert await uow.outbox.queue(1) == []
        heads, retry = await uow.outbox.due_chats(NOW + timedelta(hours=2))
        assert sorted(heads) == [(-100, c1), (2, b1)] and retry is None
        assert await uow.outbox.prune(NOW + timedelta(minutes=30)) == 1  # a1 only
        assert await uow.outbox.prune(NOW + timedelta(days=1)) == 1  # then a2
        assert await uow.outbox.prune(NOW + timedelta(days=1)) == 0
        assert await uow.outbox.sent_message_id(1, "x") is None


async def test_outbox_keeps_photo_bytes_and_drops_bodies_once_sent(sqldb: Database) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    async with sqldb.transaction() as uow:
        photo = await uow.outbox.add(OutMessage(1, "caption", photo=png), NOW)
        await uow.outbox.add(OutMessage(1, "text"), NOW)
        rows = await uow.outbox.due(NOW)
        assert [r.message.photo for r in rows] == [png, None]
        await uow.outbox.mark_sent(photo, 5, NOW)
    assert await scalar(sqldb, f"SELECT photo FROM outbox WHERE id={photo}") is None
    assert await scalar(sqldb, f"SELECT text FROM outbox WHERE id={photo}") == ""


# --- concurrency ----------------------------------------------------------------------------
async def test_concurrent_units_of_work_never_both_win_a_compare_and_set(
    sqldb: Database,
) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        draft = await uow.drafts.create(conversation.id, "x", 1.0, "en", "hi", "r", (), NOW)
    from bot.domain.models import DraftStatus

    async def press(by: str) -> bool:
        async with sqldb.transaction() as uow:
            return await uow.drafts.decide(draft.id, DraftStatus.SENT, by, NOW)

    results = await asyncio.gather(*(press(f"seller {n}") for n in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_postgres_hands_out_due_work_to_one_transaction_at_a_time(
    sqldb: Database,
) -> None:
    if sqldb.dialect != "postgresql":
        pytest.skip("SQLite has one writer: transactions never overlap")
    async with sqldb.transaction() as uow:
        for n in range(3):
            await uow.inbox.add(n, f'{{"n": {n}}}', NOW)
            await uow.outbox.add(OutMessage(n, "hi"), NOW)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> tuple[int, int]:
        async with sqldb.transaction() as uow:
            taken = len(await uow.inbox.pending(limit=2)), len(await uow.outbox.due(NOW, 2))
            holding.set()
            await release.wait()
            return taken

    task = asyncio.create_task(first())
    await holding.wait()
    async with sqldb.transaction() as uow:  # rows the first transaction holds are skipped
        assert [i for i, _ in await uow.inbox.pending()] == [3]
        assert [r.message.chat_id for r in await uow.outbox.due(NOW)] == [2]
    release.set()
    assert await task == (2, 2)
