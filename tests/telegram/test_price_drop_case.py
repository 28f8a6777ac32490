"""The source case end to end through the real Dispatcher: buyer says…, seller taps…, buyer sees…"""

from __future__ import annotations

import pytest

from bot.offline.fake_api import FakeBotAPI
from tests.conftest import BUYER, ORDER_ID, SELLER, World

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

COMPLAINT = (
    "Hi! I bought the cloth shoes 2 days ago for $29.90 and now they cost $21.90. "
    "The price dropped right after I ordered, that's not fair!"
)


async def test_buyer_is_linked_by_deep_link(world: World) -> None:
    await world.linked_buyer()
    assert ORDER_ID in world.last(BUYER)
    assert "linked" in world.last(BUYER)


async def test_price_drop_case_end_to_end(world: World) -> None:
    await world.linked_buyer()

    # Buyer says the price dropped.
    await world.act(world.fake.says(BUYER, COMPLAINT))
    assert "will reply shortly" in world.last(BUYER)
    card = world.last(SELLER)
    for fact in ("Anna", ORDER_ID, "Handmade cloth shoes", "price_drop", "US$29.90", COMPLAINT):
        assert fact in card
    assert "May Day Labor Day sale" in card and "US$8.00" in card
    assert world.fake.buttons(SELLER) == [
        "Send",
        "Edit",
        "Options",
        "Topic",
        "Dismiss",
        "Take over",
    ]

    # Seller taps Send: the buyer sees the explanation and the options.
    await world.act(world.fake.taps(SELLER, "Send"))
    reply = world.last(BUYER)
    assert "May Day Labor Day sale" in reply and "US$8.00" in reply
    options = world.fake.buttons(BUYER)
    assert len(options) >= 2
    assert any("Refund the price difference (US$8.00)" in o for o in options)
    assert "Sent by Li" in world.last(SELLER)
    assert world.fake.buttons(SELLER) == []

    # Buyer taps the refund: the seller gets an action card.
    await world.act(world.fake.taps(BUYER, "Refund the price difference"))
    action = world.last(SELLER)
    assert "Refund US$8.00 for order 8175342209981234" in action
    assert world.fake.buttons(SELLER) == ["Done"]
    assert "You chose" in world.last(BUYER)

    # Seller taps Done: the buyer is told, the conversation is resolved.
    await world.act(world.fake.taps(SELLER, "Done"))
    assert "refunded the price difference of US$8.00" in world.last(BUYER)
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.get(1)
        history = await uow.conversations.history(1)
    assert conversation is not None and conversation.status == "resolved"
    assert [m.direction for m in history][:1] == ["in"]
    assert any(m.kind == "choice" for m in history)


async def test_case_survives_a_restart_between_every_step(world: World) -> None:
    await world.linked_buyer()
    await world.restart()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.restart()
    await world.act(world.fake.taps(SELLER, "Send"))
    await world.restart()
    await world.act(world.fake.taps(BUYER, "Refund the price difference"))
    await world.restart()
    await world.act(world.fake.taps(SELLER, "Done"))
    assert "refunded the price difference of US$8.00" in world.last(BUYER)


async def test_no_price_drop_means_nothing_monetary(world: World) -> None:
    catalog = (
        "sku,title,price,currency,promotion,promotion_ends\n"
        "CS-BLK-38,Handmade cloth shoes,29.90,USD,,\n"
    )
    await world.import_data(catalog=catalog)
    await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Send"))
    reply = world.last(BUYER)
    assert "has not dropped below what you paid" in reply
    assert "US$29.90" in reply
    assert world.fake.buttons(BUYER) == []


async def test_shipped_order_is_not_offered_cancel_and_reorder(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(BUYER, f"/start {await world.payload('8175342209985555')}"))
    catalog = "sku,title,price,currency,promotion,promotion_ends\nLS-M,Linen shirt,12.00,USD,,\n"
    await world.import_data(catalog=catalog)
    await world.act(world.fake.says(BUYER, "the price dropped after I ordered, refund difference"))
    await world.act(world.fake.taps(SELLER, "Send"))
    options = world.fake.buttons(BUYER)
    assert any("US$6.00" in o for o in options)  # (15.00 - 12.00) x 2
    assert not any("reorder" in o.lower() or "заказать" in o.lower() for o in options)


@pytest.mark.parametrize("button", ["Send", "Dismiss"])
async def test_seller_button_from_a_non_seller_chat_is_refused(world: World, button: str) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    card = world.fake.inbox(SELLER)[-1]
    data = next(
        b["callback_data"]
        for row in card["reply_markup"]["inline_keyboard"]
        for b in row
        if button in b["text"]
    )
    forged = dict(card, chat={"id": BUYER, "type": "private"})
    before = world.fake.texts(BUYER)
    await world.act(world.fake.presses(BUYER, forged, data))
    assert world.fake.toasts(BUYER) == ["Only the seller can use this button."]
    assert world.fake.texts(BUYER) == before  # nothing was sent
    assert world.fake.buttons(SELLER) == [
        "Send",
        "Edit",
        "Options",
        "Topic",
        "Dismiss",
        "Take over",
    ]


async def test_buyer_cannot_pick_an_option_of_another_chat(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Send"))
    reply = world.fake.inbox(BUYER)[-1]
    data = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stranger = 5550999
    await world.act(
        world.fake.presses(stranger, dict(reply, chat={"id": stranger, "type": "private"}), data)
    )
    assert world.fake.toasts(stranger) == ["Not allowed: this button belongs to another chat"]
    assert not any("Action needed" in t for t in world.fake.texts(SELLER))


async def test_duplicate_and_stale_presses_are_harmless(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    card = world.fake.inbox(SELLER)[-1]
    send = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.act(world.fake.presses(SELLER, card, send))
    await world.act(world.fake.presses(SELLER, card, send))
    replies = [t for t in world.fake.texts(BUYER) if "May Day" in t]
    assert len(replies) == 1
    assert world.fake.toasts(SELLER)[-1].startswith("Nothing to do: already sent by Li")

    reply = world.fake.inbox(BUYER)[-1]
    pick = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.act(world.fake.presses(BUYER, reply, pick))
    await world.act(world.fake.presses(BUYER, reply, pick))
    assert sum("Action needed" in t for t in world.fake.texts(SELLER)) == 1
    assert world.fake.toasts(BUYER)[-1] == "Nothing to do: you have already chosen"


async def test_repeated_update_delivery_is_handled_once(world: World) -> None:
    await world.linked_buyer()
    update = world.fake.says(BUYER, COMPLAINT)
    await world.deliver()
    world.fake.updates.append(update)  # Telegram delivers the same update again
    await world.deliver()
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 1


async def test_a_new_update_reusing_an_old_id_is_still_handled(world: World) -> None:
    await world.linked_buyer()
    # Another Bot API server (or Telegram after a week of silence) restarts update ids.
    fresh = FakeBotAPI()
    fresh.user(BUYER, "Anna", "en")
    from aiogram.types import Update

    await world.app.poller.accept([Update.model_validate(fresh.says(BUYER, COMPLAINT))])
    await world.app.poller.drain()  # handling only queues the replies…
    await world.app.relay.flush()  # …the relay delivers them
    assert any("Buyer message" in t for t in world.fake.texts(SELLER))


async def test_update_cut_off_by_a_crash_is_handled_at_next_start(world: World) -> None:
    await world.linked_buyer()
    update = world.fake.says(BUYER, COMPLAINT)
    # The update reached the inbox, then the process died before handling it.
    from aiogram.types import Update

    await world.app.poller.accept([Update.model_validate(update)])
    world.fake.updates.clear()
    await world.restart()
    await world.app.poller.drain()  # handling only queues the replies…
    await world.app.relay.flush()  # …the relay delivers them
    assert any("Buyer message" in t for t in world.fake.texts(SELLER))


async def test_seller_edits_the_draft_before_sending(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Edit"))
    assert "Send me the new reply" in world.last(SELLER)
    await world.restart()  # the edit survives a restart too
    await world.act(world.fake.says(SELLER, "Sorry Anna! <We> will refund $8 & add a gift."))
    assert "Preview" in world.last(SELLER)
    await world.act(world.fake.taps(SELLER, "Send edited"))
    assert world.last(BUYER) == "Sorry Anna! <We> will refund $8 & add a gift."
    assert len(world.fake.buttons(BUYER)) >= 2  # the options stay attached


async def test_seller_dismisses_a_draft(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    before = world.fake.texts(BUYER)
    await world.act(world.fake.taps(SELLER, "Dismiss"))
    assert world.fake.texts(BUYER) == before
    assert "Dismissed by Li" in world.last(SELLER)


async def test_two_sellers_see_one_decision(world2: World) -> None:
    from tests.conftest import SELLER_2

    await world2.linked_buyer()
    await world2.act(world2.fake.says(BUYER, COMPLAINT))
    assert "Buyer message" in world2.last(SELLER_2)
    await world2.act(world2.fake.taps(SELLER_2, "Send"))
    assert "Sent by Wang" in world2.last(SELLER)
    assert world2.fake.buttons(SELLER) == []
    await world2.act(world2.fake.presses(SELLER, world2.fake.inbox(SELLER)[-1], "send:1"))
    assert sum("May Day" in t for t in world2.fake.texts(BUYER)) == 1
