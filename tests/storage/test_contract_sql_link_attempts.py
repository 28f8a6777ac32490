"""The SQL storage's contract on both engines: second-fact linking attempts — every method of
``LinkAttemptRepository``, and that they survive a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.verification import Attempt
from bot.storage.sql import Database

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def test_an_attempt_is_saved_replaced_and_deleted(sqldb: Database) -> None:
    asked = Attempt(-(2**53) - 1, "8000000000000001", NOW, 0, None, "ru", "где заказ?")
    async with sqldb.transaction() as uow:
        assert await uow.link_attempts.get(asked.chat_id, asked.order_id) is None
        assert await uow.link_attempts.pending(asked.chat_id) is None
        await uow.link_attempts.save(asked)
    async with sqldb.transaction() as uow:
        assert await uow.link_attempts.get(asked.chat_id, asked.order_id) == asked
        assert await uow.link_attempts.pending(asked.chat_id) == asked
        assert await uow.link_attempts.get(asked.chat_id, "8000000000000002") is None
        assert await uow.link_attempts.pending(5550001) is None
    locked = Attempt(asked.chat_id, asked.order_id, None, 5, NOW + HOUR, "ru", "где заказ?")
    async with sqldb.transaction() as uow:
        await uow.link_attempts.save(locked)
    async with sqldb.transaction() as uow:
        assert await uow.link_attempts.get(asked.chat_id, asked.order_id) == locked
        assert await uow.link_attempts.pending(asked.chat_id) is None
        await uow.link_attempts.delete(asked.chat_id, asked.order_id)
        await uow.link_attempts.delete(asked.chat_id, "no such")  # no error
    async with sqldb.transaction() as uow:
        assert await uow.link_attempts.get(asked.chat_id, asked.order_id) is None


async def test_one_open_question_per_chat(sqldb: Database) -> None:
    first = Attempt(5550001, "8000000000000001", NOW, 2, None, "en", "order 1")
    second = Attempt(5550001, "8000000000000002", NOW + HOUR, 0, None, "en", "order 2")
    other = Attempt(5550002, "8000000000000001", NOW, 1, None, "en", "mine")
    async with sqldb.transaction() as uow:
        await uow.link_attempts.save(first)
        await uow.link_attempts.save(other)
        await uow.link_attempts.save(second)
    async with sqldb.transaction() as uow:
        assert await uow.link_attempts.pending(5550001) == second
        kept = await uow.link_attempts.get(5550001, first.order_id)
        assert kept == Attempt(5550001, first.order_id, None, 2, None, "en", "order 1")
        assert await uow.link_attempts.pending(5550002) == other  # another chat's stays


async def test_attempts_survive_a_restart(sql_url: str) -> None:
    locked = Attempt(5550001, "8000000000000001", None, 5, NOW + HOUR, "en", "")
    db = await Database.open(sql_url)
    try:
        async with db.transaction() as uow:
            await uow.link_attempts.save(locked)
    finally:
        await db.close()
    db = await Database.open(sql_url)
    try:
        async with db.transaction() as uow:
            assert await uow.link_attempts.get(locked.chat_id, locked.order_id) == locked
    finally:
        await db.close()
