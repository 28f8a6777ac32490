"""Follow-ups through the real app: a simulated clock drives an order from payment to review.

Every message is checked on its day and hour in the buyer's time zone (Moscow, quiet hours
21:00–09:00), the late-delivery apology goes through the seller's approval at night, facts
that change re-plan the rows, and the delivery guarantees hold (403, crash, 429, timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.followups import RowStatus
from bot.domain.models import OutMessage
from bot.domain.orderevents import parse_event
from bot.domain.ports import MaybeSent, RateLimited
from bot.offline.fake_api import plain
from bot.services.followup_runner import INTERRUPTED
from tests.conftest import ORDERS_HEADER, SELLER, World

BUYER = 5551234
ORDER = "9000000000000001"
PAID = datetime(2026, 5, 4, 19, 0, tzinfo=UTC)  # 22:00 in Moscow: inside quiet hours
ORDERS = ORDERS_HEADER + (
    f"{ORDER},Ivan,Linen shirt,LS-M,1,30.00,USD,{PAID.isoformat()},paid,,,,,,RU,ru\n"
)


SHIPPED = {
    "carrier": "Cainiao",
    "tracking_number": "LP00RU123",
    "promised_delivery_by": "2026-05-19T12:00:00Z",
}


class Journey:
    """The world plus a log of every message with the (simulated) time it was sent."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.log: list[tuple[datetime, int, str]] = []
        world.fake.listeners.append(self._record)

    def _record(self, event: str, data: dict[str, Any]) -> None:
        if event == "send":
            chat = int(data["chat"]["id"])
            self.log.append((self.world.clock.now(), chat, plain(str(data["text"]))))

    async def start(self, orders: str = ORDERS) -> None:
        self.world.clock._now = PAID  # the simulation starts at payment
        self.world.fake.user(BUYER, "Ivan", "ru")
        await self.world.import_data(orders)
        await self.world.act(self.world.fake.says(SELLER, "/start"))
        await self.world.act(self.world.fake.says(BUYER, f"/start {await self.payload()}"))

    async def payload(self) -> str:
        return await self.world.payload(ORDER)

    async def event(self, body: dict[str, Any]) -> None:
        """What ``POST /api/orders/{id}/events`` does."""
        body = {"at": self.world.clock.now().isoformat(), **body}
        await self.world.app.followups.add_event(ORDER, parse_event(ORDER, body))

    async def tick(self) -> None:
        """One scheduler round: due follow-ups, then the outbox."""
        await self.world.app.runner.run_due()
        await self.world.app.relay.flush()

    async def run_until(self, end: datetime, events: dict[datetime, dict[str, Any]]) -> None:
        """Advance in 15-minute steps, firing ``events`` at their times."""
        while self.world.clock.now() < end:
            self.world.clock.advance(minutes=15)
            body = events.get(self.world.clock.now())
            if body is not None:
                await self.event(body)
            await self.tick()

    def to(self, chat: int, since: datetime = PAID) -> list[tuple[datetime, str]]:
        return [(at, text) for at, c, text in self.log if c == chat and at > since]

    async def rows(self) -> dict[str, tuple[RowStatus, str]]:
        snapshot = await self.world.app.followups.snapshot(ORDER)
        return {r.rule: (r.status, r.reason) for r in snapshot.followups}


@pytest.fixture
async def journey(tmp_path: Path, content: Any) -> AsyncIterator[Journey]:
    world = World(tmp_path, content, (SELLER,))
    await world.start()
    trip = Journey(world)
    await trip.start()
    yield trip
    await world.app.close()


def utc(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def test_an_order_from_payment_to_review_in_the_buyers_hours(journey: Journey) -> None:
    events: dict[datetime, dict[str, Any]] = {
        utc(6, 10): {"type": "shipped", "data": SHIPPED},
        utc(8, 10): {"type": "tracking_update", "data": {"status": "Departed sorting center"}},
        utc(22, 19, 30): {"type": "delivered"},  # 22:30 in Moscow
    }
    await journey.run_until(utc(20, 7), events)
    # 03:00 in Moscow: the late-delivery draft reached the seller at once (not held)
    night = [(at, text) for at, text in journey.to(SELLER) if "Late delivery" in text]
    assert [at for at, _ in night] == [utc(20, 0)]
    assert "approve, edit or dismiss" in night[0][1]
    await journey.world.act(journey.world.fake.taps(SELLER, "Send"))
    assert journey.world.fake.buttons(BUYER), "the apology offers options as buttons"
    await journey.run_until(utc(1, 12, month=6), events)

    got = journey.to(BUYER, since=PAID + timedelta(minutes=1))
    expected = [
        (utc(5, 6), "Спасибо за заказ"),  # paid at 22:00 → 09:00 Moscow next morning
        (utc(6, 10), "отправлен службой Cainiao"),
        (utc(15, 10), "не менялось 7 дн."),  # 7 days after the last movement
        (utc(20, 7), "должен был прийти до 2026-05-19"),  # sent when the seller approved
        (utc(24, 6), "доставлен"),  # delivered 22:30 + 1 day → held to 09:00 Moscow
        (utc(30, 6), "отзыв"),  # delivered + 7 days = 22:30 → held to 09:00 Moscow
    ]
    assert [at for at, _ in got] == [at for at, _ in expected]
    for (_, text), (_, words) in zip(got, expected, strict=True):
        assert words in text
    rows = await journey.rows()
    assert rows["ship_delay"] == (RowStatus.SKIPPED, "shipped within the handling time")
    assert rows["protection_expiring"] == (RowStatus.SKIPPED, "the parcel has been delivered")
    assert rows["late_delivery"][0] is RowStatus.SENT
    assert rows["late_delivery"][1].endswith("sent to the seller for approval")
    assert {rule for rule, (status, _) in rows.items() if status is RowStatus.SENT} == {
        "thank_you", "shipped", "tracking_stalled", "late_delivery", "delivered_checkin",
        "review_request"}  # fmt: skip


async def test_a_dispute_holds_the_review_request_until_it_is_closed(journey: Journey) -> None:
    events: dict[datetime, dict[str, Any]] = {
        utc(5, 10): {"type": "shipped", "data": {"tracking_number": "LP1"}},
        utc(12, 10): {"type": "delivered"},
        utc(14, 10): {"type": "dispute_opened", "data": {"reason": "wrong size"}},
        utc(21, 10): {"type": "closed", "data": {"status": "completed"}},
    }
    await journey.run_until(utc(25, 12), events)
    reviews = [at for at, text in journey.to(BUYER) if "отзыв" in text]
    # due 19 May 10:00 UTC, held by the open dispute (looked at again every 12 h), sent in
    # the round the dispute was closed (13:00 in Moscow)
    assert reviews == [utc(21, 10)]
    checkins = [at for at, text in journey.to(BUYER) if "доставлен" in text]
    assert checkins == [utc(13, 10)]  # before the dispute: sent normally


class FailFirst:
    """Wraps the Bot API side of the notifier: the first send raises ``error``."""

    def __init__(self, inner: Any, error: Exception) -> None:
        self.inner = inner
        self.error: Exception | None = error

    async def send(self, message: OutMessage) -> int:
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        result: int = await self.inner.send(message)
        return result


def thank_yous(journey: Journey) -> list[datetime]:
    return [at for at, text in journey.to(BUYER) if "Спасибо за заказ" in text]


async def test_a_buyer_who_blocked_the_bot_is_marked_and_their_follow_ups_stop(
    journey: Journey,
) -> None:
    journey.world.fake.blocked.add(BUYER)
    await journey.run_until(utc(5, 7), {})
    rows = await journey.rows()
    assert rows["thank_you"][0] is RowStatus.FAILED and "blocked" in rows["thank_you"][1]
    assert rows["ship_delay"] == (RowStatus.SKIPPED, "the buyer blocked the bot")
    async with journey.world.app.db.transaction() as uow:
        assert await uow.followups.unreachable(BUYER)
    await journey.event({"type": "shipped", "data": {"tracking_number": "LP1"}})
    await journey.run_until(utc(5, 12), {})
    assert (await journey.rows())["shipped"] == (RowStatus.SKIPPED, "the buyer blocked the bot")


async def test_a_crash_while_sending_never_sends_that_follow_up_twice(journey: Journey) -> None:
    await journey.run_until(utc(5, 5, 45), {})  # 08:45 Moscow: nothing yet
    async with journey.world.app.db.transaction() as uow:
        (row,) = await uow.followups.due(utc(5, 6))
        assert row.rule == "thank_you"
    # the process claims the row and dies before Telegram's answer is recorded
    journey.world.clock.advance(minutes=15)
    async with journey.world.app.db.transaction() as uow:
        assert await uow.followups.mark_sending(row.id, BUYER, journey.world.clock.now())
    await journey.world.restart()
    (lost,) = await journey.world.app.runner.recover()
    assert lost.id == row.id
    await journey.run_until(utc(6, 12), {})
    assert thank_yous(journey) == []
    assert (await journey.rows())["thank_you"] == (RowStatus.FAILED, INTERRUPTED)


async def test_429_is_retried_after_retry_after_and_sent_once(journey: Journey) -> None:
    notifier = journey.world.app.runner.notifier
    notifier.inner = FailFirst(notifier.inner, RateLimited(0.01, "rate limited"))  # type: ignore[attr-defined]
    await journey.run_until(utc(5, 6), {})
    status, reason = (await journey.rows())["thank_you"]
    assert status is RowStatus.PENDING and reason == "rate limited"
    await journey.run_until(utc(5, 6, 15), {})
    assert thank_yous(journey) == [utc(5, 6, 15)]
    assert (await journey.rows())["thank_you"][0] is RowStatus.SENT


async def test_a_timeout_may_have_delivered_so_it_is_not_retried(journey: Journey) -> None:
    notifier = journey.world.app.runner.notifier
    notifier.inner = FailFirst(notifier.inner, MaybeSent(5.0, "Request timeout error"))  # type: ignore[attr-defined]
    await journey.run_until(utc(6, 12), {})
    assert thank_yous(journey) == []
    status, reason = (await journey.rows())["thank_you"]
    assert status is RowStatus.FAILED and reason.startswith("delivery unknown")


async def test_re_import_with_a_new_status_is_an_event(journey: Journey) -> None:
    shipped = ORDERS.replace(",paid,,,,,,RU,ru", ",shipped,4PX,RR123,2026-05-05T06:30:00Z,,,RU,ru")
    journey.world.clock.advance(hours=12)  # 07:00 UTC on the 5th
    await journey.world.import_data(shipped)
    await journey.world.import_data(shipped)  # the same file again: nothing new
    snapshot = await journey.world.app.followups.snapshot(ORDER)
    assert [e.type.value for e in snapshot.events] == ["paid", "shipped"]
    await journey.tick()
    texts = [text for _, text in journey.to(BUYER)]
    assert len(texts) == 1 and "4PX" in texts[0] and "RR123" in texts[0]
    rows = await journey.rows()
    assert rows["thank_you"] == (RowStatus.SKIPPED, "superseded: the order has already shipped")


async def test_an_unlinked_buyer_is_waited_for_until_the_message_expires(
    journey: Journey,
) -> None:
    other = ORDERS.replace(ORDER, "9000000000000002")
    await journey.world.import_data(other)
    await journey.run_until(utc(5, 6), {})
    snapshot = await journey.world.app.followups.snapshot("9000000000000002")
    (thanks,) = [r for r in snapshot.followups if r.rule == "thank_you"]
    assert thanks.status is RowStatus.PENDING
    assert thanks.reason == "waiting for the buyer to link a chat"
    assert thanks.due_at == utc(5, 7)
    await journey.run_until(utc(7, 12), {})
    snapshot = await journey.world.app.followups.snapshot("9000000000000002")
    (thanks,) = [r for r in snapshot.followups if r.rule == "thank_you"]
    assert thanks.status is RowStatus.SKIPPED and thanks.reason.startswith("too late")


class Slow:
    """A Bot API side that takes a while to answer (so a stop lands mid-burst)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self.busy = asyncio.Event()

    async def send(self, message: OutMessage) -> int:
        self.calls += 1
        if self.calls >= 3:
            self.busy.set()
        await asyncio.sleep(0.05)
        result: int = await self.inner.send(message)
        return result


async def test_a_clean_stop_leaves_nothing_sending_and_the_rest_pending(
    journey: Journey,
) -> None:
    many = ORDERS_HEADER + "".join(
        f"90000000000001{n:02d},B{n},Shirt,LS,1,30.00,USD,{PAID.isoformat()},paid,,,,,,RU,ru\n"
        for n in range(30)
    )
    await journey.world.import_data(many)
    async with journey.world.app.db.transaction() as uow:
        for n in range(30):
            await uow.orders.link(f"90000000000001{n:02d}", 7_000_100 + n, PAID)
    runner = journey.world.app.runner
    runner.config = replace(runner.config, workers=2)
    slow = Slow(runner.notifier.inner)  # type: ignore[attr-defined]
    runner.notifier.inner = slow  # type: ignore[attr-defined]
    journey.world.clock.advance(hours=11)  # 09:00 in Moscow: 31 thank-yous due
    burst = asyncio.create_task(runner.run_due())
    await slow.busy.wait()
    await runner.stop()
    await burst
    async with journey.world.app.db.transaction() as uow:
        result = await uow.conn.execute(
            sa.text("SELECT status, COUNT(*) FROM followups WHERE rule='thank_you' GROUP BY status")
        )
        counts = {str(status): int(n) for status, n in result.all()}
    assert counts["sent"] == slow.calls  # every call that started was finished and recorded
    assert counts == {"sent": slow.calls, "pending": 31 - slow.calls}  # none left "sending"
    assert (await runner.run_due()).handled == 0  # a stopped runner sends nothing more
