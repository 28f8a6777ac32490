"""The SQL storage's contract on both engines: disputes (``test_dispute_repo.py``), follow-ups
(``test_followups_repo.py``), taught examples (``test_learned_repo.py``) and gauges — every
method of those repositories — and the evidence and metric reads compared with what the
aiosqlite storage returns for the same history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.domain.csvimport import parse_orders
from bot.domain.disputes import AnswerKind, DisputeEvent, DisputeState, OfferStatus, Party
from bot.domain.followups import RowStatus
from bot.domain.learned import LearnedExample
from bot.domain.models import (
    ConversationStatus,
    Direction,
    DraftStatus,
    Option,
    OutMessage,
    Sender,
)
from bot.domain.money import Money
from bot.domain.orderevents import EventType, OrderEvent
from bot.domain.ports import StoredMessage, UnitOfWork
from bot.storage.sql import Database
from bot.storage.sql.followups import due_query
from tests.conftest import ORDER_ID, ORDERS_CSV

NOW = datetime(2026, 5, 1, tzinfo=UTC)
PENDING, SKIPPED = RowStatus.PENDING, RowStatus.SKIPPED
SECOND_ORDER = parse_orders(ORDERS_CSV)[1].order_id


@pytest.fixture
async def db(sqldb: Database) -> Database:
    async with sqldb.transaction() as uow:
        for order in parse_orders(ORDERS_CSV):
            await uow.orders.upsert(order, NOW)
    return sqldb


# --- disputes -------------------------------------------------------------------------------
async def test_one_active_dispute_per_order(db: Database) -> None:
    usd = Money(Decimal("29.90"), "USD")
    async with db.transaction() as uow:
        first = await uow.disputes.create(ORDER_ID, NOW, "command", usd, "late", None, "t", NOW)
    assert first.state is DisputeState.OPENED and first.amount == usd
    assert first.amount is not None and str(first.amount.amount) == "29.90"
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
        assert await uow.disputes.active() == [second]
        assert await uow.disputes.active_for(SECOND_ORDER) is None
        assert await uow.disputes.latest_for(SECOND_ORDER) is None
        closed = await uow.disputes.get(first.id)
        assert await uow.disputes.get(999) is None
    assert closed is not None and closed.finished_at == NOW


async def test_transitions_are_conditional_and_logged(db: Database) -> None:
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, NOW, "cli", None, "", None, "cli", NOW)
        assert await uow.disputes.record(dispute.id, DisputeEvent.RESPOND, DisputeState.OPENED,
                                         DisputeState.RESPONDED, "seller", NOW, "note")  # fmt: skip
        assert not await uow.disputes.record(dispute.id, DisputeEvent.RESPOND,
                                             DisputeState.OPENED, DisputeState.RESPONDED,
                                             "again", NOW)  # fmt: skip
        later = NOW + timedelta(days=1)
        assert await uow.disputes.record(dispute.id, DisputeEvent.ESCALATE,
                                         DisputeState.RESPONDED, DisputeState.ESCALATED,
                                         "day 16", later)  # fmt: skip
        events = await uow.disputes.events(dispute.id)
        fresh = await uow.disputes.get(dispute.id)
    assert [(e.event, e.from_state, e.to_state, e.cause, e.note) for e in events] == [
        (DisputeEvent.OPEN, None, DisputeState.OPENED, "cli", ""),
        (DisputeEvent.RESPOND, DisputeState.OPENED, DisputeState.RESPONDED, "seller", "note"),
        (DisputeEvent.ESCALATE, DisputeState.RESPONDED, DisputeState.ESCALATED, "day 16", ""),
    ]
    assert fresh is not None and fresh.responded_at == NOW and fresh.escalated_at == later
    assert fresh.finished_at is None and fresh.state is DisputeState.ESCALATED


async def test_reminder_rows_are_unique_and_finish_once(db: Database) -> None:
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, NOW, "cli", None, "", None, "cli", NOW)
        assert await uow.disputes.plan_reminder(dispute.id, "window_opens", NOW + timedelta(4))
        assert not await uow.disputes.plan_reminder(dispute.id, "window_opens", NOW)
        assert await uow.disputes.plan_reminder(dispute.id, "past", NOW, "skipped", "late", NOW)
        assert await uow.disputes.due_reminders(NOW + timedelta(days=3)) == []
        (row,) = await uow.disputes.due_reminders(NOW + timedelta(days=4))
        assert await uow.disputes.finish_reminder(row.id, "sent", NOW, "ok")
        assert not await uow.disputes.finish_reminder(row.id, "sent", NOW)
        assert await uow.disputes.due_reminders(NOW + timedelta(days=9)) == []
        past, stored = await uow.disputes.reminders(dispute.id)
    assert stored.status == "sent" and stored.due_at == NOW + timedelta(days=4)
    assert stored.note == "ok" and stored.done_at == NOW
    assert (past.edge, past.status, past.note, past.done_at) == ("past", "skipped", "late", NOW)


async def test_offers_answers_and_times_in_other_offsets(db: Database) -> None:
    shanghai = datetime(2026, 5, 1, 17, 0, tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    async with db.transaction() as uow:
        dispute = await uow.disputes.create(ORDER_ID, shanghai, "cli", None, "", None, "c", NOW)
        offer = await uow.disputes.add_offer(
            dispute.id, Party.SELLER, "partial_refund", Money(Decimal(8), "USD"), "", "command", NOW
        )
        await uow.disputes.set_offer_status(offer.id, OfferStatus.REJECTED)
        answer = await uow.disputes.add_answer(dispute.id, offer.id, AnswerKind.REJECT, "no",
                                               "button", shanghai)  # fmt: skip
        loose = await uow.disputes.add_answer(dispute.id, None, AnswerKind.COUNTER, "", "text",
                                              NOW)  # fmt: skip
        offers = await uow.disputes.offers(dispute.id)
        answers = await uow.disputes.answers(dispute.id)
        fresh = await uow.disputes.get(dispute.id)
    assert offers[0].status is OfferStatus.REJECTED and offers[0].amount == Money(Decimal(8), "USD")
    assert offers[0] == offer.__class__(**{**offer.__dict__, "status": OfferStatus.REJECTED})
    assert answers == [answer, loose] and answer.at.utcoffset() == timedelta(0)
    assert fresh is not None and fresh.opened_at == datetime(2026, 5, 1, 17, tzinfo=UTC)
    assert fresh.opened_at.utcoffset() == timedelta(0)  # stored and read back as UTC


async def test_metric_alerts_remember_their_side(db: Database) -> None:
    async with db.transaction() as uow:
        assert await uow.disputes.alert("odr") is None
        await uow.disputes.set_alert("odr", True, 0.07, NOW)
        assert await uow.disputes.alert("odr") is True
        await uow.disputes.set_alert("odr", False, None, NOW + timedelta(1))
        assert await uow.disputes.alert("odr") is False


# --- follow-ups -----------------------------------------------------------------------------
async def test_events_are_stored_once_per_id(db: Database) -> None:
    event = OrderEvent("ev-1", ORDER_ID, EventType.SHIPPED, NOW, {"carrier": "Cainiao"})
    earlier = OrderEvent("ev-0", ORDER_ID, EventType.PAID, NOW - timedelta(1), {}, "csv")
    async with db.transaction() as uow:
        assert await uow.followups.add_event(event, NOW)
        assert not await uow.followups.add_event(event, NOW + timedelta(hours=1))
        assert await uow.followups.add_event(earlier, NOW)
        assert await uow.followups.events(ORDER_ID) == [earlier, event]
        assert await uow.followups.event("ev-1") == event
        assert await uow.followups.event("nope") is None


async def test_planning_never_touches_a_row_that_is_sending_or_finished(db: Database) -> None:
    async with db.transaction() as uow:
        repo = uow.followups
        await repo.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
        await repo.plan(ORDER_ID, "thank_you", PENDING, NOW + timedelta(hours=2), "", NOW)
        (row,) = await repo.for_order(ORDER_ID)
        assert row.status is PENDING and row.due_at == NOW + timedelta(hours=2)
        assert await repo.mark_sending(row.id, 42, NOW)
        assert not await repo.mark_sending(row.id, 42, NOW)  # claimed once only
        await repo.plan(ORDER_ID, "thank_you", SKIPPED, None, "shipped", NOW)  # too late
        assert (await repo.get(row.id)).status is RowStatus.SENDING  # type: ignore[union-attr]
        assert await repo.finish(row.id, RowStatus.SENT, "", NOW, message_id=7)
        assert not await repo.finish(row.id, RowStatus.FAILED, "again?", NOW)
        await repo.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
        final = await repo.get(row.id)
        assert final is not None and final.status is RowStatus.SENT and final.due_at is None
        assert final.chat_id == 42 and final.attempts == 1
        assert await repo.get(999) is None
        await repo.plan(ORDER_ID, "review", PENDING, NOW, "", NOW)
        await repo.plan(ORDER_ID, "review", SKIPPED, None, "refunded", NOW + timedelta(1))
        review = (await repo.for_order(ORDER_ID))[1]
        assert (review.status, review.reason, review.due_at) == (SKIPPED, "refunded", None)
        assert await repo.counts() == {"sent": 1, "skipped": 1}


async def test_interrupted_rows_become_failed_and_are_listed(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.followups.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
        (row,) = await uow.followups.due(NOW)
        await uow.followups.mark_sending(row.id, 42, NOW)
        assert await uow.followups.due(NOW) == []
    async with db.transaction() as uow:
        (lost,) = await uow.followups.interrupted("interrupted", NOW)
        assert lost.id == row.id and lost.status is RowStatus.SENDING  # as it was
        again = await uow.followups.get(row.id)
        assert again is not None and again.status is RowStatus.FAILED
        assert again.reason == "interrupted"
        assert await uow.followups.interrupted("interrupted", NOW) == []


async def test_due_rows_come_earliest_first_with_the_buyers_chat(db: Database) -> None:
    async with db.transaction() as uow:
        for hours, rule in ((3, "shipped"), (1, "thank_you"), (30, "review_request")):
            await uow.followups.plan(ORDER_ID, rule, PENDING, NOW + timedelta(hours=hours), "",
                                     NOW)  # fmt: skip
        await uow.orders.link(ORDER_ID, 42, NOW)
        due = await uow.followups.due(NOW + timedelta(hours=5))
        assert [(r.rule, r.chat_id) for r in due] == [("thank_you", 42), ("shipped", 42)]
        assert [r.rule for r in await uow.followups.due(NOW + timedelta(hours=5), 1)] == [
            "thank_you",
        ]  # fmt: skip
        assert await uow.followups.next_due() == NOW + timedelta(hours=1)
        await uow.followups.reschedule(due[0].id, NOW + timedelta(hours=4), "quiet hours", NOW)
        await uow.followups.mark_sending(due[1].id, 42, NOW)
        await uow.followups.reschedule(due[1].id, NOW + timedelta(hours=6), "429", NOW,
                                       retry=True)  # fmt: skip
        moved = await uow.followups.get(due[1].id)
        assert moved is not None and moved.status is PENDING and moved.attempts == 2
        assert moved.reason == "429" and moved.due_at == NOW + timedelta(hours=6)
        assert [r.rule for r in await uow.followups.due(NOW + timedelta(hours=5))] == [
            "thank_you",
        ]  # fmt: skip
        assert await uow.followups.finish(due[0].id, RowStatus.SKIPPED, "gone", NOW)
        await uow.followups.reschedule(due[0].id, NOW, "too late", NOW)  # finished: unchanged
        assert (await uow.followups.get(due[0].id)).status is SKIPPED  # type: ignore[union-attr]


async def test_the_due_lookup_is_an_index_range_scan(db: Database) -> None:
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table
            literal = {"literal_binds": True}
            compiled = due_query(NOW, 200).compile(conn.engine, compile_kwargs=literal)
            plan = " ".join(r[0] for r in await conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        assert "followups_due" in plan
        return
    async with db.engine.begin() as conn:
        compiled = due_query(NOW, 200).compile(conn.engine)
        args = tuple(compiled.construct_params().values())
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
        plan = " ".join(str(row._mapping["detail"]) for row in rows)
    assert "USING INDEX followups_due (status=? AND due_at<?)" in plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan  # no full scan, no sort


async def test_a_blocked_buyer_is_unreachable_until_they_write_again(db: Database) -> None:
    async with db.transaction() as uow:
        await uow.chats.remember(Sender(42, "Anna", "", "ru"), "buyer", NOW)
        await uow.orders.link(ORDER_ID, 42, NOW)
        await uow.followups.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
        await uow.followups.plan(SECOND_ORDER, "thank_you", PENDING, NOW, "", NOW)  # not linked
        assert not await uow.followups.unreachable(42)
        await uow.followups.mark_unreachable(42, "403", NOW + timedelta(minutes=1))
        assert await uow.followups.unreachable(42)
        await uow.followups.mark_unreachable(77, "403", NOW)  # never seen: unreachable
        assert await uow.followups.unreachable(77)
        assert await uow.followups.skip_pending_for_chat(42, "blocked", NOW) == 1
        assert await uow.followups.skip_pending_for_chat(42, "blocked", NOW) == 0
        (row,) = await uow.followups.for_order(ORDER_ID)
        assert row.status is SKIPPED and row.reason == "blocked"
        await uow.chats.remember(Sender(42, "Anna"), "buyer", NOW + timedelta(days=1))
        assert not await uow.followups.unreachable(42)
        assert await uow.followups.buyer_profile(42) == ("", "Anna")
        await uow.chats.remember(Sender(43, "Boris", "", "ru"), "buyer", NOW)
        assert await uow.followups.buyer_profile(43) == ("ru", "Boris")
        assert await uow.followups.buyer_profile(44) == ("", "")


async def test_a_complaint_is_open_while_its_conversation_is(db: Database) -> None:
    async with db.transaction() as uow:
        c = await uow.conversations.create(5, ORDER_ID, "en", NOW)
        await uow.conversations.update(c.id, NOW, intent="wrong_item")
        assert await uow.followups.complaint_open(ORDER_ID, {"wrong_item", "not_received"})
        assert not await uow.followups.complaint_open(ORDER_ID, {"not_received"})
        assert not await uow.followups.complaint_open(ORDER_ID, ())
        assert not await uow.followups.complaint_open(SECOND_ORDER, {"wrong_item"})
        await uow.conversations.update(c.id, NOW, status=ConversationStatus.RESOLVED)
        assert not await uow.followups.complaint_open(ORDER_ID, {"wrong_item"})


# --- taught examples ------------------------------------------------------------------------
async def test_add_find_list_forget_and_a_revision_that_only_moves_forward(
    db: Database,
) -> None:
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


# --- read models, compared with the aiosqlite storage ---------------------------------------
async def _history(uow: UnitOfWork) -> None:
    """A shop's week: orders, conversations with replies and choices, disputes, follow-ups."""
    for order in parse_orders(ORDERS_CSV):
        await uow.orders.upsert(order, NOW)
    await uow.chats.remember(Sender(5, "Anna"), "buyer", NOW)
    await uow.orders.link(ORDER_ID, 5, NOW)
    c = await uow.conversations.create(5, ORDER_ID, "en", NOW)
    await uow.conversations.update(c.id, NOW, intent="price_drop")
    lines = ((1, "in", "price_drop"), (5, "out", None), (9, "in", "thanks"), (12, "in", "x"))
    for minutes, direction, intent in lines:
        confidence = 0.9 if intent else None
        message = StoredMessage(
            c.id, 5, Direction(direction), "text", f"m{minutes}", intent, confidence
        )
        await uow.conversations.add_message(message, NOW + timedelta(minutes=minutes))
    options = (Option("refund_difference", Money(Decimal("8.00"), "USD")), Option("keep_order"))
    draft = await uow.drafts.create(c.id, "price_drop", 0.9, "en", "m1", "r", options, NOW)
    await uow.drafts.decide(draft.id, DraftStatus.SENT, "Li", NOW)
    await uow.drafts.choose(draft.id, 0, 5, True, NOW + timedelta(minutes=20))
    choice = await uow.drafts.choice_for(draft.id)
    assert choice is not None
    await uow.drafts.complete(choice.id, "Li", NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    await uow.conversations.update(c.id, later, status=ConversationStatus.RESOLVED)
    other = await uow.conversations.create(6, SECOND_ORDER, "ru", later)
    message = StoredMessage(other.id, 6, Direction.IN, "text", "где?", "not_received", 0.7)
    await uow.conversations.add_message(message, later)
    amount = Money(Decimal(15), "USD")
    dispute = await uow.disputes.create(
        SECOND_ORDER, NOW + timedelta(days=1), "cli", amount, "late", other.id, "c", NOW
    )
    await uow.disputes.record(dispute.id, DisputeEvent.AGREE, DisputeState.OPENED,
                              DisputeState.AGREED, "deal", NOW + timedelta(days=2))  # fmt: skip
    await uow.followups.plan(ORDER_ID, "thank_you", PENDING, NOW, "", NOW)
    await uow.followups.plan(SECOND_ORDER, "shipped", SKIPPED, None, "", NOW)
    await uow.outbox.add(OutMessage(7000001, "x"), NOW)
    await uow.inbox.add(1, "{}", NOW)


async def _reads(uow: UnitOfWork) -> list[object]:
    other = await uow.conversations.for_order(SECOND_ORDER)
    return [
        await uow.disputes.metric_data(NOW - timedelta(days=1)),
        await uow.disputes.metric_data(NOW + timedelta(hours=2)),
        await uow.disputes.transcript(ORDER_ID),
        await uow.disputes.transcript(SECOND_ORDER),
        await uow.disputes.choices(ORDER_ID),
        await uow.disputes.first_message_at(1, "price_drop"),
        await uow.disputes.first_message_at(1, "nope"),
        await uow.disputes.active(),
        await uow.disputes.events(1),
        await uow.gauges.snapshot(NOW + timedelta(minutes=1), frozenset({7000001})),
        await uow.followups.due(NOW),
        await uow.followups.for_order(SECOND_ORDER),
        [c.id for c in other],
        await uow.conversations.history(1),
    ]


async def test_reads_match_on_both_engines(sqldb: Database, tmp_path: Path) -> None:
    # the reference: the SQL storage on a SQLite file, whose reads were checked equal to the
    # aiosqlite storage's before that storage was deleted (issue 13)
    reference = await Database.open(tmp_path / "reference.sqlite3")
    async with reference.transaction() as uow:
        await _history(uow)
    async with reference.transaction() as uow:
        expected = await _reads(uow)
    await reference.close()
    async with sqldb.transaction() as uow:
        await _history(uow)
    async with sqldb.transaction() as uow:
        assert await _reads(uow) == expected
        transcript = await uow.disputes.transcript(ORDER_ID)
    assert all(isinstance(line.direction, Direction) for line in transcript)
    metrics = expected[0]
    assert metrics.orders[0].refunded and len(metrics.conversations) == 2  # type: ignore[attr-defined]
    conversation = metrics.conversations[0]  # type: ignore[attr-defined]
    assert conversation.intents == {"price_drop", "thanks", "x"}
    assert conversation.first_reply_at == NOW + timedelta(minutes=5)
