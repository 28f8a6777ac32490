"""Dispute storage contract on a real SQLite file: one active dispute per order, conditional
transitions, one reminder row per edge that is finished once, photos in the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.domain.csvimport import parse_orders
from bot.domain.disputes import DisputeEvent, DisputeState, OfferStatus, Party
from bot.domain.models import OutMessage
from bot.domain.money import Money
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


async def test_one_active_dispute_per_order(db: Database) -> None:
    usd = Money(Decimal("29.90"), "USD")
    async with db.transaction() as uow:
        first = await uow.disputes.create(ORDER_ID, NOW, "command", usd, "late", None, "t", NOW)
    assert first.state is DisputeState.OPENED and first.amount == usd
    with pytest.raises(sa.exc.IntegrityError):
        async with db.transaction() as uow:
            await uow.disputes.create(ORDER_ID, NOW, "command", None, "", None, "t", NOW)
    async with db.transaction() as uow:
        assert await uow.disputes.record(first.id, DisputeEvent.WITHDRAW, DisputeState.OPENED,
                                         DisputeState.CLOSED, "buyer withdrew", NOW)  # fmt: skip
        second = await uow.disputes.create(ORDER_ID, NOW + timedelta(days=1), "command", None,
                                           "", None, "t", NOW)  # fmt: skip
        assert (await uow.disputes.active_for(ORDER_ID)) == second
        assert (await uow.disputes.latest_for(ORDER_ID)) == second
        closed = await uow.disputes.get(first.id)
    assert closed is not None and closed.finished_at == NOW


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


async def test_offers_answers_and_times_in_other_offsets(db: Database) -> None:
    shanghai = datetime(2026, 5, 1, 17, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, shanghai, "cli", None, "", None, "c", NOW)
        offer = await uow.disputes.add_offer(
            dispute.id, Party.SELLER, "partial_refund", Money(Decimal(8), "USD"), "", "command", NOW
        )
        await uow.disputes.set_offer_status(offer.id, OfferStatus.REJECTED)
        offers = await uow.disputes.offers(dispute.id)
        fresh = await uow.disputes.get(dispute.id)
    assert offers[0].status is OfferStatus.REJECTED and offers[0].amount == Money(Decimal(8), "USD")
    assert fresh is not None and fresh.opened_at == datetime(2026, 5, 1, 17, tzinfo=UTC)
    assert fresh.opened_at.utcoffset() == timedelta(0)  # stored and read back as UTC


async def test_outbox_keeps_photo_bytes(db: Database) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    async with db.transaction() as uow:
        await uow.outbox.add(OutMessage(1, "caption", photo=png), NOW)
        await uow.outbox.add(OutMessage(1, "text"), NOW)
        rows = await uow.outbox.due(NOW)
    assert [r.message.photo for r in rows] == [png, None]
    assert "photo" not in repr(rows[0].message)  # bytes never end up in logs
