"""The SQL storage's contract on both engines: Telegram Business connections and chats — every
method of ``BusinessRepository``."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from bot.domain.business import BUSINESS_BASE, Connection, is_business
from bot.storage.sql import Database
from bot.storage.sql.inbox import chat_of

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)
ON = Connection("c1", 7000001, 7000001, True, True, {"can_reply": True, "can_read_messages": True})


async def test_a_connection_is_saved_and_replaced(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        assert await uow.business.connection("c1") is None
        assert await uow.business.save_connection(ON, NOW) is None
    off = Connection("c1", 7000001, 7000001, False, False, {})
    async with sqldb.transaction() as uow:
        before = await uow.business.save_connection(off, NOW + HOUR)
        after = await uow.business.connection("c1")
    assert before == ON and before.rights == ON.rights
    assert after == off and after is not None and not after.may_reply


async def test_a_chat_gets_one_internal_id_per_connection(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        assert await uow.business.find_chat("c1", 5550001) is None
        one = await uow.business.chat_for("c1", 5550001, NOW)
        again = await uow.business.chat_for("c1", 5550001, NOW + HOUR)
        other = await uow.business.chat_for("c2", 5550001, NOW)
        second = await uow.business.chat_for("c1", 5550002, NOW)
        assert await uow.business.find_chat("c1", 5550001) == one
        assert await uow.business.chat(one.chat_id) == one
        assert await uow.business.chat(5550001) is None  # a Telegram id is no business chat
        assert await uow.business.chat(BUSINESS_BASE - 999) is None
        assert await uow.business.chats_of("c1") == [one.chat_id, second.chat_id]
    assert again == one and one.telegram_chat_id == 5550001 and one.last_incoming_at is None
    assert len({one.chat_id, other.chat_id, second.chat_id}) == 3
    assert all(is_business(c.chat_id) for c in (one, other, second))


async def test_two_transactions_creating_the_same_chat_agree(sqldb: Database) -> None:
    async def create() -> int:
        async with sqldb.transaction() as uow:
            return (await uow.business.chat_for("c1", 5550001, NOW)).chat_id

    first, second = await asyncio.gather(create(), create())
    assert first == second


async def test_the_last_incoming_time_only_moves_forward(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        chat = await uow.business.chat_for("c1", 5550001, NOW)
        await uow.business.incoming(chat.chat_id, NOW + HOUR)
        await uow.business.incoming(chat.chat_id, NOW)  # older: ignored
        await uow.business.incoming(5550001, NOW)  # a Telegram chat id: nothing to do
        found = await uow.business.chat(chat.chat_id)
    assert found is not None and found.last_incoming_at == NOW + HOUR


def test_a_business_message_is_handled_in_order_with_its_chat() -> None:
    """The inbox orders updates per chat; a business message's is its Telegram chat id (shared
    with the buyer's bot chat: those two are then handled one at a time, which is harmless)."""
    message = {"message_id": 1, "date": 0, "business_connection_id": "c1",
               "chat": {"id": 5550001, "type": "private"}, "from": {"id": 5550001}}  # fmt: skip
    assert chat_of(json.dumps({"update_id": 1, "business_message": message})) == 5550001
    assert chat_of(json.dumps({"update_id": 2, "business_connection": {"id": "c1"}})) is None
