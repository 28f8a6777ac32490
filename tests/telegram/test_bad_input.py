"""Bad input from people: wrong links, stickers, huge messages, unknown buttons."""

from __future__ import annotations

from tests.conftest import BUYER, SELLER, STRANGER, World


async def test_unknown_order_in_deep_link_is_refused_politely(world: World) -> None:
    await world.import_data()
    from bot.domain.links import make_payload
    from tests.conftest import SECRET

    payload = make_payload(SECRET.encode(), "9999999999999999")
    await world.act(world.fake.says(BUYER, f"/start {payload}"))
    assert "this link does not work" in world.last(BUYER)


async def test_tampered_deep_link_is_refused(world: World) -> None:
    await world.import_data()
    payload = await world.payload()
    tampered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    await world.act(world.fake.says(BUYER, f"/start {tampered}"))
    assert "this link does not work" in world.last(BUYER)
    await world.act(world.fake.says(BUYER, "/start not-a-payload-at-all!!"))
    assert "this link does not work" in world.last(BUYER)


async def test_link_taken_by_another_chat_is_refused(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(STRANGER, f"/start {await world.payload()}"))
    assert "this link does not work" in world.last(STRANGER)


async def test_sticker_and_photo_get_a_polite_answer(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.sends(BUYER, "sticker"))
    assert "passed it on to the seller" in world.last(BUYER)
    assert "sticker" in world.fake.texts(SELLER)[-2]
    await world.act(world.fake.sends(BUYER, "photo", caption="the sole is broken"))
    notice, copy = world.fake.texts(SELLER)[-2:]
    assert "photo" in notice and "the sole is broken" in notice
    assert copy.startswith("[copy of message") and f"from chat {BUYER}" in copy


async def test_huge_message_does_not_break_the_card(world: World) -> None:
    await world.linked_buyer()
    text = "The price dropped after I ordered! " + "blah " * 1000
    await world.act(world.fake.says(BUYER, text))
    card = world.fake.inbox(SELLER)[-1]
    assert "Buyer message" in card["text"] and len(card["text"]) < 4096


async def test_html_in_buyer_text_is_escaped_on_the_card(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "<b>price</b> dropped & I want <i>money</i>"))
    card = world.fake.inbox(SELLER)[-1]["text"]
    assert "&lt;b&gt;price&lt;/b&gt; dropped &amp; I want" in card


async def test_unlinked_buyer_is_asked_for_the_order_link(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(BUYER, "hello, the price dropped after I paid"))
    assert "No order linked" in world.last(SELLER)
    await world.act(world.fake.taps(SELLER, "Send"))
    assert "open the link from your order message" in world.last(BUYER)


async def test_start_without_payload_greets_the_buyer(world: World) -> None:
    await world.act(world.fake.says(BUYER, "/start"))
    assert "open the link from your order message" in world.last(BUYER)


async def test_unknown_callback_data_is_ignored_safely(world: World) -> None:
    await world.linked_buyer()
    message = world.fake.inbox(BUYER)[-1]
    await world.act(world.fake.presses(BUYER, message, "garbage:data:here"))
    await world.act(world.fake.presses(SELLER, world.fake.inbox(SELLER)[-1], "pick:999:0"))
    await world.act(world.fake.presses(SELLER, world.fake.inbox(SELLER)[-1], "send:999"))
    assert world.fake.toasts(SELLER)[-1] == "Nothing to do: draft 999"


async def test_buyer_blocked_the_bot_marks_the_message_failed(world: World) -> None:
    await world.linked_buyer()
    world.fake.blocked.add(BUYER)
    await world.act(world.fake.says(BUYER, "the price dropped after I ordered"))
    await world.act(world.fake.taps(SELLER, "Send"))  # the reply cannot be delivered
    async with world.app.db.transaction() as uow:
        rows = await uow.outbox.due(world.clock.now())
    assert rows == []  # failed rows are not retried forever
    assert "Sent by Li" in world.last(SELLER)


async def test_seller_plain_text_without_edit_shows_help(world: World) -> None:
    await world.act(world.fake.says(SELLER, "hello?"))
    assert "seller console" in world.last(SELLER)
