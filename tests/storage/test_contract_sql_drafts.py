"""The SQL storage's contract on both engines: conversations, their messages and
first-response clock, drafts, options, the buyer's choices and seller edits — every method of
``ConversationRepository`` and ``DraftRepository``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain.csvimport import parse_orders
from bot.domain.models import ConversationStatus, Direction, DraftStatus, MessageKind, Option
from bot.domain.money import Money
from bot.domain.ports import StoredMessage
from bot.storage.sql import Database
from tests.conftest import ORDERS_CSV

NOW = datetime(2026, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
OPEN, RESOLVED = ConversationStatus.OPEN, ConversationStatus.RESOLVED


def _in(conversation_id: int, text: str, intent: str | None = "x") -> StoredMessage:
    return StoredMessage(
        conversation_id, 5, Direction.IN, "text", text, intent, 0.5 if intent else None
    )


async def test_one_open_conversation_per_chat_and_order(sqldb: Database) -> None:
    order_id = parse_orders(ORDERS_CSV)[0].order_id
    async with sqldb.transaction() as uow:
        assert await uow.conversations.open_for(5, None) is None
        loose = await uow.conversations.create(5, None, "en", NOW)
        about = await uow.conversations.create(5, order_id, "ru", NOW + HOUR)
        assert await uow.conversations.open_for(5, None) == loose
        assert await uow.conversations.open_for(5, order_id) == about
        assert await uow.conversations.open_for(6, order_id) is None
        assert await uow.conversations.get(about.id) == about
        assert await uow.conversations.get(999) is None
        await uow.conversations.update(about.id, NOW, status=RESOLVED)
        assert await uow.conversations.open_for(5, order_id) is None
        again = await uow.conversations.create(5, order_id, "en", NOW + 2 * HOUR)
        assert [c.id for c in await uow.conversations.for_order(order_id)] == [about.id, again.id]
        assert (await uow.conversations.get(about.id)).status is RESOLVED  # type: ignore[union-attr]


async def test_update_changes_only_what_it_is_given(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        await uow.conversations.update(conversation.id, NOW, intent="price_drop", language="ru")
        await uow.conversations.update(
            conversation.id, NOW + HOUR, status=ConversationStatus.AWAITING_BUYER, waiting=True
        )
        await uow.conversations.update(conversation.id, NOW + 2 * HOUR, waiting=True)  # keeps
        fresh = await uow.conversations.get(conversation.id)
    assert fresh is not None
    assert (fresh.intent, fresh.language, fresh.status) == (
        "price_drop", "ru", ConversationStatus.AWAITING_BUYER,
    )  # fmt: skip
    assert fresh.waiting_since == NOW + HOUR and fresh.opened_at == NOW


async def test_messages_unanswered_relabelled_and_answered(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        c = await uow.conversations.create(5, None, "en", NOW)
        first = await uow.conversations.add_message(_in(c.id, "hi"), NOW)
        sticker = await uow.conversations.add_message(
            StoredMessage(c.id, 5, Direction.IN, "sticker", "", None, None), NOW
        )
        assert await uow.conversations.message(first) == _in(c.id, "hi")
        assert await uow.conversations.message(999) is None
        await uow.conversations.set_intent(first, "price_drop", 0.75)
        assert (await uow.conversations.message(first)).intent == "price_drop"  # type: ignore[union-attr]
        assert [m.text for m in await uow.conversations.unanswered(c.id)] == ["hi", ""]
        await uow.conversations.relabel_unanswered(c.id, "wrong_item")
        relabelled = await uow.conversations.unanswered(c.id)
        assert [(m.intent, m.confidence) for m in relabelled] == [("wrong_item", 1.0), (None, None)]
        await uow.conversations.add_message(
            StoredMessage(c.id, 5, Direction.OUT, "text", "reply"), NOW + HOUR
        )
        await uow.conversations.mark_answered(c.id)
        assert await uow.conversations.unanswered(c.id) == []
        later = await uow.conversations.add_message(_in(c.id, "thanks"), NOW + 2 * HOUR)
        await uow.conversations.relabel_unanswered(c.id, "thanks")
        assert (await uow.conversations.message(first)).intent == "wrong_item"  # type: ignore[union-attr]
        assert [m.text for m in await uow.conversations.unanswered(c.id)] == ["thanks"]
        history = await uow.conversations.history(c.id)
        loose = await uow.conversations.add_message(
            StoredMessage(None, 5, Direction.IN, "text", "no conversation"), NOW
        )
    assert [m.text for m in history] == ["hi", "", "reply", "thanks"]
    assert [m.direction for m in history] == ["in", "in", "out", "in"]
    assert first < sticker < later < loose


async def test_the_first_response_clock(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        a = await uow.conversations.create(5, None, "en", NOW)
        b = await uow.conversations.create(6, None, "en", NOW)
        closed = await uow.conversations.create(7, None, "en", NOW)
        await uow.conversations.wait_for_seller(a.id, NOW + HOUR)
        await uow.conversations.wait_for_seller(a.id, NOW + 3 * HOUR)  # keeps the earliest
        await uow.conversations.wait_for_seller(b.id, NOW + 2 * HOUR)
        await uow.conversations.wait_for_seller(closed.id, NOW)
        await uow.conversations.update(closed.id, NOW, status=RESOLVED)
        assert await uow.conversations.waiting_too_long(NOW + HOUR / 2) == []
        due = await uow.conversations.waiting_too_long(NOW + 2 * HOUR)
        assert [c.id for c in due] == [a.id, b.id]
        assert due[0].waiting_since == NOW + HOUR
        await uow.conversations.mark_reminded(a.id, NOW + 2 * HOUR)
        assert [c.id for c in await uow.conversations.waiting_too_long(NOW + 5 * HOUR)] == [b.id]
        await uow.conversations.answered(a.id)  # clock stopped, reminder forgotten
        await uow.conversations.wait_for_seller(a.id, NOW + 4 * HOUR)
        assert [c.id for c in await uow.conversations.waiting_too_long(NOW + 5 * HOUR)] == [
            b.id, a.id,
        ]  # fmt: skip


async def test_take_over_and_the_open_list(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        a = await uow.conversations.create(5, None, "en", NOW)
        b = await uow.conversations.create(6, None, "en", NOW + HOUR)
        c = await uow.conversations.create(7, None, "en", NOW + 2 * HOUR)
        await uow.conversations.update(a.id, NOW + 3 * HOUR, intent="x")  # updated later
        await uow.conversations.wait_for_seller(c.id, NOW + HOUR / 2)  # waiting longest
        await uow.conversations.update(b.id, NOW + HOUR, status=ConversationStatus.DISMISSED)
        assert [x.id for x in await uow.conversations.open_list()] == [c.id, a.id]
        assert [x.id for x in await uow.conversations.open_list(limit=1)] == [c.id]
        assert await uow.conversations.taken_over_by(7000001) is None
        await uow.conversations.take_over(a.id, 7000001)
        taken = await uow.conversations.taken_over_by(7000001)
        assert taken is not None and taken.id == a.id and taken.taken_over_by == 7000001
        await uow.conversations.take_over(a.id, None)
        assert await uow.conversations.taken_over_by(7000001) is None


async def test_draft_decisions_and_choices_happen_once(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        options = (
            Option("refund_difference", Money(Decimal(8), "USD")),
            Option("keep_order", None, False),
        )
        draft = await uow.drafts.create(conversation.id, "price_drop", 0.9, "en", "hi", "reply",
                                        options, NOW)  # fmt: skip
        assert draft.options == options and await uow.drafts.get(draft.id) == draft
        assert await uow.drafts.decide(draft.id, DraftStatus.SENT, "Li", NOW)
        assert not await uow.drafts.decide(draft.id, DraftStatus.DISMISSED, "Wang", NOW)
        assert await uow.drafts.last_sent(conversation.id) == (
            draft.__class__(**{**draft.__dict__, "status": DraftStatus.SENT, "decided_by": "Li"})
        )
        assert await uow.drafts.choice_for(draft.id) is None
        assert await uow.drafts.choose(draft.id, 0, 5, True, NOW)
        assert not await uow.drafts.choose(draft.id, 1, 5, False, NOW)
        assert await uow.drafts.last_sent(conversation.id) is None  # chosen: nothing awaits
        choice = await uow.drafts.choice_for(draft.id)
        assert choice is not None and choice.option == options[0] and not choice.action_done
        assert choice.option_index == 0 and choice.draft_id == draft.id
        assert await uow.drafts.complete(choice.id, "Li", NOW)
        assert not await uow.drafts.complete(choice.id, "Li", NOW)
        done = await uow.drafts.choice(choice.id)
        assert done is not None and done.action_done and done.done_by == "Li"
        assert await uow.drafts.choice(999) is None and await uow.drafts.get(999) is None


async def test_a_choice_that_needs_no_action_cannot_be_completed(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        draft = await uow.drafts.create(conversation.id, "x", 1.0, "en", "hi", "r",
                                        (Option("keep_order", None, False),), NOW)  # fmt: skip
        assert await uow.drafts.choose(draft.id, 0, 5, False, NOW)
        choice = await uow.drafts.choice_for(draft.id)
        assert choice is not None and not await uow.drafts.complete(choice.id, "Li", NOW)


async def test_a_pending_draft_is_revised_in_place_keeping_switched_off_options(
    sqldb: Database,
) -> None:
    usd = Money(Decimal(8), "USD")
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        draft = await uow.drafts.create(
            conversation.id, "price_drop", 0.6, "en", "hi", "v1",
            (Option("refund_difference", usd), Option("coupon", usd, days=30)), NOW,
        )  # fmt: skip
        await uow.drafts.set_enabled(draft.id, 1, False)
        draft = await uow.drafts.get(draft.id)  # type: ignore[assignment]
        assert draft.options[1].enabled is False and draft.options[1].days == 30
        new_options = (
            Option("refund_difference", Money(Decimal(9), "USD")),
            Option("coupon", usd, days=7),
        )
        revised = await uow.drafts.revise(draft, "price_drop", 0.9, "ru", "hi again", "v2",
                                          new_options)  # fmt: skip
        assert revised is not None and revised.id == draft.id and revised.text == "v2"
        assert revised.options == (new_options[0], Option("coupon", usd, True, 7, False))
        assert await uow.drafts.get(draft.id) == revised
        assert await uow.drafts.pending_for(conversation.id) == [revised]
        same = await uow.drafts.revise(revised, "price_drop", 0.9, "ru", "x", "v3",
                                       revised.options)  # fmt: skip
        assert same is not None and (await uow.drafts.get(draft.id)) == same
        assert await uow.drafts.decide(draft.id, DraftStatus.DISMISSED, "Li", NOW, text="final")
        assert (await uow.drafts.get(draft.id)).text == "final"  # type: ignore[union-attr]
        assert await uow.drafts.revise(same, "x", 1.0, "en", "y", "v4", ()) is None
        assert await uow.drafts.pending_for(conversation.id) == []


async def test_pending_drafts_come_with_their_options_in_order(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        bare = await uow.drafts.create(conversation.id, "thanks", 1.0, "en", "ty", "yw", (), NOW)
        three = tuple(Option(f"o{n}", Money(Decimal(n), "EUR") if n else None) for n in range(3))
        full = await uow.drafts.create(conversation.id, "x", 0.5, "en", "b", "t", three, NOW)
        sent = await uow.drafts.create(conversation.id, "x", 0.5, "en", "b", "t", three, NOW)
        await uow.drafts.decide(sent.id, DraftStatus.SENT, "Li", NOW)
        assert await uow.drafts.pending_for(conversation.id) == [bare, full]
        assert await uow.drafts.pending_for(999) == []


async def test_a_seller_edit_in_progress(sqldb: Database) -> None:
    async with sqldb.transaction() as uow:
        conversation = await uow.conversations.create(5, None, "en", NOW)
        first = await uow.drafts.create(conversation.id, "x", 1.0, "en", "b", "t", (), NOW)
        second = await uow.drafts.create(conversation.id, "x", 1.0, "en", "b", "t", (), NOW)
        assert await uow.drafts.edit_in_progress(7000001) is None
        await uow.drafts.start_edit(7000001, first.id, NOW)
        assert await uow.drafts.edit_in_progress(7000001) == (first.id, None)
        await uow.drafts.propose_edit(7000001, "better words")
        assert await uow.drafts.edit_in_progress(7000001) == (first.id, "better words")
        await uow.drafts.start_edit(7000001, second.id, NOW + HOUR)  # starts over
        assert await uow.drafts.edit_in_progress(7000001) == (second.id, None)
        await uow.drafts.end_edit(7000001)
        assert await uow.drafts.edit_in_progress(7000001) is None
        await uow.drafts.end_edit(7000001)  # nothing to forget: no error


async def test_messages_keep_their_plain_strings_and_read_back_as_enums(
    sqldb: Database,
) -> None:
    async with sqldb.transaction() as uow:
        c = await uow.conversations.create(5, None, "en", NOW)
        sent = [
            StoredMessage(c.id, 5, Direction.IN, MessageKind.PHOTO, "look"),
            StoredMessage(c.id, 5, Direction.IN, "dice", ""),  # any content type
            StoredMessage(c.id, 5, Direction.OUT, MessageKind.TEXT, "hello"),
        ]
        ids = [await uow.conversations.add_message(m, NOW) for m in sent]
    async with sqldb.engine.connect() as conn:
        rows = await conn.exec_driver_sql("SELECT direction, kind FROM messages ORDER BY id")
        assert [tuple(r) for r in rows] == [("in", "photo"), ("in", "dice"), ("out", "text")]
    async with sqldb.transaction() as uow:
        read = [await uow.conversations.message(i) for i in ids]
    assert read == sent
    assert all(m is not None and isinstance(m.direction, Direction) for m in read)
