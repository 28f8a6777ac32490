"""The team console through the real Dispatcher: a forum supergroup where every buyer gets a
topic (made on the first card, reused, closed when resolved and reopened when the buyer writes
again), where only listed users may act, and where cards can be assigned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.loader import Content
from bot.domain.team import topic_chat_id
from tests.conftest import BUYER, ORDER_ID, SELLER, SELLER_2, STRANGER, World
from tests.telegram.test_business_mode import CONN, link_business_chat
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

GROUP = -1001234567890
BUYER_2 = 5550002
SHIRT_ORDER = "8175342209985555"  # Boris's order in tests/conftest.py


@pytest.fixture
async def team(tmp_path: Path, content: Content, database: Path | str) -> AsyncIterator[World]:
    """Parley whose console is the forum group GROUP, where Li and Wang may act."""
    w = World(
        tmp_path, content, (), database=database,
        seller_group_id=GROUP, seller_user_ids=[SELLER, SELLER_2],
    )  # fmt: skip
    w.fake.forum.group(GROUP, "Shoe shop team")
    w.fake.user(BUYER_2, "Boris", "en")
    await w.start()
    yield w
    await w.app.close()


async def linked(world: World, buyer: int = BUYER) -> None:
    await world.import_data()
    await world.act(world.fake.says(buyer, f"/start {await world.payload(ORDER_ID)}"))


def topic_of(world: World, name: str = "Anna") -> int:
    return world.fake.forum.thread_named(GROUP, name)


async def test_a_buyers_first_card_opens_a_topic_named_after_them(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))

    topics = team.fake.forum.threads(GROUP)
    assert [t.name for t in topics.values()] == [f"Anna · {ORDER_ID}"]
    thread = topic_of(team)
    card = team.fake.forum.texts(GROUP, thread)[-1]
    assert "price_drop" in card and COMPLAINT in card
    assert team.fake.forum.buttons(GROUP, thread)[:2] == ["Send", "👤 Assign to me"]
    assert team.fake.texts(SELLER) == [] and team.fake.texts(SELLER_2) == []  # no copies
    assert team.fake.forum.texts(GROUP, None) == []  # nothing in General

    await team.act(team.fake.says(BUYER, "hello? are you there?"))
    assert list(team.fake.forum.threads(GROUP)) == [thread]  # the same topic, reused


async def test_the_whole_case_happens_in_the_topic_and_closes_it(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    thread = topic_of(team)

    await team.act(team.fake.forum.taps(GROUP, SELLER_2, "Send", thread))
    assert "May Day Labor Day sale" in team.last(BUYER)
    assert "Sent by Wang" in team.fake.forum.texts(GROUP, thread)[0]
    await team.act(team.fake.taps(BUYER, "Refund the price difference"))
    assert "Refund US$8.00" in team.fake.forum.texts(GROUP, thread)[-1]
    assert team.fake.forum.threads(GROUP)[thread].closed is False

    await team.act(team.fake.forum.taps(GROUP, SELLER, "Done", thread))
    assert "refunded the price difference of US$8.00" in team.last(BUYER)
    assert team.fake.forum.threads(GROUP)[thread].closed is True  # resolved: closed

    await team.act(team.fake.says(BUYER, "One more thing: the box was damaged"))
    assert team.fake.forum.threads(GROUP)[thread].closed is False  # reopened, the same topic
    assert "the box was damaged" in team.fake.forum.texts(GROUP, thread)[-1]
    assert list(team.fake.forum.threads(GROUP)) == [thread]


async def test_each_buyer_has_their_own_topic(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    await team.act(team.fake.says(BUYER_2, "Where is my parcel? It is late"))
    names = sorted(t.name for t in team.fake.forum.threads(GROUP).values())
    assert names == ["Anna · " + ORDER_ID, "Boris"]
    assert "Where is my parcel" in team.fake.forum.texts(GROUP, topic_of(team, "Boris"))[-1]


async def test_a_topic_is_renamed_when_the_buyers_latest_order_changes(team: World) -> None:
    await team.import_data()
    await team.act(team.fake.says(BUYER_2, "Where is my parcel? It is late"))
    boris = topic_of(team, "Boris")
    assert team.fake.forum.threads(GROUP)[boris].name == "Boris"  # no order known yet
    await team.act(team.fake.forum.taps(GROUP, SELLER, "Dismiss", boris))

    await team.act(team.fake.says(BUYER_2, f"/start {await team.payload(SHIRT_ORDER)}"))
    await team.act(team.fake.says(BUYER_2, "The shirt has a hole in the sleeve"))

    assert list(team.fake.forum.threads(GROUP)) == [boris]  # the same topic, renamed
    assert team.fake.forum.threads(GROUP)[boris].name == f"Boris · {SHIRT_ORDER}"
    assert "hole in the sleeve" in team.fake.forum.texts(GROUP, boris)[-1]
    await team.act(team.fake.says(BUYER_2, "Please answer"))
    assert team.fake.forum.renamed == [f"Boris · {SHIRT_ORDER}"]  # once, not per message


async def test_a_member_not_listed_is_refused_and_nothing_changes(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    thread = topic_of(team)
    before = team.fake.forum.texts(GROUP, thread)

    await team.act(team.fake.forum.taps(GROUP, STRANGER, "Send", thread))

    assert "Only the seller" in team.fake.toasts(STRANGER)[-1]
    assert team.fake.forum.texts(GROUP, thread) == before
    assert "May Day" not in team.last(BUYER)  # nothing went to the buyer
    await team.act(team.fake.forum.says(GROUP, STRANGER, "/inbox", thread))
    assert team.fake.forum.texts(GROUP, thread) == before  # a command is dropped too


async def test_assign_takes_the_conversation_and_inbox_mine_filters(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    await team.act(team.fake.says(BUYER_2, "Where is my parcel? It is late"))
    anna, boris = topic_of(team), topic_of(team, "Boris")

    await team.act(team.fake.forum.taps(GROUP, SELLER_2, "Assign", anna))
    assert team.fake.toasts(SELLER_2)[-1] == "Assigned to you"
    assert "Assigned to Wang @wang_shoes" in team.fake.forum.texts(GROUP, anna)[-1]

    await team.act(team.fake.forum.says(GROUP, SELLER_2, "/inbox mine", boris))
    mine = team.fake.forum.texts(GROUP, boris)[-1]  # answered where it was asked
    assert "Assigned to you (1)" in mine and "Anna" in mine and "Boris" not in mine
    await team.act(team.fake.forum.says(GROUP, SELLER, "/inbox", None))
    everything = team.fake.forum.texts(GROUP, None)[-1]
    assert "Open conversations (2)" in everything
    assert "👤 Wang @wang_shoes" in everything and "👤 unassigned" in everything

    await team.act(team.fake.forum.taps(GROUP, SELLER, "Assign", anna))  # Li takes it over
    assert "Assigned to Li @li_shoes" in team.fake.forum.texts(GROUP, anna)[-1]


async def test_the_reminder_goes_to_the_assignee_first_then_to_everyone(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    anna = topic_of(team)
    await team.act(team.fake.forum.taps(GROUP, SELLER_2, "Assign", anna))
    target = timedelta(hours=12)

    team.clock.advance(hours=13)
    assert await team.app.sellers.remind_waiting(target) == 1
    await team.app.relay.flush()
    reminder = team.fake.forum.inbox(GROUP, anna)[-1]
    assert f'href="tg://user?id={SELLER_2}"' in reminder["text"]  # mentions: Telegram pings
    assert "Waiting for an answer for 13 h" in team.fake.forum.texts(GROUP, anna)[-1]
    assert team.fake.forum.texts(GROUP, None) == []

    team.clock.advance(hours=12)
    assert await team.app.sellers.remind_waiting(target) == 1
    await team.app.relay.flush()
    general = team.fake.forum.texts(GROUP, None)[-1]
    assert "Still waiting" in general and "Assigned to Wang @wang_shoes" in general
    assert await team.app.sellers.remind_waiting(target) == 0  # once per wait


async def test_edit_and_take_over_happen_in_the_topic(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    anna = topic_of(team)
    await team.act(team.fake.forum.says(GROUP, SELLER, "just chatting with the team", None))
    assert team.fake.forum.texts(GROUP, None) == []  # no help text in the group

    await team.act(team.fake.forum.taps(GROUP, SELLER, "Take over", anna))
    await team.act(team.fake.forum.says(GROUP, SELLER_2, "Anna, checking it now.", anna))
    assert "checking it now" in team.last(BUYER)  # typed in her topic: relayed to her
    await team.act(team.fake.says(BUYER, "thanks!"))
    assert "thanks!" in team.fake.forum.texts(GROUP, anna)[-1]


async def test_a_deleted_topic_is_made_again(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    old = topic_of(team)
    await team.act(team.fake.forum.taps(GROUP, SELLER, "Dismiss", old))  # resolved: closed
    team.fake.forum.delete_topic(GROUP, old)  # an admin tidies up by hand

    await team.act(team.fake.says(BUYER, "The shoes arrived with a torn sole, what now?"))

    new = topic_of(team)
    assert new != old
    assert "torn sole" in team.fake.forum.texts(GROUP, new)[-1]
    assert team.fake.forum.threads(GROUP)[new].closed is False


async def test_a_card_in_a_deleted_topic_comes_back_in_a_new_topic(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    old = topic_of(team)
    team.fake.forum.delete_topic(GROUP, old)  # the card is still waiting for a decision

    await team.act(team.fake.says(BUYER, "Also the left shoe has a scratch on it"))

    new = topic_of(team)
    assert new != old
    card = team.fake.forum.texts(GROUP, new)[-1]
    assert COMPLAINT in card and "Also the left shoe has a scratch on it" in card
    assert team.fake.forum.buttons(GROUP, new)[:1] == ["Send"]


async def test_a_group_that_is_no_forum_gets_the_cards_in_general(team: World) -> None:
    team.fake.forum.group(GROUP, "Shoe shop team", is_forum=False)
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    assert "price_drop" in team.fake.forum.texts(GROUP, None)[-1]  # not lost
    async with team.app.db.transaction() as uow:
        topic = await uow.topics.get(topic_chat_id(1))
    assert topic is not None and topic.thread_id is None  # tried again on the next card


async def test_edit_is_typed_in_the_topic_where_it_was_pressed(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    anna = topic_of(team)
    await team.act(team.fake.forum.taps(GROUP, SELLER, "Edit", anna))
    assert "Send me the new reply" in team.fake.forum.texts(GROUP, anna)[-1]

    await team.act(team.fake.forum.says(GROUP, SELLER, "Anna, we refund US$8 today.", anna))
    assert "Anna, we refund US$8 today." in team.fake.forum.texts(GROUP, anna)[-1]  # preview
    await team.act(team.fake.forum.taps(GROUP, SELLER, "Send edited", anna))
    assert team.last(BUYER).startswith("Anna, we refund US$8 today.")


async def test_a_business_chat_gets_its_own_topic(team: World) -> None:
    team.fake.business.now = lambda: team.clock.now().timestamp()
    await team.import_data()
    await team.act(team.fake.business.connect(CONN, SELLER))
    assert "connected" in team.fake.forum.texts(GROUP, None)[-1]  # an alert: General
    await link_business_chat(team)
    await team.act(team.fake.business.says(CONN, BUYER, COMPLAINT))
    thread = topic_of(team)
    assert "price_drop" in team.fake.forum.texts(GROUP, thread)[-1]

    await team.act(team.fake.forum.taps(GROUP, SELLER_2, "Send", thread))
    assert "May Day Labor Day sale" in team.fake.business.texts(CONN, BUYER)[-1]
    assert team.fake.texts(BUYER)[-1:] != team.fake.business.texts(CONN, BUYER)[-1:]


async def test_stats_asked_in_a_topic_are_answered_there(team: World) -> None:
    await linked(team)
    await team.act(team.fake.says(BUYER, COMPLAINT))
    anna = topic_of(team)
    await team.act(team.fake.forum.says(GROUP, SELLER, "/stats", anna))
    report = team.fake.forum.texts(GROUP, anna)[-2]
    assert "Seller metrics" in report and "Per assignee" not in report  # nobody assigned yet
