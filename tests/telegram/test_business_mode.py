"""Telegram Business mode through the real Dispatcher: the seller's Business account connects
the bot, a buyer writes in the seller's private chat, the price-drop case runs there end to
end with ``business_connection_id`` on every send, and that chat stays apart from the buyer's
bot chat of the same id."""

from __future__ import annotations

import pytest

from bot.domain.business import BUSINESS_BASE, is_business
from bot.domain.models import ConversationStatus
from tests.conftest import BUYER, ORDER_ID, SELLER, World
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

CONN = "biz-conn-1"


async def connected(world: World) -> None:
    """Orders imported, the seller console open, the seller's Business account connected (the
    pretend Telegram keeps the 24-hour rule on the world's clock)."""
    world.fake.business.now = lambda: world.clock.now().timestamp()
    await world.import_data()
    await world.act(world.fake.says(SELLER, "/start"))
    await world.act(world.fake.business.connect(CONN, SELLER))


async def link_business_chat(world: World, order_id: str = ORDER_ID) -> int:
    """Link the order to the buyer's business chat directly in storage (a business buyer cannot
    open the deep link; the second-fact linking that does it through the chat is tested in
    test_business_linking.py). Returns its internal id."""
    async with world.app.db.transaction() as uow:
        chat = await uow.business.chat_for(CONN, BUYER, world.clock.now())
        await uow.orders.link(order_id, chat.chat_id, world.clock.now())
    return chat.chat_id


def business_calls(world: World) -> list[tuple[str, str]]:
    """(method, business_connection_id) of every Bot API call that carried one."""
    return [
        (method, str(params["business_connection_id"]))
        for method, params in world.fake.calls
        if params.get("business_connection_id")
    ]


async def test_connection_is_stored_and_the_sellers_told_once(world: World) -> None:
    await connected(world)
    assert "connected to Li" in world.last(SELLER)
    before = len(world.fake.texts(SELLER))
    await world.act(world.fake.business.connect(CONN, SELLER))  # Telegram repeats it
    assert len(world.fake.texts(SELLER)) == before
    async with world.app.db.transaction() as uow:
        connection = await uow.business.connection(CONN)
    assert connection is not None and connection.may_reply and connection.user_id == SELLER
    assert connection.rights == {"can_reply": True}


async def test_update_types_include_business_updates(world: World) -> None:
    used = world.app.dispatcher.resolve_used_update_types()
    assert {"business_connection", "business_message", "callback_query", "message"} <= set(used)


async def test_price_drop_case_in_a_business_chat(world: World) -> None:
    await connected(world)
    chat_id = await link_business_chat(world)
    assert is_business(chat_id) and chat_id < BUSINESS_BASE

    # The buyer writes in the seller's own chat: acknowledged there, card to the console.
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    assert "will reply shortly" in world.fake.business.texts(CONN, BUYER)[-1]
    assert world.fake.texts(BUYER) == []  # nothing in the bot chat
    card = world.last(SELLER)
    for fact in ("Anna", ORDER_ID, "price_drop", "US$29.90", "May Day Labor Day sale"):
        assert fact in card

    # Seller taps Send: the explanation and the options arrive in the business chat.
    await world.act(world.fake.taps(SELLER, "Send"))
    reply = world.fake.business.texts(CONN, BUYER)[-1]
    assert "May Day Labor Day sale" in reply and "US$8.00" in reply
    options = world.fake.business.buttons(CONN, BUYER)
    assert any("Refund the price difference (US$8.00)" in o for o in options)

    # The buyer picks the refund there; the seller gets the action card.
    await world.act(world.fake.business.taps(CONN, BUYER, "Refund the price difference"))
    assert "Refund US$8.00 for order 8175342209981234" in world.last(SELLER)
    assert "You chose" in world.fake.business.texts(CONN, BUYER)[-1]

    # Done: the buyer is told in the business chat, the conversation is resolved.
    await world.act(world.fake.taps(SELLER, "Done"))
    assert "refunded the price difference of US$8.00" in world.fake.business.texts(CONN, BUYER)[-1]
    assert world.fake.texts(BUYER) == []
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.open_for(chat_id, ORDER_ID)
        resolved = await uow.conversations.get(1)
    assert conversation is None
    assert resolved is not None and resolved.chat_id == chat_id
    assert resolved.status == ConversationStatus.RESOLVED
    sends = business_calls(world)
    assert sends and all(conn == CONN for _, conn in sends)
    assert {method for method, _ in sends} >= {"sendMessage"}
    assert not world.fake.business.refused


async def test_bot_chat_and_business_chat_are_two_conversations(world: World) -> None:
    await connected(world)
    await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))  # bot chat
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.business.says(CONN, BUYER, "hello, has my order shipped yet?"))
    async with world.app.db.transaction() as uow:
        business = await uow.business.find_chat(CONN, BUYER)
        assert business is not None
        first, second = await uow.conversations.get(1), await uow.conversations.get(2)
        business_orders = await uow.orders.linked_to(business.chat_id)
    assert first is not None and second is not None
    assert (first.chat_id, first.order_id) == (BUYER, ORDER_ID)  # the bot chat's
    assert (second.chat_id, second.order_id) == (business.chat_id, None)
    assert business_orders == []  # the bot chat's link does not leak into the business chat
    assert "will reply shortly" in world.last(BUYER)
    answer = world.fake.business.texts(CONN, BUYER)[-1]  # answered in the business chat too
    assert "the seller will look it up" in answer and "open the link" not in answer
    assert ORDER_ID not in " ".join(world.fake.business.texts(CONN, BUYER))


async def test_a_second_connection_gives_another_chat(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.connect("biz-conn-2", SELLER))
    await world.act(world.fake.business.says(CONN, BUYER, "hi"))
    await world.act(world.fake.business.says("biz-conn-2", BUYER, "hi"))
    async with world.app.db.transaction() as uow:
        one = await uow.business.find_chat(CONN, BUYER)
        two = await uow.business.find_chat("biz-conn-2", BUYER)
        again = await uow.business.chat_for(CONN, BUYER, world.clock.now())
    assert one is not None and two is not None and one.chat_id != two.chat_id
    assert again.chat_id == one.chat_id
