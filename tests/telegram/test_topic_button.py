"""The seller teaches Parley from the card: Topic → pick the intent → the card is re-drafted,
and the next buyer who writes the same way is understood (no restart)."""

from __future__ import annotations

import pytest

from tests.conftest import BUYER, SELLER, SELLER_2, STRANGER, World

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

ASKS = "do you have the 39?"  # Parley cannot tell what this is about on its own
ALSO_ASKS = "do u have the 40??"  # another buyer, another size, the same question


async def _card_intent(world: World, conversation_id: int) -> str:
    async with world.app.db.transaction() as uow:
        pending = await uow.drafts.pending_for(conversation_id)
    assert pending, "no pending card"
    return pending[-1].intent


async def test_seller_picks_a_topic_and_parley_learns_it(world2: World) -> None:
    world = world2
    await world.linked_buyer()
    await world.linked_buyer(STRANGER, "8175342209985555")

    # Anna asks something Parley does not recognise.
    await world.act(world.fake.says(BUYER, ASKS))
    assert await _card_intent(world, 1) == "none"
    assert "Topic" in world.fake.buttons(SELLER)

    # Li taps Topic: the card lists the intents by name, the current one marked.
    await world.act(world.fake.taps(SELLER, "Topic"))
    topics = world.fake.buttons(SELLER)
    assert "Size exchange" in topics and "• Something else" in topics and topics[-1] == "Back"
    assert len(topics) == 21  # 20 intents and Back
    assert "Topic" in world.fake.buttons(SELLER_2)  # the other seller's card is unchanged

    # Li picks "Size exchange": the card is re-drafted with that reply and its options.
    await world.act(world.fake.taps(SELLER, "Size exchange"))
    assert "Re-drafted as “Size exchange”" in world.fake.toasts(SELLER)[-1]
    assert "Learned" in world.fake.toasts(SELLER)[-1]
    card = world.last(SELLER)
    assert "size_exchange" in card and ASKS in card
    assert world.fake.buttons(SELLER)[:1] == ["Send"]
    assert await _card_intent(world, 1) == "size_exchange"
    async with world.app.db.transaction() as uow:
        taught = await uow.learned.active()
    assert [(e.text, e.intent, e.taught_by) for e in taught] == [
        (ASKS, "size_exchange", "Li @li_shoes")
    ]

    # Another buyer writes the same thing their own way: understood as taught, at once.
    await world.act(world.fake.says(STRANGER, ALSO_ASKS))
    assert await _card_intent(world, 2) == "size_exchange"
    assert "size_exchange" in world.last(SELLER) and ALSO_ASKS in world.last(SELLER)

    # Anna writes again before Li sends: the card stays on the topic Li chose.
    await world.act(world.fake.says(BUYER, "???"))
    assert await _card_intent(world, 1) == "size_exchange"


async def test_a_topic_that_contradicts_a_shipped_example_is_applied_but_not_learned(
    world: World,
) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "the shoes are too big, I need a smaller size"))
    await world.act(world.fake.taps(SELLER, "Topic"))
    await world.act(world.fake.taps(SELLER, "Wrong item"))

    assert "Not learned" in world.fake.toasts(SELLER)[-1]
    explanation = world.fake.texts(SELLER)[-1]
    assert "Not learned" in explanation and "built-in example" in explanation
    assert "Size exchange" in explanation
    assert await _card_intent(world, 1) == "wrong_item"  # the seller's choice still stands
    async with world.app.db.transaction() as uow:
        assert await uow.learned.active() == []


async def test_back_leaves_the_topics_and_a_decided_card_refuses_them(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "the sole came off after one day"))
    await world.act(world.fake.taps(SELLER, "Topic"))
    await world.act(world.fake.taps(SELLER, "Back"))
    assert world.fake.buttons(SELLER)[:1] == ["Send"]

    await world.act(world.fake.taps(SELLER, "Topic"))
    topics_card = world.fake.inbox(SELLER)[-1]
    data = topics_card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.act(world.fake.taps(SELLER, "Back"))
    await world.act(world.fake.taps(SELLER, "Send"))
    # a topic pressed on a stale keyboard after the card was sent changes nothing
    await world.act(world.fake.presses(SELLER, topics_card, data))
    assert "already" in world.fake.toasts(SELLER)[-1]
    async with world.app.db.transaction() as uow:
        assert await uow.learned.active() == []


async def test_a_buyer_cannot_press_a_topic_button(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, ASKS))
    await world.act(world.fake.taps(SELLER, "Topic"))
    card = world.fake.inbox(SELLER)[-1]
    data = card["reply_markup"]["inline_keyboard"][4][0]["callback_data"]
    await world.act(world.fake.presses(BUYER, card, data))
    async with world.app.db.transaction() as uow:
        assert await uow.learned.active() == []
    assert await _card_intent(world, 1) == "none"
