"""The seller console and the buyer side beyond the source case (issue 4 scenarios)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.loader import Content
from bot.content.paths import shipped_dir
from bot.domain import callbacks
from bot.domain.playbook import INTENTS
from bot.settings import Policy, Settings
from bot.wiring import load_content
from tests.conftest import BUYER, DOUBTFUL_MESSAGE, ORDER_ID, ORDERS_HEADER, SELLER, World

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

COMPLAINT = "The price dropped right after I ordered, I want the difference back"

LANG_ORDERS = ORDERS_HEADER + "".join(
    f"81753422099812{i:02d},{name},Shoes,CS-BLK-38,1,29.90,USD,2026-04-29,paid,,,,2026-05-25,,"
    f"XX,{lang}\n"
    for i, (name, lang) in enumerate(
        [("Anna", "en"), ("Olga", "ru"), ("Lucía", "es"), ("João", "pt"), ("Chloé", "fr")]
    )
)

CASES = {
    "en": ("The price dropped right after I bought it, refund the difference please",
           "Refund the price difference (US$8.00)", "refunded the price difference"),
    "ru": ("Цена упала сразу после того как я заказала, верните разницу",
           "Вернуть разницу (US$8.00)", "вернули разницу"),
    "es": ("El precio bajó justo después de mi compra, quiero la diferencia",
           "Reembolsar la diferencia (US$8.00)", "reembolsado la diferencia"),
    "pt": ("O preço baixou logo depois que eu comprei, quero a diferença de volta",
           "Reembolsar a diferença (US$8.00)", "Reembolsamos a diferença"),
    "fr": ("Le prix a baissé juste après ma commande, je veux la différence",
           "Rembourser la différence (US$8.00)", "remboursé la différence"),
}  # fmt: skip


@pytest.mark.parametrize("lang", list(CASES))
async def test_price_drop_in_every_language(world: World, lang: str) -> None:
    index = list(CASES).index(lang)
    order_id = f"81753422099812{index:02d}"
    text, label, done = CASES[lang]
    await world.import_data(orders=LANG_ORDERS)
    await world.act(world.fake.says(BUYER, f"/start {await world.payload(order_id)}"))
    await world.act(world.fake.says(BUYER, text))
    card = world.last(SELLER)
    assert "price_drop" in card and f"language: {lang.upper()}" in card
    assert "says the price dropped after they paid" in card  # the gist, in English
    await world.act(world.fake.taps(SELLER, "Send"))
    assert label in world.fake.buttons(BUYER)
    await world.act(world.fake.taps(BUYER, label))
    assert "Refund US$8.00" in world.last(SELLER)
    await world.act(world.fake.taps(SELLER, "Done"))
    assert done in world.last(BUYER)


async def test_options_can_be_left_out_before_sending(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Options"))
    assert world.fake.buttons(SELLER)[-1] == "Back"
    await world.act(world.fake.taps(SELLER, "2. Coupon"))
    assert any(b.startswith("▫️ 2. Coupon") for b in world.fake.buttons(SELLER))
    await world.act(world.fake.taps(SELLER, "Back"))
    await world.act(world.fake.taps(SELLER, "Send"))
    options = world.fake.buttons(BUYER)
    assert len(options) == 3 and not any("Coupon" in o for o in options)


async def test_the_last_option_cannot_be_switched_off(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Options"))
    for number in ("1.", "2.", "3."):
        await world.act(world.fake.taps(SELLER, number))
    await world.act(world.fake.taps(SELLER, "4."))
    assert world.fake.toasts(SELLER)[-1] == "Keep at least one option, or Dismiss"


async def test_buyer_can_answer_in_words(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Send"))
    await world.act(world.fake.says(BUYER, "the refund please"))
    assert "Refund US$8.00 for order" in world.last(SELLER)
    assert "You chose" in world.last(BUYER)


async def test_take_over_relays_both_ways_until_end(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Take over"))
    assert "You are now talking to Anna" in world.last(SELLER)
    assert "Taken over by Li" in world.fake.texts(SELLER)[-2]
    await world.act(world.fake.says(SELLER, "Hi Anna, Li here. I'll refund $8 <today>."))
    assert world.last(BUYER) == "💬 Seller: Hi Anna, Li here. I'll refund $8 <today>."
    cards_before = len(world.fake.texts(SELLER))
    await world.act(world.fake.says(BUYER, "thank you so much!"))
    assert world.last(SELLER) == "💬 Anna: thank you so much!"
    assert len(world.fake.texts(SELLER)) == cards_before + 1  # no card, no draft
    await world.act(world.fake.taps(SELLER, "End"))
    assert "handed back to Parley" in world.last(SELLER)
    await world.act(world.fake.says(BUYER, "the price dropped again after I ordered"))
    assert "Buyer message" in world.last(SELLER)  # Parley drafts again


async def test_two_take_overs_at_once_are_refused(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))
    await world.act(world.fake.says(5550002, f"/start {await world.payload('8175342209985555')}"))
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Take over"))
    await world.act(world.fake.says(5550002, "where is my parcel? it is late"))
    await world.act(world.fake.taps(SELLER, "Take over"))
    assert "already talking" in world.fake.toasts(SELLER)[-1]


async def test_inbox_and_order_commands(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    world.clock.advance(hours=3)
    await world.act(world.fake.says(SELLER, "/inbox"))
    inbox = world.last(SELLER)
    assert "Open conversations (1)" in inbox and "price_drop" in inbox and "waiting 3 h" in inbox
    await world.act(world.fake.says(SELLER, f"/order {ORDER_ID}"))
    card = world.last(SELLER)
    assert "Handmade cloth shoes" in card and "Anna" in card and "price dropped" in card
    await world.act(world.fake.says(SELLER, "/order 123"))
    assert "Nothing found for 123" in world.last(SELLER)


async def test_first_response_reminder_fires_once(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    world.clock.advance(hours=11)
    assert await world.app.sellers.remind_waiting(timedelta(hours=12)) == 0
    world.clock.advance(hours=2)
    assert await world.app.sellers.remind_waiting(timedelta(hours=12)) == 1
    assert await world.app.sellers.remind_waiting(timedelta(hours=12)) == 0
    await world.app.relay.flush()
    assert "Waiting for an answer for 13 h" in world.last(SELLER)


async def test_greeting_is_auto_approved_by_policy(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "hello!"))
    assert "How can we help you with order" in world.last(BUYER)
    assert "Sent automatically" in world.last(SELLER)
    assert world.fake.buttons(SELLER) == []


async def test_a_second_order_gets_its_own_conversation(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))
    await world.act(world.fake.says(BUYER, f"/start {await world.payload('8175342209985555')}"))
    await world.act(world.fake.says(BUYER, f"{COMPLAINT} (order {ORDER_ID})"))
    await world.act(world.fake.says(BUYER, "order 8175342209985555 has not arrived, it is late"))
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert "conversation #1" in cards[0] and ORDER_ID in cards[0]
    assert "conversation #2" in cards[1] and "8175342209985555" in cards[1]


async def test_photo_is_shown_on_the_next_card(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.sends(BUYER, "photo", caption="look"))
    await world.act(world.fake.says(BUYER, "the sole came off, the shoes arrived broken"))
    assert "Also sent: photo" in world.last(SELLER)


async def test_chinese_seller_console(tmp_path: Path, content: Content) -> None:
    world = World(tmp_path, content, (SELLER,), policy=Policy(seller_language="zh"))
    await world.start()
    try:
        await world.linked_buyer()
        assert "Parley 卖家控制台" in world.fake.texts(SELLER)[0]
        await world.act(world.fake.says(BUYER, COMPLAINT))
        card = world.last(SELLER)
        assert "买家消息" in card and "称付款后商品降价了" in card
        assert world.fake.buttons(SELLER) == ["发送", "编辑", "方案", "改意图", "忽略", "接管"]
        await world.act(world.fake.taps(SELLER, "发送"))
        assert "已由 Li @li_shoes 发送" in world.last(SELLER)
        assert "May Day" in world.last(BUYER)  # the buyer still reads English
    finally:
        await world.app.close()


async def test_template_missing_a_value_blocks_the_draft(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    shutil.copytree(shipped_dir("replies"), replies)
    # Renders with the start-up sample (which has a difference), fails when there is none.
    (replies / "buyer/en/price_drop.html.j2").write_text("You overpaid {{ difference.amount }}")
    content = load_content(Settings(replies_dir=replies))
    world = World(tmp_path, content, (SELLER,))
    await world.start()
    try:
        catalog = "sku,title,price,currency\nCS-BLK-38,Shoes,29.90,USD\n"
        await world.import_data(catalog=catalog)
        await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))
        await world.act(world.fake.says(BUYER, COMPLAINT))
        assert "No draft" in world.last(SELLER)
        assert "buyer/en/price_drop.html.j2" in world.last(SELLER)
        assert "linked" in world.last(BUYER)  # nothing with a blank was sent
    finally:
        await world.app.close()


async def test_doubt_is_asked_not_hidden(doubtful_world: World) -> None:
    world = doubtful_world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, DOUBTFUL_MESSAGE))
    assert world.last(BUYER).startswith("Just to be sure")
    topics = world.fake.buttons(BUYER)
    assert set(topics) == {"my parcel is late", "customs or import fees"}
    first_card = world.last(SELLER)
    assert "Buyer message" in first_card
    await world.act(world.fake.taps(BUYER, "customs or import fees"))
    assert world.last(BUYER).endswith("✔ customs or import fees")  # question answered
    assert "Intent: customs_fees (100%)" in world.last(SELLER)
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 1  # the same card, brought up to date


async def test_card_gist_lists_what_the_buyer_mentioned(world: World) -> None:
    await world.linked_buyer()
    await world.act(
        world.fake.says(BUYER, f"I paid $29.90 for order {ORDER_ID}, now it is cheaper")
    )
    card = world.last(SELLER)
    assert "says the price dropped after they paid" in card
    assert f"№ {ORDER_ID}" in card and "US$29.90" in card


async def test_dispute_followup_uses_the_dispute_clock_and_records_the_deal(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    world.clock.advance(days=6)
    await world.act(world.fake.says(BUYER, "I opened a dispute on AliExpress, why no answer yet?"))
    card = world.last(SELLER)
    assert "dispute_followup" in card
    await world.act(world.fake.taps(SELLER, "Send"))
    assert "Your dispute is on day 6; we still have 10 day(s) to agree" in world.last(BUYER)
    await world.act(world.fake.taps(BUYER, "Partial refund"))
    await world.act(world.fake.says(SELLER, f"/order {ORDER_ID}"))
    assert "agreed" in world.last(SELLER).lower()


async def test_dispute_followup_card_can_record_the_dispute(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "I opened a dispute on AliExpress, why no answer yet?"))
    assert "Record a dispute" in world.fake.buttons(SELLER)
    await world.act(world.fake.taps(SELLER, "Record a dispute"))
    await world.act(world.fake.says(SELLER, "/disputes"))
    assert ORDER_ID in world.last(SELLER)


async def test_a_complaint_stays_open_when_the_buyer_then_asks_where_the_order_is(
    world: World,
) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "The shoes arrived damaged, the sole is torn"))
    await world.act(world.fake.says(BUYER, "where is my order?"))
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 1  # one card, brought up to date, not a second one
    assert "damaged_item" in cards[0]
    assert "sole is torn" in cards[0] and "where is my order" in cards[0]
    assert not any("Sent automatically" in t for t in world.fake.texts(SELLER))
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.get(1)
    assert conversation is not None and conversation.status.value == "open"
    await world.act(world.fake.taps(SELLER, "Send"))  # the seller decides it, nobody else
    assert "Sent by" in world.last(SELLER)


async def test_several_messages_in_a_row_update_one_card(world: World) -> None:
    await world.linked_buyer()
    for text in ("the parcel has not arrived yet", "it is 20 days late already", "help pls"):
        await world.act(world.fake.says(BUYER, text))
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 1
    assert "20 days late" in cards[0] and "has not arrived" in cards[0]
    acks = [t for t in world.fake.texts(BUYER) if "seller" in t.lower()]
    assert len(acks) <= 1  # one acknowledgement, not one per message


async def test_buttons_sent_before_they_carried_names_still_work(doubtful_world: World) -> None:
    """Buttons name their intent or option now; a buyer may still press one sent earlier,
    which carried the position in the list instead."""
    world = doubtful_world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, DOUBTFUL_MESSAGE))
    question = world.fake.inbox(BUYER)[-1]
    by_name = question["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    assert by_name.endswith((":customs_fees", ":late_delivery"))
    message_id = int(by_name.split(":")[1])
    old = callbacks.encode("clar", message_id, INTENTS.index("customs_fees"))
    await world.act(world.fake.presses(BUYER, question, old))
    assert world.last(BUYER).endswith("✔ customs or import fees")
    assert "Intent: customs_fees (100%)" in world.last(SELLER)


async def test_option_buttons_sent_before_they_carried_names_still_work(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, "the price dropped right after I paid, refund me"))
    await world.act(world.fake.taps(SELLER, "Send"))
    reply = world.fake.inbox(BUYER)[-1]
    first = reply["reply_markup"]["inline_keyboard"][0][0]
    assert first["callback_data"].split(":")[2].isidentifier()  # the option's kind
    draft_id = int(first["callback_data"].split(":")[1])
    await world.act(world.fake.presses(BUYER, reply, callbacks.encode("pick", draft_id, 0)))
    assert first["text"] in world.fake.toasts(BUYER)[-1]
