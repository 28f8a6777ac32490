"""Storage contract for taught examples on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.learned import LearnedExample
from bot.storage.sql import Database

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3")
    yield database
    await database.close()


async def test_add_find_list_forget_and_a_revision_that_only_moves_forward(db: Database) -> None:
    revisions = []
    async with db.transaction() as uow:
        revisions.append(await uow.learned.revision())
        first = await uow.learned.add(LearnedExample("do you have 39", "size_exchange", "en",
                                                     "Li"), NOW)  # fmt: skip
        second = await uow.learned.add(LearnedExample("Есть 42?", "product_question", "ru"), NOW)
        revisions.append(await uow.learned.revision())
    assert second > first
    async with db.transaction() as uow:
        found = await uow.learned.find("do you have 39", "size_exchange")
        assert found is not None and found.id == first and found.taught_by == "Li"
        assert found.taught_at == NOW
        assert await uow.learned.find("do you have 39", "wrong_item") is None
        assert [e.id for e in await uow.learned.active()] == [first, second]

        assert await uow.learned.forget(second, NOW + timedelta(hours=1))
        assert not await uow.learned.forget(second, NOW)  # already forgotten
        assert not await uow.learned.forget(999, NOW)
        revisions.append(await uow.learned.revision())
        assert [e.id for e in await uow.learned.active()] == [first]
        assert await uow.learned.find("Есть 42?", "product_question") is None

        third = await uow.learned.add(LearnedExample("Есть 42?", "size_exchange", "ru"), NOW)
        revisions.append(await uow.learned.revision())
    assert third > second  # ids are never reused, even after the highest one is forgotten
    assert len(set(revisions)) == len(revisions) and revisions == sorted(revisions)


async def test_a_failed_transaction_teaches_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as uow:
            await uow.learned.add(LearnedExample("x y", "thanks", "en"), NOW)
            raise RuntimeError("boom")
    async with db.transaction() as uow:
        assert await uow.learned.active() == []
        assert await uow.learned.revision() == (0, 0)
