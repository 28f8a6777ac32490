"""Buyer satisfaction through the real Dispatcher (issue 14, item 4): once a conversation is
resolved the buyer is asked "How did we do?" once, with 1–5 buttons — not in their quiet hours
(asked when they end), not while a dispute is open or the buyer waits for a person, not after a
reply that needed no choice; a rating and a comment are stored, a second or stale press changes
nothing, and a new complaint written after the rating is handled as a new request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import Content
from bot.domain.csat import AskStatus, CsatAsk
from tests.conftest import BUYER, ORDER_ID, SELLER, STRANGER, World
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

QUESTION = "How did we do?"
RATINGS = ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]


@pytest.fixture
async def awake(tmp_path: Path, content: Content, database: Path | str) -> AsyncIterator[World]:
    """A world without quiet hours (the buyer of ORDER_ID lives in New York, where the
    tests' 09:30 UTC is 05:30)."""
    w = World(tmp_path, content, (SELLER,), database=database, quiet_hours="off")
    await w.start()
    yield w
    await w.app.close()


async def resolve(world: World) -> None:
    """The price-drop case to its end: refund chosen, the seller taps Done."""
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Send"))
    await world.act(world.fake.taps(BUYER, "Refund the price difference"))
    await world.act(world.fake.taps(SELLER, "Done"))
    assert "refunded the price difference of US$8.00" in world.last(BUYER)


async def ask(world: World) -> int:
    """The scheduled job's pass, then delivery; how many were asked."""
    asked = await world.app.csat.run_due()
    await world.deliver()
    return asked


def until(world: World, at: datetime) -> None:
    world.clock.advance(seconds=(at - world.clock.now()).total_seconds())


def questions(world: World) -> list[str]:
    return [t for t in world.fake.texts(BUYER) if t.startswith(QUESTION)]


async def row(world: World, ask_id: int = 1) -> CsatAsk:
    async with world.app.db.transaction() as uow:
        found = await uow.csat.get(ask_id)
    assert found is not None
    return found


async def test_asked_once_after_the_seller_did_what_the_buyer_chose(awake: World) -> None:
    await resolve(awake)
    assert questions(awake) == []  # the job asks, not the seller's press
    assert await ask(awake) == 1
    assert questions(awake) == [
        "How did we do? 🙂\nPlease rate our help with your request from 1 (poor) to 5 (excellent)."
    ]
    assert awake.fake.buttons(BUYER) == RATINGS
    awake.clock.advance(minutes=5)
    assert await ask(awake) == 0
    await awake.restart()  # the row, not the process, remembers
    assert await ask(awake) == 0
    assert len(questions(awake)) == 1
    asked = await row(awake)
    assert (asked.status, asked.conversation_id, asked.order_id) == (AskStatus.ASKED, 1, ORDER_ID)


async def test_a_choice_that_needs_nothing_resolves_and_asks(awake: World) -> None:
    await awake.linked_buyer()
    await awake.act(awake.fake.says(BUYER, COMPLAINT))
    await awake.act(awake.fake.taps(SELLER, "Send"))
    await awake.act(awake.fake.taps(BUYER, "Keep"))
    assert await ask(awake) == 1
    assert awake.fake.buttons(BUYER) == RATINGS


async def test_not_asked_after_an_automatic_answer_or_a_dismissal(awake: World) -> None:
    await awake.linked_buyer()
    await awake.act(awake.fake.says(BUYER, "hello!"))  # auto-approved, no options: resolved
    await awake.act(awake.fake.says(BUYER, COMPLAINT))
    await awake.act(awake.fake.taps(SELLER, "Dismiss"))
    async with awake.app.db.transaction() as uow:
        statuses = [(await uow.conversations.get(i)).status for i in (1, 2)]  # type: ignore[union-attr]
    assert statuses == ["resolved", "dismissed"]
    assert await ask(awake) == 0
    assert questions(awake) == []


async def test_not_asked_in_quiet_hours_but_when_they_end(world: World) -> None:
    await resolve(world)  # 09:30 UTC: 05:30 for a buyer in New York (quiet until 09:00)
    assert await ask(world) == 0
    held = await row(world)
    assert (held.status, held.reason) == (AskStatus.PENDING, "held: quiet hours")
    assert held.due_at == datetime(2026, 5, 1, 13, tzinfo=UTC)  # 09:00 in New York
    until(world, datetime(2026, 5, 1, 12, 59, tzinfo=UTC))
    assert await ask(world) == 0
    until(world, datetime(2026, 5, 1, 13, tzinfo=UTC))
    assert await ask(world) == 1
    assert len(questions(world)) == 1


async def test_not_asked_while_a_dispute_is_open(awake: World) -> None:
    await resolve(awake)
    await awake.act(awake.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    assert await ask(awake) == 0
    assert (await row(awake)).reason == "held: dispute open"
    awake.clock.advance(hours=2)
    assert await ask(awake) == 0  # looked at again: still open
    await awake.act(awake.fake.taps(SELLER, "Buyer withdrew"))  # the dispute is closed
    awake.clock.advance(minutes=10)
    assert await ask(awake) == 1
    assert len(questions(awake)) == 1


async def test_not_asked_while_the_buyer_waits_for_a_person(awake: World) -> None:
    await resolve(awake)
    await awake.act(awake.fake.says(BUYER, "I want to talk to a real person"))
    assert "human_agent" in awake.last(SELLER)
    assert await ask(awake) == 0
    assert (await row(awake)).reason == "held: asked for a person"
    await awake.act(awake.fake.taps(SELLER, "Send"))  # a seller answers: the pause ends
    awake.clock.advance(minutes=10)
    assert await ask(awake) == 1
    assert awake.fake.buttons(BUYER) == RATINGS


async def test_rating_then_comment_are_stored(awake: World) -> None:
    await resolve(awake)
    await ask(awake)
    await awake.act(awake.fake.taps(BUYER, "4 ⭐"))
    assert awake.fake.toasts(BUYER)[-1] == "Thank you for your rating! 4/5"
    assert awake.last(BUYER).startswith("How did we do? Your rating: ★★★★☆ (4/5)")
    assert awake.fake.buttons(BUYER) == []  # the question was edited, its buttons are gone
    rated = await row(awake)
    assert (rated.rating, rated.answered_at) == (4, awake.clock.now())

    awake.clock.advance(minutes=3)
    await awake.act(awake.fake.says(BUYER, "Quick and friendly, thank you!"))
    assert awake.last(BUYER) == "Thank you for your feedback! We have passed it on to the team."
    assert awake.last(SELLER) == (
        f"⭐ 4/5 from Anna (order {ORDER_ID}): «Quick and friendly, thank you!»"
    )
    commented = await row(awake)
    assert (commented.comment, commented.commented_at) == (
        "Quick and friendly, thank you!", awake.clock.now()
    )  # fmt: skip
    async with awake.app.db.transaction() as uow:
        assert await uow.conversations.open_list() == []  # no new case was opened

    await awake.act(awake.fake.says(BUYER, "thanks again"))  # one comment: a new message
    assert (await row(awake)).comment == "Quick and friendly, thank you!"
    assert not awake.last(BUYER).startswith("Thank you for your feedback")


async def test_a_complaint_after_the_rating_is_a_new_request(awake: World) -> None:
    await resolve(awake)
    await ask(awake)
    await awake.act(awake.fake.taps(BUYER, "2 ⭐"))
    awake.clock.advance(minutes=2)
    await awake.act(awake.fake.says(BUYER, "The shoes arrived damaged, the sole is torn off"))
    assert (await row(awake)).comment is None
    assert "damaged_item" in awake.last(SELLER) and "Send" in awake.fake.buttons(SELLER)


async def test_a_comment_after_the_window_is_a_new_message(awake: World) -> None:
    await resolve(awake)
    await ask(awake)
    await awake.act(awake.fake.taps(BUYER, "5 ⭐"))
    awake.clock.advance(minutes=31)
    await awake.act(awake.fake.says(BUYER, "thank you!"))
    assert (await row(awake)).comment is None
    assert not awake.last(BUYER).startswith("Thank you for your feedback")


async def test_a_second_or_stale_press_changes_nothing(awake: World) -> None:
    await resolve(awake)
    await ask(awake)
    question: dict[str, Any] = awake.fake.inbox(BUYER)[-1]
    one, five = (b["callback_data"] for b in question["reply_markup"]["inline_keyboard"][0][::4])
    snapshot = {**question}
    await awake.act(awake.fake.presses(BUYER, snapshot, five))
    await awake.act(awake.fake.presses(BUYER, snapshot, one))  # a copy of the old buttons
    assert awake.fake.toasts(BUYER)[-1] == "You have already rated us 5/5 — thank you!"
    assert (await row(awake)).rating == 5
    told = len(awake.fake.texts(BUYER))
    await awake.act(awake.fake.presses(BUYER, snapshot, "csat:999:3"))  # no such question
    assert awake.fake.toasts(BUYER)[-1].startswith("Nothing to do")
    await awake.act(awake.fake.presses(STRANGER, snapshot, one))  # not the stranger's chat
    assert awake.fake.toasts(STRANGER)
    assert len(awake.fake.texts(BUYER)) == told
    assert (await row(awake)).rating == 5
