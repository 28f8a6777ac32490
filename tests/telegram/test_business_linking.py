"""Second-fact linking through the real Dispatcher (issue 14 item 2): a buyer in the seller's
Business chat, where the bot's deep link cannot be opened, names an order number; Parley asks
for the buyer name on the order or the last 4 characters of its tracking number, links the
order on a match and handles the first message as usual, refuses a wrong answer without a
word about the order, and locks that order for the chat for an hour after 5 wrong answers."""

from __future__ import annotations

import pytest

from tests.conftest import ORDER_ID, SELLER, World
from tests.telegram.test_business_mode import CONN
from tests.telegram.test_business_mode import connected as connected_as_anna

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

SHIPPED = "8175342209985555"  # Boris's, tracking LP00123456789012
REQUEST = f"hi, the price of my shoes dropped right after I paid, order {ORDER_ID}"
ORDER_FACTS = ("Anna", "Boris", "Handmade cloth shoes", "Linen shirt", "29.90", "15.00",
               "LP00123456789012", "9012", "Cainiao", ORDER_ID[:-4] + "5555")  # fmt: skip
"""Anything about either order a buyer must not see before the fact matches (Anna's order
number aside: the buyer wrote it)."""


KIM = 5550042
"""The business buyer: her Telegram name is not the one on any order, so a name in a reply
could only come from an order."""


async def connected(world: World) -> None:
    """The seller's Business account connected; Kim writes in it."""
    world.fake.user(KIM, "Kim", "en")
    await connected_as_anna(world)


def buyer_texts(world: World) -> list[str]:
    """Everything the business buyer received."""
    return world.fake.business.texts(CONN, KIM)


async def linked_orders(world: World) -> list[str]:
    """The orders linked to the buyer's business chat."""
    async with world.app.db.transaction() as uow:
        chat = await uow.business.find_chat(CONN, KIM)
        assert chat is not None
        return [o.order_id for o in await uow.orders.linked_to(chat.chat_id)]


def assert_no_leak(texts: list[str]) -> None:
    for text in texts:
        for fact in ORDER_FACTS:
            assert fact not in text, (fact, text)


async def test_the_right_name_links_and_the_request_goes_on(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, REQUEST))
    asked = buyer_texts(world)
    assert len(asked) == 1 and "buyer name on the order" in asked[0]
    assert_no_leak(asked)
    assert world.fake.texts(SELLER)[-1].count("price_drop") == 0  # no card yet
    assert await linked_orders(world) == []

    await world.act(world.fake.business.says(CONN, KIM, "  anna "))
    assert await linked_orders(world) == [ORDER_ID]
    texts = buyer_texts(world)
    assert "is now linked to this chat" in texts[1] and ORDER_ID in texts[1]
    assert "will reply shortly" in texts[-1]  # the first message is handled as usual
    card = world.last(SELLER)
    for fact in ("Anna", ORDER_ID, "price_drop", "US$29.90"):
        assert fact in card


async def test_without_a_number_the_buyer_is_asked_for_one(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, "hello, where is my parcel?"))
    answer = buyer_texts(world)[-1]
    assert "the seller will look it up" in answer and "order number (16 digits)" in answer
    assert_no_leak(buyer_texts(world))


async def test_the_tracking_tail_links_too(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, f"where is {SHIPPED}?"))
    await world.act(world.fake.business.says(CONN, KIM, "9012"))
    assert await linked_orders(world) == [SHIPPED]


async def test_a_wrong_fact_is_refused_without_a_word_about_the_order(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, f"where is {SHIPPED}?"))
    await world.act(world.fake.business.says(CONN, KIM, "Anna"))  # another order's name
    await world.act(world.fake.business.says(CONN, KIM, "1234"))
    texts = buyer_texts(world)
    assert len(texts) == 3 and all("does not match" in t for t in texts[1:])
    assert_no_leak(texts)
    assert await linked_orders(world) == []


async def test_an_unknown_number_gets_the_same_question(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, f"where is {SHIPPED}?"))
    await world.act(world.fake.business.says(CONN, KIM, "where is 8000000000000009?"))
    real, unknown = buyer_texts(world)
    assert real == unknown
    await world.act(world.fake.business.says(CONN, KIM, "Anna"))
    assert "does not match" in buyer_texts(world)[-1]
    assert await linked_orders(world) == []


async def test_five_wrong_answers_lock_the_order_for_an_hour(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.says(CONN, KIM, f"order {ORDER_ID}"))
    for wrong in ("Ann", "Anya", "Hanna", "0000", "Anna Smith"):
        await world.act(world.fake.business.says(CONN, KIM, wrong))
    assert "try again later" in buyer_texts(world)[-1]
    await world.restart()  # the count and the lock are stored
    # Locked: even the right answer, after naming the order again, is not asked for.
    await world.act(world.fake.business.says(CONN, KIM, f"order {ORDER_ID}"))
    assert "try again later" in buyer_texts(world)[-1]
    await world.act(world.fake.business.says(CONN, KIM, "Anna"))
    assert await linked_orders(world) == []
    assert_no_leak(buyer_texts(world))

    world.clock.advance(minutes=59)
    await world.act(world.fake.business.says(CONN, KIM, f"order {ORDER_ID}"))
    assert "try again later" in buyer_texts(world)[-1]
    world.clock.advance(minutes=1)  # the hour is over: asked again, and it works
    await world.act(world.fake.business.says(CONN, KIM, f"order {ORDER_ID}"))
    assert "buyer name on the order" in buyer_texts(world)[-1]
    await world.act(world.fake.business.says(CONN, KIM, "ANNA"))
    assert await linked_orders(world) == [ORDER_ID]


async def test_a_bot_chat_without_the_deep_link_links_the_same_way(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(SELLER, "/start"))
    world.fake.user(KIM, "Kim", "en")
    await world.act(world.fake.says(KIM, f"hello, my order is {ORDER_ID}"))
    assert "buyer name on the order" in world.last(KIM)
    await world.act(world.fake.says(KIM, "Kim"))
    assert "does not match" in world.last(KIM)
    assert_no_leak(world.fake.texts(KIM))
    await world.act(world.fake.says(KIM, "Anna"))
    async with world.app.db.transaction() as uow:
        assert [o.order_id for o in await uow.orders.linked_to(KIM)] == [ORDER_ID]
    assert any("is now linked" in t for t in world.fake.texts(KIM))
