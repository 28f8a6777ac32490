"""Take-over and requests for a person pause automation (issue 14, item 5), through the real app.

While a seller has taken a buyer's conversation over, or the buyer asked for a person and no
seller has answered yet, no follow-up and no automatic reply goes to that buyer: a due
follow-up is held with the reason and goes out once the pause ends (if still relevant), and an
auto-approved intent gets an approval card instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.followups import RowStatus
from tests.conftest import BUYER as ANNA
from tests.conftest import ORDER_ID, SELLER, World
from tests.services.test_followups_journey import BUYER, Journey, utc

PERSON = "I want to talk to a real person"
QUESTION = "Does this shirt also come in blue?"
OTHER_ORDER = "8175342209985555"


@pytest.fixture
async def journey(tmp_path: Path, content: Any) -> AsyncIterator[Journey]:
    world = World(tmp_path, content, (SELLER,))
    await world.start()
    trip = Journey(world)
    await trip.start()  # paid 22:00 in Moscow: the thank-you is due at 09:00 (06:00 UTC)
    yield trip
    await world.app.close()


def thank_yous(journey: Journey) -> list[datetime]:
    return [at for at, text in journey.to(BUYER) if "Спасибо за заказ" in text]


async def test_a_follow_up_due_during_a_take_over_is_held_and_sent_after_end(
    journey: Journey,
) -> None:
    world = journey.world
    await journey.run_until(utc(5, 5), {})
    await world.act(world.fake.says(BUYER, QUESTION))
    await world.act(world.fake.taps(SELLER, "Take over"))
    taken = world.clock.now()
    await journey.run_until(utc(5, 7), {})  # 10:00 in Moscow: the thank-you came due at 09:00
    assert thank_yous(journey) == []
    status, reason = (await journey.rows())["thank_you"]
    assert (status, reason) == (RowStatus.PENDING, "held: taken over")
    await world.act(world.fake.says(BUYER, "thanks!"))  # auto-approved, but taken over
    assert world.last(SELLER) == "💬 Ivan: thanks!"  # relayed, nothing automatic
    await world.act(world.fake.says(SELLER, "Hi Ivan, Li here."))
    await journey.run_until(utc(5, 8), {})
    assert [text for _, text in journey.to(BUYER, since=taken)] == ["💬 Seller: Hi Ivan, Li here."]
    assert (await journey.rows())["thank_you"] == (RowStatus.PENDING, "held: taken over")

    await world.act(world.fake.taps(SELLER, "End"))
    await journey.run_until(utc(5, 8, 15), {})  # the first look after the hand-back
    assert thank_yous(journey) == [utc(5, 8, 15)]
    assert (await journey.rows())["thank_you"][0] is RowStatus.SENT


async def test_a_follow_up_due_while_the_buyer_waits_for_a_person_is_held_until_answered(
    journey: Journey,
) -> None:
    world = journey.world
    await journey.run_until(utc(5, 5), {})
    await world.act(world.fake.says(BUYER, PERSON))
    assert "human_agent" in world.last(SELLER)
    await journey.run_until(utc(5, 8), {})
    assert thank_yous(journey) == []
    assert (await journey.rows())["thank_you"] == (RowStatus.PENDING, "held: asked for a person")
    await world.act(world.fake.says(BUYER, "where is my order?"))  # still waiting for a person
    await journey.run_until(utc(5, 9), {})
    assert thank_yous(journey) == []

    await world.act(world.fake.taps(SELLER, "Send"))  # a seller answers
    await journey.run_until(utc(5, 9, 15), {})
    assert thank_yous(journey) == [utc(5, 9, 15)]


async def test_a_follow_up_held_too_long_is_skipped_as_too_late(journey: Journey) -> None:
    world = journey.world
    await journey.run_until(utc(5, 5), {})
    await world.act(world.fake.says(BUYER, QUESTION))
    await world.act(world.fake.taps(SELLER, "Take over"))
    # the thank-you expires 2 days after payment (19:00 UTC on the 6th); the re-check at
    # 21:00 in Moscow moves it out of the quiet hours, and the morning's finds it too late
    await journey.run_until(utc(7, 6, 15), {})
    assert thank_yous(journey) == []
    status, reason = (await journey.rows())["thank_you"]
    assert status is RowStatus.SKIPPED and reason.startswith("too late")


async def test_a_buyer_waiting_for_a_person_gets_a_card_not_an_automatic_answer(
    world: World,
) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(ANNA, PERSON))
    assert "human_agent" in world.last(SELLER)
    told = len(world.fake.texts(ANNA))
    await world.act(world.fake.says(ANNA, "where is my order?"))
    assert len(world.fake.texts(ANNA)) == told  # no automatic answer
    assert not any("Sent automatically" in t for t in world.fake.texts(SELLER))
    assert "where is my order?" in world.last(SELLER)  # on the card, for the seller

    await world.act(world.fake.taps(SELLER, "Send"))  # answered: automation resumes
    await world.act(world.fake.says(ANNA, "where is my order?"))
    assert "Sent automatically" in world.last(SELLER)


async def test_waiting_for_a_person_about_one_order_holds_answers_about_another(
    world: World,
) -> None:
    await world.import_data()
    await world.act(world.fake.says(SELLER, "/start"))
    await world.act(world.fake.says(ANNA, f"/start {await world.payload()}"))
    world.clock.advance(minutes=1)
    await world.act(world.fake.says(ANNA, f"/start {await world.payload(OTHER_ORDER)}"))
    await world.act(world.fake.says(ANNA, PERSON))  # about the latest linked order
    assert OTHER_ORDER in world.last(SELLER)
    await world.act(world.fake.says(ANNA, f"where is my order {ORDER_ID}?"))  # a new conversation
    cards = [t for t in world.fake.texts(SELLER) if "Buyer message" in t]
    assert len(cards) == 2 and "order_status" in cards[1] and ORDER_ID in cards[1]
    assert "Send" in world.fake.buttons(SELLER)  # a normal approval card
    assert not any("Sent automatically" in t for t in world.fake.texts(SELLER))
    assert not any("shipped" in t.lower() for t in world.fake.texts(ANNA))


async def test_nothing_automatic_reaches_a_buyer_during_a_take_over(world: World) -> None:
    await world.import_data()
    await world.act(world.fake.says(SELLER, "/start"))
    await world.act(world.fake.says(ANNA, f"/start {await world.payload(OTHER_ORDER)}"))
    world.clock.advance(minutes=1)
    await world.act(world.fake.says(ANNA, f"/start {await world.payload()}"))
    await world.act(world.fake.says(ANNA, QUESTION))  # about the latest linked order
    assert ORDER_ID in world.last(SELLER)
    await world.act(world.fake.taps(SELLER, "Take over"))
    told = len(world.fake.texts(ANNA))
    await world.act(world.fake.says(ANNA, "hello!"))  # the taken-over conversation: relayed
    assert world.last(SELLER) == "💬 Anna: hello!"
    await world.act(world.fake.says(ANNA, f"hi, where is order {OTHER_ORDER}?"))  # another one
    assert "order_status" in world.last(SELLER) and "Send" in world.fake.buttons(SELLER)
    assert not any("Sent automatically" in t for t in world.fake.texts(SELLER))
    new = world.fake.texts(ANNA)[told:]
    assert not any("Cainiao" in t or "LP00123456789012" in t for t in new)
