"""Telegram Business limits through the real Dispatcher: a disabled connection or one without
the reply right stops every send through it (the rows fail with the reason, the sellers are
told once per change), and Telegram's 24-hour rule holds follow-ups until the buyer writes
again, across a simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.followups import RowStatus
from bot.domain.orderevents import parse_event
from bot.offline.fake_business import NOT_FOUND
from bot.storage.sql.tables import outbox
from tests.conftest import BUYER, ORDERS_HEADER, SELLER, World
from tests.telegram.test_business_mode import CONN, connected, link_business_chat
from tests.telegram.test_price_drop_case import COMPLAINT

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

ORDER = "9000000000000001"
PAID = datetime(2026, 5, 4, 19, 0, tzinfo=UTC)  # 22:00 in Moscow: inside quiet hours
ORDERS = ORDERS_HEADER + (
    f"{ORDER},Ivan,Linen shirt,LS-M,1,30.00,USD,{PAID.isoformat()},paid,,,,,,RU,ru\n"
)
SHIPPED = {"carrier": "Cainiao", "tracking_number": "LP00RU123",
           "promised_delivery_by": "2026-05-19T12:00:00Z"}  # fmt: skip


async def failed_rows(world: World, chat_id: int) -> list[str]:
    """The error of every failed outbox row to ``chat_id``."""
    async with world.app.db.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.error).where(
                outbox.c.chat_id == chat_id, outbox.c.status == "failed"
            )
        )
        return [str(r.error) for r in rows]


async def test_a_disabled_connection_sends_nothing_and_tells_the_sellers_once(
    world: World,
) -> None:
    await connected(world)
    chat_id = await link_business_chat(world)
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    seen = world.fake.business.texts(CONN, BUYER)
    await world.act(world.fake.business.connect(CONN, SELLER, enabled=False))
    assert "turned off or removed" in world.last(SELLER)
    told = len(world.fake.texts(SELLER))
    await world.act(world.fake.business.connect(CONN, SELLER, enabled=False))  # repeated
    assert len(world.fake.texts(SELLER)) == told

    await world.act(world.fake.taps(SELLER, "Send"))
    assert world.fake.business.texts(CONN, BUYER) == seen  # nothing more reached the buyer
    assert not world.fake.business.refused  # Parley did not even try
    assert any("is disabled" in error for error in await failed_rows(world, chat_id))

    # Connected again: told once more, and the buyer's next message is answered.
    await world.act(world.fake.business.connect(CONN, SELLER))
    assert "is connected to Li" in world.last(SELLER)
    await world.act(world.fake.business.says(CONN, BUYER, "hello?"))
    assert len(world.fake.business.texts(CONN, BUYER)) > len(seen)


async def test_without_the_reply_right_nothing_is_sent(world: World) -> None:
    await connected(world)
    await world.act(world.fake.business.connect(CONN, SELLER, can_reply=False))
    assert "may no longer reply" in world.last(SELLER)
    await world.act(world.fake.business.says(CONN, BUYER, "hello, has my order shipped yet?"))
    assert world.fake.business.texts(CONN, BUYER) == []
    async with world.app.db.transaction() as uow:
        chat = await uow.business.find_chat(CONN, BUYER)
    assert chat is not None
    assert any("no right to reply" in error for error in await failed_rows(world, chat.chat_id))
    assert not world.fake.business.refused


async def test_telegram_refusing_a_send_fails_the_row_with_its_answer(world: World) -> None:
    """The connection was removed and Telegram has not told Parley yet."""
    await connected(world)
    world.fake.business.connections[CONN]["is_enabled"] = False  # no update pushed
    await world.act(world.fake.business.says(CONN, BUYER, "hello, has my order shipped yet?"))
    async with world.app.db.transaction() as uow:
        chat = await uow.business.find_chat(CONN, BUYER)
    assert chat is not None
    assert world.fake.business.refused == [(CONN, BUYER, NOT_FOUND)]
    assert any("business connection not found" in e for e in await failed_rows(world, chat.chat_id))


async def test_a_reply_approved_after_24_hours_is_not_sent(world: World) -> None:
    await connected(world)
    chat_id = await link_business_chat(world)
    await world.act(world.fake.business.says(CONN, BUYER, COMPLAINT))
    seen = world.fake.business.texts(CONN, BUYER)
    world.clock.advance(hours=24, minutes=1)
    await world.act(world.fake.taps(SELLER, "Send"))
    assert world.fake.business.texts(CONN, BUYER) == seen
    assert any("24-hour" in error for error in await failed_rows(world, chat_id))
    assert not world.fake.business.refused


async def _tick_until(world: World, end: datetime) -> None:
    while world.clock.now() < end:
        world.clock.advance(minutes=15)
        await world.app.runner.run_due()
        await world.app.relay.flush()


async def test_follow_ups_keep_the_24_hour_rule(world: World) -> None:
    world.clock._now = PAID
    world.fake.user(BUYER, "Ivan", "ru")
    await connected(world)
    await world.import_data(ORDERS)
    await world.act(world.fake.business.says(CONN, BUYER, "Здравствуйте, я оплатил заказ"))
    await link_business_chat(world, ORDER)
    texts = world.fake.business.texts

    # 11 hours after the buyer wrote: the thank-you goes out (09:00 in Moscow).
    await _tick_until(world, PAID + timedelta(hours=12))
    assert any("Спасибо за заказ" in t for t in texts(CONN, BUYER))

    # Shipped 39 hours after the buyer's message: held, nothing is tried.
    world.clock._now = datetime(2026, 5, 6, 10, tzinfo=UTC)
    body = {"type": "shipped", "data": SHIPPED, "at": world.clock.now().isoformat()}
    await world.app.followups.add_event(ORDER, parse_event(ORDER, body))
    await _tick_until(world, datetime(2026, 5, 6, 12, tzinfo=UTC))
    rows = {r.rule: r for r in (await world.app.followups.snapshot(ORDER)).followups}
    assert rows["shipped"].status is RowStatus.PENDING
    held = "held: outside the 24-hour reply window, until the buyer writes again"
    assert rows["shipped"].reason == held
    assert not any("Cainiao" in t for t in texts(CONN, BUYER))
    assert not world.fake.business.refused

    # The buyer writes again: the held follow-up goes out at the next look.
    await world.act(world.fake.business.says(CONN, BUYER, "Спасибо!"))
    await _tick_until(world, datetime(2026, 5, 6, 12, 30, tzinfo=UTC))
    assert any("Cainiao" in t for t in texts(CONN, BUYER))
    rows = {r.rule: r for r in (await world.app.followups.snapshot(ORDER)).followups}
    assert rows["shipped"].status is RowStatus.SENT
    assert world.fake.texts(BUYER) == []  # never the bot chat
