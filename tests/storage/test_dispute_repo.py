"""Dispute storage contract on a real SQLite file: one active dispute per order, conditional
transitions, one reminder row per edge that is finished once, photos in the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.csvimport import parse_orders
from bot.domain.disputes import DisputeEvent, DisputeState
from bot.domain.models import OutMessage
from bot.storage.sql import Database
from tests.conftest import ORDER_ID, ORDERS_CSV

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3")
    async with database.transaction() as uow:
        for order in parse_orders(ORDERS_CSV):
            await uow.orders.upsert(order, NOW)
    yield database
    await database.close()


async def test_transitions_are_conditional_and_logged(db: Database) -> None:
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, NOW, "cli", None, "", None, "cli", NOW)
        assert await uow.disputes.record(dispute.id, DisputeEvent.RESPOND, DisputeState.OPENED,
                                         DisputeState.RESPONDED, "seller", NOW, "note")  # fmt: skip
        assert not await uow.disputes.record(dispute.id, DisputeEvent.RESPOND,
                                             DisputeState.OPENED, DisputeState.RESPONDED,
                                             "again", NOW)  # fmt: skip
        events = await uow.disputes.events(dispute.id)
        fresh = await uow.disputes.get(dispute.id)
    assert [(e.event, e.from_state, e.to_state, e.cause) for e in events] == [
        (DisputeEvent.OPEN, None, DisputeState.OPENED, "cli"),
        (DisputeEvent.RESPOND, DisputeState.OPENED, DisputeState.RESPONDED, "seller"),
    ]
    assert fresh is not None and fresh.responded_at == NOW


async def test_reminder_rows_are_unique_and_finish_once(db: Database) -> None:
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, NOW, "cli", None, "", None, "cli", NOW)
        assert await uow.disputes.plan_reminder(dispute.id, "window_opens", NOW + timedelta(4))
        assert not await uow.disputes.plan_reminder(dispute.id, "window_opens", NOW)
        assert await uow.disputes.due_reminders(NOW + timedelta(days=3)) == []
        (row,) = await uow.disputes.due_reminders(NOW + timedelta(days=4))
        assert await uow.disputes.finish_reminder(row.id, "sent", NOW)
        assert not await uow.disputes.finish_reminder(row.id, "sent", NOW)
        assert await uow.disputes.due_reminders(NOW + timedelta(days=9)) == []
        (stored,) = await uow.disputes.reminders(dispute.id)
    assert stored.status == "sent" and stored.due_at == NOW + timedelta(days=4)


async def test_outbox_keeps_photo_bytes(db: Database) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    async with db.transaction() as uow:
        await uow.outbox.add(OutMessage(1, "caption", photo=png), NOW)
        await uow.outbox.add(OutMessage(1, "text"), NOW)
        rows = await uow.outbox.due(NOW)
    assert [r.message.photo for r in rows] == [png, None]
    assert "photo" not in repr(rows[0].message)  # bytes never end up in logs
