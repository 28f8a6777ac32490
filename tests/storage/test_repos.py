"""Storage contract on a real SQLite file: migrations, upserts, idempotency, transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiosqlite
import pytest

from bot.domain.csvimport import parse_catalog, parse_orders
from bot.domain.models import Button, DraftStatus, Option, OutMessage, Sender
from bot.domain.money import Money
from bot.storage.migrations import MIGRATIONS
from bot.storage.sql import Database
from bot.storage.sql.schema import head_version
from tests.conftest import CATALOG_CSV, ORDERS_CSV

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3")
    yield database
    await database.close()


async def test_schema_is_versioned_wal_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    first = await Database.open(path)
    await first.close()
    second = await Database.open(path)
    assert await second.migrate() == head_version()  # the baseline is v6, each revision +1
    await second.close()
    async with aiosqlite.connect(path) as conn:
        mode = await (await conn.execute("PRAGMA journal_mode")).fetchone()
        version = await (await conn.execute("PRAGMA user_version")).fetchone()
    assert mode is not None and mode[0] == "wal"
    assert version is not None and version[0] == len(MIGRATIONS)


async def test_upsert_is_idempotent_and_updates(db: Database) -> None:
    orders = parse_orders(ORDERS_CSV)
    for _ in range(2):
        async with db.transaction() as uow:
            for order in orders:
                await uow.orders.upsert(order, NOW)
            for item in parse_catalog(CATALOG_CSV):
                await uow.catalog.upsert(item, NOW)
    async with db.transaction() as uow:
        stored = await uow.orders.get(orders[0].order_id)
        found = await uow.catalog.get("CS-BLK-38")
    assert stored == orders[0]
    assert found is not None and found.price == Money(found.price.amount, "USD")


async def test_an_order_links_to_one_chat_only(db: Database) -> None:
    order = parse_orders(ORDERS_CSV)[0]
    async with db.transaction() as uow:
        await uow.orders.upsert(order, NOW)
        assert await uow.orders.link(order.order_id, 1, NOW) == 1
        assert await uow.orders.link(order.order_id, 2, NOW) == 1
        assert [o.order_id for o in await uow.orders.linked_to(1)] == [order.order_id]
        assert await uow.orders.linked_to(2) == []


async def test_draft_decisions_and_choices_happen_once(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.chats.remember(Sender(5, "Anna"), "buyer", NOW)
        conversation = await uow.conversations.create(5, None, "en", NOW)
        refund = Option("refund_difference", Money(Decimal(8), "USD"))
        options = (refund, Option("keep_order", None, False))
        draft = await uow.drafts.create(conversation.id, "price_drop", 0.9, "en", "hi", "reply",
                                        options, NOW)  # fmt: skip
        assert draft.options == options
        assert await uow.drafts.decide(draft.id, DraftStatus.SENT, "Li", NOW)
        assert not await uow.drafts.decide(draft.id, DraftStatus.DISMISSED, "Wang", NOW)
        assert await uow.drafts.choose(draft.id, 0, 5, True, NOW)
        assert not await uow.drafts.choose(draft.id, 1, 5, False, NOW)
        choice = await uow.drafts.choice_for(draft.id)
        assert choice is not None and choice.option == options[0] and not choice.action_done
        assert await uow.drafts.complete(choice.id, "Li", NOW)
        assert not await uow.drafts.complete(choice.id, "Li", NOW)


async def test_inbox_stores_an_update_once(db: Database) -> None:
    async with db.transaction() as uow:
        assert await uow.inbox.add(10, '{"a": 1}', NOW)
        assert not await uow.inbox.add(10, '{"a": 1}', NOW)  # repeated delivery
        assert await uow.inbox.add(10, '{"b": 2}', NOW)  # another update reusing the id
        ((first, payload), (second, _)) = await uow.inbox.pending()
        assert payload == '{"a": 1}' and second > first
        await uow.inbox.finish(first, NOW)
        await uow.inbox.finish(second, NOW, error="boom")
        assert await uow.inbox.pending() == []


async def test_outbox_edit_of_an_unsent_message_rewrites_it(db: Database) -> None:
    button = ((Button("Send", "send:1"),),)
    async with db.transaction() as uow:
        await uow.outbox.add(OutMessage(7, "card", button, ref="draft:1"), NOW)
        assert await uow.outbox.add(OutMessage(7, "card v2", (), "draft:1", edit=True), NOW) == 0
        (row,) = await uow.outbox.due(NOW)
        assert row.message.text == "card v2" and row.message.buttons == ()
        await uow.outbox.mark_sent(row.id, 42, NOW)
        assert await uow.outbox.sent_message_id(7, "draft:1") == 42
        edit_id = await uow.outbox.add(OutMessage(7, "card v3", (), "draft:1", edit=True), NOW)
        assert edit_id > 0
        await uow.outbox.retry_later(edit_id, NOW + timedelta(seconds=30), "429")
        assert await uow.outbox.due(NOW) == []
        assert [r.id for r in await uow.outbox.due(NOW + timedelta(seconds=31))] == [edit_id]
