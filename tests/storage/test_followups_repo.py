"""Follow-up storage on a real SQLite file: guarded status changes, idempotent events, the
due lookup as an index range scan, unreachable buyers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.csvimport import parse_orders
from bot.domain.followups import RowStatus
from bot.domain.orderevents import EventType, OrderEvent
from bot.storage.sql import Database
from bot.storage.sql.followups import due_query
from tests.conftest import ORDER_ID, ORDERS_CSV

NOW = datetime(2026, 5, 1, tzinfo=UTC)
PENDING, SKIPPED = RowStatus.PENDING, RowStatus.SKIPPED


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3")
    async with database.transaction() as uow:
        for order in parse_orders(ORDERS_CSV):
            await uow.orders.upsert(order, NOW)
    yield database
    await database.close()


async def test_events_are_stored_once_per_id(db: Database) -> None:
    event = OrderEvent("ev-1", ORDER_ID, EventType.SHIPPED, NOW, {"carrier": "Cainiao"})
    async with db.transaction() as uow:
        assert await uow.followups.add_event(event, NOW)
        assert not await uow.followups.add_event(event, NOW + timedelta(hours=1))
        assert await uow.followups.events(ORDER_ID) == [event]
        assert await uow.followups.event("ev-1") == event


async def test_interrupted_rows_become_failed_and_are_listed(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.followups.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
        (row,) = await uow.followups.due(NOW)
        await uow.followups.mark_sending(row.id, 42, NOW)
        assert await uow.followups.due(NOW) == []
    async with db.transaction() as uow:
        (lost,) = await uow.followups.interrupted("interrupted", NOW)
        assert lost.id == row.id
        again = await uow.followups.get(row.id)
        assert again is not None and again.status is RowStatus.FAILED
        assert again.reason == "interrupted"
        assert await uow.followups.interrupted("interrupted", NOW) == []


async def test_due_rows_come_earliest_first_from_an_index_range_scan(db: Database) -> None:
    async with db.transaction() as uow:
        for hours, rule in ((3, "shipped"), (1, "thank_you"), (30, "review_request")):
            await uow.followups.plan(ORDER_ID, rule, PENDING, NOW + timedelta(hours=hours), "",
                                     NOW)  # fmt: skip
        due = await uow.followups.due(NOW + timedelta(hours=5))
        assert [r.rule for r in due] == ["thank_you", "shipped"]
        assert await uow.followups.next_due() == NOW + timedelta(hours=1)
        compiled = due_query(NOW, 200).compile(
            uow.conn.engine, compile_kwargs={"literal_binds": True}
        )
        rows = await uow.conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
        plan = " ".join(str(row._mapping["detail"]) for row in rows)
    assert "SEARCH followups USING INDEX followups_due (status=? AND due_at<?)" in plan
    assert "SEARCH order_links USING INDEX" in plan  # the buyer's chat: one key lookup per row
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan  # no full scan, no sort
