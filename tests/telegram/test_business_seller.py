"""The seller typing by hand in a Telegram Business chat, through the real Dispatcher: the
message is recorded in the conversation as the seller's answer (the first-response clock
stops, the pending draft is superseded and its card says so); messages a business bot sent
there are not the seller's words."""

from __future__ import annotations

import pytest

from bot.domain.models import Direction, DraftStatus
from tests.conftest import BUYER, ORDER_ID, SELLER, World
from tests.telegram.test_business_mode import CONN, connected, link_business_chat
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

BY_HAND = "Hi Anna, sorry about that, I am refunding the US$8 difference right now."


async def test_a_message_typed_by_the_seller_is_their_answer(world: World) -> None:
    await connected(world)
    chat_id = await link_business_chat(world)
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    assert world.fake.buttons(SELLER)  # the approval card waits
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.open_for(chat_id, ORDER_ID)
    assert conversation is not None and conversation.waiting_since is not None
    sent_before = world.fake.business.texts(CONN, BUYER)

    await world.act(world.fake.business.seller_says(CONN, BUYER, BY_HAND))

    card = world.last(SELLER)
    assert "Answered by Li @li_shoes by hand" in card
    assert world.fake.buttons(SELLER) == []  # nothing left to approve
    assert world.fake.business.texts(CONN, BUYER) == sent_before  # Parley sent nothing
    async with world.app.db.transaction() as uow:
        after = await uow.conversations.get(conversation.id)
        history = await uow.conversations.history(conversation.id)
        drafts = await uow.drafts.pending_for(conversation.id)
        unanswered = await uow.conversations.unanswered(conversation.id)
        draft = await uow.drafts.get(1)
    assert after is not None and after.waiting_since is None  # the first-response clock stopped
    assert drafts == [] and unanswered == []
    assert draft is not None and draft.status is DraftStatus.SUPERSEDED
    assert (history[-1].direction, history[-1].text) == (Direction.OUT, BY_HAND)

    # The old card's Send is stale now: nothing reaches the buyer.
    with pytest.raises(LookupError):
        world.fake.taps(SELLER, "Send", message_id=world.fake.inbox(SELLER)[-1]["message_id"])


async def test_messages_a_business_bot_sent_are_not_the_sellers(world: World) -> None:
    await connected(world)
    chat_id = await link_business_chat(world)
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    update = world.fake.business.seller_says(CONN, BUYER, "an automatic greeting")
    update["business_message"]["sender_business_bot"] = world.fake.bot_user
    await world.deliver()
    assert world.fake.buttons(SELLER)  # the card still waits for the seller
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.open_for(chat_id, ORDER_ID)
        assert conversation is not None
        history = await uow.conversations.history(conversation.id)
    assert all(m.direction == Direction.IN for m in history)


async def test_the_seller_writing_first_changes_nothing(world: World) -> None:
    await connected(world)
    before = world.fake.texts(SELLER)
    await world.act(world.fake.business.seller_says(CONN, BUYER, "Hello! New arrivals today."))
    assert world.fake.texts(SELLER) == before
    assert world.fake.business.texts(CONN, BUYER) == []


async def test_take_over_talks_through_the_business_chat(world: World) -> None:
    await connected(world)
    await link_business_chat(world)
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Take over"))
    await world.act(world.fake.says(SELLER, "Anna, let me check the promotion dates."))
    assert "let me check the promotion dates" in world.fake.business.texts(CONN, BUYER)[-1]
    await world.act(world.fake.business.says(CONN, BUYER, "ok, thank you"))
    assert "ok, thank you" in world.last(SELLER)
    assert world.fake.texts(BUYER) == []


async def test_a_press_on_a_business_chat_parley_never_wrote_to_does_nothing(
    world: World,
) -> None:
    await connected(world)
    forged = {
        "message_id": 999, "date": 0, "business_connection_id": CONN,
        "chat": {"id": BUYER, "type": "private"}, "from": world.fake.bot_user, "text": "?",
    }  # fmt: skip
    before = world.fake.texts(SELLER)
    await world.act(world.fake.presses(BUYER, forged, "pick:1:0"))
    assert world.fake.texts(SELLER) == before
    assert world.fake.business.texts(CONN, BUYER) == []
    async with world.app.db.transaction() as uow:
        assert await uow.business.find_chat(CONN, BUYER) is None
