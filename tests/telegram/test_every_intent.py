"""One conversation per intent through the real Dispatcher: buyer says…, Parley drafts…,
the seller sends…, the buyer sees the reply and the options the order's status allows."""

from __future__ import annotations

import pytest

from tests.conftest import BUYER, ORDERS_HEADER, SELLER, World

ORDERS = ORDERS_HEADER + (
    "8175342209981234,Anna,Cloth shoes,CS-BLK-38,1,29.90,USD,2026-04-29,paid,,,,2026-05-25,,US,en\n"
    "8175342209987777,Anna,Linen shirt,LS-M,1,15.00,USD,2026-04-01,delivered,Cainiao,"
    "LP00123456789012,2026-04-03,2026-04-25,2026-04-20,US,en\n"
    "8175342209988888,Anna,Straw hat,SH-1,1,12.00,USD,2026-03-20,shipped,Cainiao,"
    "LP00999988887777,2026-03-22,2026-04-15,,US,en\n"
)
CATALOG = (
    "sku,title,price,currency,promotion,promotion_ends,size_chart\n"
    "CS-BLK-38,Cloth shoes,21.90,USD,May Day Labor Day sale,2026-05-05,EU 38 = 24 cm\n"
    "LS-M,Linen shirt,15.00,USD,,,M = chest 100 cm\n"
    "SH-1,Straw hat,12.00,USD,,,\n"
)
PAID, DELIVERED, LATE = "8175342209981234", "8175342209987777", "8175342209988888"

# intent, what the buyer writes, which order it is about, words the reply must contain,
# how many options the buyer gets (None: answered automatically by policy).
SCENARIOS = [
    ("price_drop", "the price dropped right after I paid, refund the difference", PAID,
     "US$8.00", 4),
    ("order_status", "hi, where is my order now?", PAID, "being prepared", None),
    ("late_delivery", "my parcel is very late, it should have arrived weeks ago", LATE,
     "past the expected delivery date", 3),  # 16 days late: wait, reship, partial refund
    ("not_received", "tracking says delivered but I never received the package", DELIVERED,
     "you have not received it", 2),
    ("damaged_item", "the shirt arrived torn and dirty", DELIVERED, "arrived damaged", 3),
    ("wrong_item", "you sent me a blue shirt but I ordered a white one", DELIVERED,
     "something other than", 3),
    ("not_as_described", "the fabric is cheap polyester, not linen like in the description",
     DELIVERED, "not what you expected", 3),
    ("missing_items", "only one shirt in the box, I ordered two, one is missing", DELIVERED,
     "something is missing", 2),
    ("size_exchange", "the shirt is too small, can I exchange it for size L?", DELIVERED,
     "size chart: M = chest 100 cm", 2),
    ("return_refund", "I don't like it, I want to return it and get my money back", DELIVERED,
     "ship it back within 10 days", 2),
    ("cancel_order", "please cancel my order, I don't need it anymore", PAID,
     "cancel order 8175342209981234 now", 2),
    ("change_order", "can you change the delivery address of my order?", PAID,
     "we can still change it", 2),
    ("dispute_followup", "I opened a dispute on AliExpress and you still did not answer it",
     DELIVERED, "settle it with you directly", 2),
    ("customs_fees", "customs is asking me to pay import tax for this parcel", LATE,
     "set by the customs", 0),
    ("product_question", "is this shirt 100% linen and can I wash it in the machine?",
     DELIVERED, "The seller will answer you here", 0),
    ("coupon_request", "do you have a discount code for my next purchase?", DELIVERED,
     "coupon for your next order", 1),
    ("human_agent", "I want to talk to a real person, not a bot", PAID,
     "answer you personally", 0),
    ("greeting", "hello!", PAID, "How can we help you", None),
    ("thanks", "thank you so much, everything arrived perfectly", DELIVERED,
     "You are welcome", None),
    ("none", "asdfgh qwerty zxcv", PAID, "The seller will read it", 0),
]  # fmt: skip


@pytest.mark.parametrize(("intent", "text", "order_id", "expected", "options"), SCENARIOS)
async def test_every_intent_end_to_end(
    world: World, intent: str, text: str, order_id: str, expected: str, options: int | None
) -> None:
    await world.import_data(orders=ORDERS, catalog=CATALOG)
    await world.act(world.fake.says(BUYER, f"/start {await world.payload(order_id)}"))
    await world.act(world.fake.says(BUYER, text))
    card = world.last(SELLER)
    assert f"Intent: <b>{intent}</b>" in world.fake.inbox(SELLER)[-1]["text"], card
    if options is None:
        assert "Sent automatically" in card
    else:
        await world.act(world.fake.taps(SELLER, "Send"))
        assert "Sent by Li" in world.last(SELLER)
    reply = next(t for t in reversed(world.fake.texts(BUYER)) if expected in t)
    assert reply
    assert len(world.fake.buttons(BUYER)) == (options or 0)
