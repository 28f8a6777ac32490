"""A card someone deleted by hand: Telegram refuses to edit it, so a card that still asks
for a decision comes back as a new message (which later edits then update), and a finished
card is not brought back."""

from __future__ import annotations

import pytest

from tests.conftest import BUYER, SELLER, SELLER_2, World
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

FOLLOW_UP = "Also the left shoe has a scratch on it"


def card_ids(world: World, chat_id: int) -> list[int]:
    return [m["message_id"] for m in world.fake.inbox(chat_id) if "Buyer message" in m["text"]]


async def test_a_deleted_card_comes_back_when_the_buyer_writes_again(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    (first,) = card_ids(world, SELLER)
    world.fake.deletes(SELLER, first)  # the seller tidies the chat before deciding

    await world.act(world.fake.says(BUYER, FOLLOW_UP))

    (second,) = card_ids(world, SELLER)
    card = world.last(SELLER)
    assert second != first and COMPLAINT in card and FOLLOW_UP in card  # nothing lost
    assert world.fake.buttons(SELLER)[:2] == ["Send", "Edit"]

    await world.act(world.fake.says(BUYER, "Please answer soon"))
    assert card_ids(world, SELLER) == [second]  # the new card is edited, not a third one
    assert "Please answer soon" in world.last(SELLER)

    before = len(world.fake.texts(BUYER))
    await world.act(world.fake.taps(SELLER, "Send"))  # the card that came back works
    assert len(world.fake.texts(BUYER)) == before + 1  # the drafted reply
    assert "Sent by Li" in world.last(SELLER)


async def test_a_finished_card_someone_deleted_stays_deleted(world2: World) -> None:
    world = world2
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    (wangs,) = card_ids(world, SELLER_2)
    world.fake.deletes(SELLER_2, wangs)  # Wang leaves it to Li

    await world.act(world.fake.taps(SELLER, "Send"))

    assert "Sent by Li" in world.last(SELLER)
    assert card_ids(world, SELLER_2) == []  # not brought back just to say it was sent
    assert world.app.relay.stats.failed == 0  # recorded as done, not as a failed send
