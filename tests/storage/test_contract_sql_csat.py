"""The SQL storage's contract on both engines: buyer-satisfaction questions — every method of
``CsatRepository``, its compare-and-set answers, and which resolved conversations qualify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.csat import AskStatus, CsatRecord, Resolved
from bot.domain.csvimport import parse_orders
from bot.domain.models import ConversationStatus, DraftStatus, Option
from bot.domain.ports import UnitOfWork
from bot.storage.sql import Database
from tests.conftest import ORDERS_CSV

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
HOUR = timedelta(hours=1)
RESOLVED = ConversationStatus.RESOLVED


async def _case(
    uow: UnitOfWork,
    chat_id: int,
    *,
    needs_action: bool = False,
    done: bool = False,
    taken_over: bool = False,
    status: ConversationStatus = RESOLVED,
    at: datetime = NOW,
) -> int:
    """A conversation with a sent draft whose one option the buyer chose (or a draft taken
    over), then ``status``; returns its id."""
    conversation = await uow.conversations.create(chat_id, None, "en", at - HOUR)
    draft = await uow.drafts.create(conversation.id, "price_drop", 0.9, "en", "hi", "reply",
                                    (Option("keep_order", needs_action=needs_action),),
                                    at - HOUR)  # fmt: skip
    if taken_over:
        await uow.drafts.decide(draft.id, DraftStatus.TAKEN_OVER, "Li", at - HOUR)
    else:
        await uow.drafts.decide(draft.id, DraftStatus.SENT, "Li", at - HOUR)
        await uow.drafts.choose(draft.id, 0, chat_id, needs_action, at - HOUR)
        if done:
            choice = await uow.drafts.choice_for(draft.id)
            assert choice is not None
            assert await uow.drafts.complete(choice.id, "Li", at)
    await uow.conversations.update(conversation.id, at, status=status)
    return conversation.id


async def test_resolved_conversations_that_qualify(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        chose = await _case(uow, 1)  # an option that needed nothing
        done = await _case(uow, 2, needs_action=True, done=True)  # the seller did it
        taken = await _case(uow, 3, taken_over=True)  # a take-over ended
        await _case(uow, 4, needs_action=True, status=ConversationStatus.AWAITING_ACTION)
        await _case(uow, 5, status=ConversationStatus.DISMISSED)
        await _case(uow, 6, at=NOW - 5 * 24 * HOUR)  # resolved before the look-back
        plain = await uow.conversations.create(7, None, "en", NOW)  # a reply without options
        await uow.conversations.update(plain.id, NOW, status=RESOLVED)
        found = await uow.csat.resolved_unasked(NOW - 72 * HOUR)
    assert [r.conversation_id for r in found] == [chose, done, taken]
    assert found[0] == Resolved(chose, 1, None, "en", NOW)


async def test_one_row_per_conversation_and_due_rows(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        first = await _case(uow, 1)
        second = await _case(uow, 2, at=NOW + HOUR)
        one, two = await uow.csat.resolved_unasked(NOW - HOUR)
        assert await uow.csat.plan(one, NOW, NOW) is True
        assert await uow.csat.plan(one, NOW + HOUR, NOW) is False  # already planned
        assert await uow.csat.plan(two, NOW + 2 * HOUR, NOW) is True
        assert [r.conversation_id for r in await uow.csat.resolved_unasked(NOW - HOUR)] == []
        (due,) = await uow.csat.due(NOW)
        assert (due.conversation_id, due.chat_id, due.status) == (first, 1, AskStatus.PENDING)
        assert (due.due_at, due.resolved_at, due.rating, due.comment) == (NOW, NOW, None, None)
        assert [a.conversation_id for a in await uow.csat.due(NOW + 2 * HOUR)] == [first, second]
        assert await uow.csat.get(due.id) == due
        assert await uow.csat.get(999) is None


async def test_hold_skip_and_ask_are_compare_and_set(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        await _case(uow, 1)
        await _case(uow, 2)
        for resolved in await uow.csat.resolved_unasked(NOW - HOUR):
            await uow.csat.plan(resolved, NOW, NOW)
        held, skipped = await uow.csat.due(NOW)
        assert await uow.csat.hold(held.id, NOW + 9 * HOUR, "held: quiet hours", NOW) is True
        assert await uow.csat.skip(skipped.id, "too late", NOW) is True
        assert await uow.csat.due(NOW + HOUR) == []
        row = await uow.csat.get(held.id)
        assert row is not None and (row.due_at, row.reason) == (NOW + 9 * HOUR, "held: quiet hours")
        assert await uow.csat.mark_asked(skipped.id, NOW) is False  # skipped stays skipped
        assert await uow.csat.hold(skipped.id, NOW, "x", NOW) is False
        assert await uow.csat.mark_asked(held.id, NOW + 9 * HOUR) is True
        assert await uow.csat.mark_asked(held.id, NOW + 9 * HOUR) is False  # at most once
        assert await uow.csat.skip(held.id, "x", NOW) is False
        asked = await uow.csat.get(held.id)
        assert asked is not None and (asked.status, asked.asked_at, asked.due_at, asked.reason) == (
            AskStatus.ASKED, NOW + 9 * HOUR, None, ""
        )  # fmt: skip
        gone = await uow.csat.get(skipped.id)
        assert gone is not None and (gone.status, gone.reason) == (AskStatus.SKIPPED, "too late")


async def test_rating_and_comment_are_stored_once(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        await _case(uow, 1)
        await _case(uow, 2)
        for resolved in await uow.csat.resolved_unasked(NOW - HOUR):
            await uow.csat.plan(resolved, NOW, NOW)
        ask, unasked = await uow.csat.due(NOW)
        assert await uow.csat.rate(ask.id, 4, NOW) is False  # not asked yet
        await uow.csat.mark_asked(ask.id, NOW)
        assert await uow.csat.add_comment(ask.id, "early", NOW) is False  # no rating yet
        assert await uow.csat.awaiting_comment(1, NOW - HOUR) is None
        assert await uow.csat.rate(ask.id, 4, NOW + HOUR) is True
        assert await uow.csat.rate(ask.id, 1, NOW + HOUR) is False  # the first press stands
        waiting = await uow.csat.awaiting_comment(1, NOW)
        assert waiting is not None and (waiting.rating, waiting.answered_at) == (4, NOW + HOUR)
        assert await uow.csat.awaiting_comment(1, NOW + 2 * HOUR) is None  # window over
        assert await uow.csat.awaiting_comment(2, NOW) is None  # another chat
        assert await uow.csat.add_comment(ask.id, "Quick, thanks", NOW + HOUR) is True
        assert await uow.csat.add_comment(ask.id, "again", NOW + HOUR) is False
        assert await uow.csat.awaiting_comment(1, NOW) is None
        final = await uow.csat.get(ask.id)
        assert final is not None and (final.comment, final.commented_at) == (
            "Quick, thanks", NOW + HOUR
        )  # fmt: skip
        assert await uow.csat.rate(unasked.id, 5, NOW) is False


async def test_records_for_the_figures(sqldb: Database) -> None:
    order_id = parse_orders(ORDERS_CSV)[0].order_id
    async with sqldb.transaction() as uow:
        await _case(uow, 1)
        await _case(uow, 2)
        await _case(uow, 3)
        for resolved in await uow.csat.resolved_unasked(NOW - HOUR):
            await uow.csat.plan(resolved, NOW, NOW)
        first, second, third = await uow.csat.due(NOW)
        await uow.csat.mark_asked(first.id, NOW)
        await uow.csat.mark_asked(second.id, NOW + HOUR)
        await uow.csat.rate(second.id, 5, NOW + 2 * HOUR)
        assert await uow.csat.records(NOW - HOUR) == [
            CsatRecord(NOW, None), CsatRecord(NOW + HOUR, 5)
        ]  # fmt: skip
        assert await uow.csat.records(NOW) == [CsatRecord(NOW + HOUR, 5)]  # after ``since``
        assert third.order_id is None and order_id  # the rows keep the (missing) order
