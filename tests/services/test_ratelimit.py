"""The one rate limiter: spacing per bot, per chat and per group, 429 pauses, 403 hook.

No real waiting and no timing assertions: the limiter's clock and sleep are a virtual clock,
and the tests check the sequence of virtual send times the stub notifier recorded.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable

import pytest

from bot.domain.business import internal_chat_id
from bot.domain.models import OutMessage
from bot.domain.ports import Blocked, RateLimited
from bot.domain.team import TopicAction, topic_chat_id
from bot.services.ratelimit import RateLimitedNotifier, RateLimiter

GLOBAL = 1.05 / 30  # 1/30 s × (1 + 5 % safety)
CHAT = 1.05
GROUP = 3.15


class VirtualTime:
    """A clock that moves only when every task is asleep: then it jumps to the next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *coros: Awaitable[object]) -> list[object]:
        """Run coroutines to completion in virtual time."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        while not all(t.done() for t in tasks):
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers and not all(t.done() for t in tasks):
                wake, _, future = heapq.heappop(self._sleepers)
                if future.done():  # a cancelled timer
                    continue
                self.now = max(self.now, wake)
                future.set_result(None)
        return [t.result() for t in tasks]


class Recorder:
    """A notifier that records (virtual time, chat) of every send, failing on request."""

    def __init__(self, time: VirtualTime) -> None:
        self.time = time
        self.sent: list[tuple[float, int]] = []
        self.fail: list[Exception] = []

    async def send(self, message: OutMessage) -> int:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((round(self.time.now, 6), message.chat_id))
        return len(self.sent)

    async def edit(self, message: OutMessage, message_id: int) -> None:
        await self.send(message)

    async def send_photo(self, message: OutMessage) -> int:
        return await self.send(message)

    async def copy(self, message: OutMessage) -> int:
        return await self.send(message)

    async def topic(self, message: OutMessage) -> None:
        await self.send(message)


def world() -> tuple[VirtualTime, Recorder, RateLimitedNotifier]:
    time = VirtualTime()
    recorder = Recorder(time)
    limiter = RateLimiter(clock=time.clock, sleep=time.sleep)
    return time, recorder, RateLimitedNotifier(recorder, limiter)


def at(*times: float) -> list[float]:
    return [round(t, 6) for t in times]


async def test_one_chat_gets_at_most_one_message_per_second() -> None:
    time, recorder, notifier = world()

    async def three() -> None:
        for _ in range(3):
            await notifier.send(OutMessage(1, "hi"))

    await time.run(three())
    assert [t for t, _ in recorder.sent] == at(0, CHAT, 2 * CHAT)


async def test_different_chats_are_spaced_by_the_bot_wide_rate() -> None:
    time, recorder, notifier = world()
    await time.run(*(notifier.send(OutMessage(chat, "hi")) for chat in range(1, 61)))
    times = [t for t, _ in recorder.sent]
    assert times == at(*(i * GLOBAL for i in range(60)))
    assert sum(1 for t in times if t < 1.0) == 29  # never 30 inside one second


async def test_a_slow_chat_does_not_hold_up_the_others() -> None:
    time, recorder, notifier = world()

    async def to(chat: int, count: int) -> None:
        for _ in range(count):
            await notifier.send(OutMessage(chat, "hi"))

    await time.run(to(1, 3), to(2, 1), to(3, 1))
    assert recorder.sent == [(0.0, 1), (at(GLOBAL)[0], 2), (at(2 * GLOBAL)[0], 3),
                             (at(CHAT)[0], 1), (at(2 * CHAT)[0], 1)]  # fmt: skip


async def test_group_chats_get_at_most_twenty_a_minute() -> None:
    time, recorder, notifier = world()

    async def burst() -> None:
        for _ in range(21):
            await notifier.send(OutMessage(-100500, "news"))

    await time.run(burst())
    times = [t for t, _ in recorder.sent]
    assert times == at(*(i * GROUP for i in range(21)))
    assert sum(1 for t in times if t < 60.0) == 20


async def test_the_team_groups_topics_share_its_pace_and_business_chats_are_private() -> None:
    time, recorder, _ = world()
    limiter = RateLimiter(clock=time.clock, sleep=time.sleep)
    notifier = RateLimitedNotifier(recorder, limiter, group_id=-100500)
    first, second = topic_chat_id(1), topic_chat_id(2)
    business = internal_chat_id(7)

    async def cards() -> None:
        for chat in (first, second, first):
            await notifier.send(OutMessage(chat, "card"))
        await notifier.topic(OutMessage(second, "", action=TopicAction.CLOSE))

    async def replies() -> None:
        for _ in range(3):
            await notifier.send(OutMessage(business, "reply"))

    await time.run(cards(), replies())
    to_topics = [t for t, chat in recorder.sent if chat in (first, second)]
    assert to_topics == at(*(i * GROUP for i in range(4)))  # 20 a minute for the whole group
    to_business = [t for t, chat in recorder.sent if chat == business]
    assert to_business == at(GLOBAL, GLOBAL + CHAT, GLOBAL + 2 * CHAT)  # a private chat's pace
    assert notifier.priority(business) < notifier.priority(first)  # a buyer before the console


async def test_429_pauses_everything_for_the_full_retry_after() -> None:
    time, recorder, notifier = world()
    recorder.fail.append(RateLimited(7.0, "rate limited for 7s"))

    async def scenario() -> None:
        with pytest.raises(RateLimited):
            await notifier.send(OutMessage(1, "first try"))
        await notifier.send(OutMessage(2, "someone else"))
        await notifier.send(OutMessage(1, "retry"))

    await time.run(scenario())
    assert recorder.sent == [(7.0, 2), (at(7.0 + GLOBAL)[0], 1)]
    assert notifier.rate_limited == 1 and notifier.limiter.pauses == 1


async def test_ready_runs_after_the_slot_and_a_refusal_sends_nothing() -> None:
    time, recorder, notifier = world()
    steps: list[str] = []

    async def ready() -> None:
        steps.append(f"ready@{time.now:.2f}")

    async def refuse() -> None:
        raise LookupError("row is no longer pending")

    async def scenario() -> None:
        await notifier.send(OutMessage(1, "a"))
        await notifier.send_when_ready(OutMessage(1, "b"), ready)
        with pytest.raises(LookupError):
            await notifier.send_when_ready(OutMessage(1, "c"), refuse)
        await notifier.send(OutMessage(1, "d"))

    await time.run(scenario())
    assert steps == ["ready@1.05"]
    assert [t for t, _ in recorder.sent] == at(0, CHAT, 2 * CHAT)  # "c" used no slot


async def test_403_reports_the_chat_that_blocked_the_bot() -> None:
    time, recorder, notifier = world()
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    notifier.on_blocked = on_blocked
    recorder.fail.append(Blocked("Forbidden: bot was blocked by the user"))
    with pytest.raises(Blocked):
        await time.run(notifier.send(OutMessage(99, "hello")))
    assert blocked == [99]


def test_unlimited_limiter_never_waits() -> None:
    limiter = RateLimiter.unlimited()
    assert limiter.wait_for(1) == 0.0 and limiter.gap(-5) == 0.0


async def test_replies_go_before_a_burst_of_bulk_follow_ups() -> None:
    time, recorder, notifier = world()

    async def nothing() -> None:
        return None

    async def reply_later() -> None:
        await time.sleep(0.2)  # a buyer writes while the burst is running
        await notifier.send(OutMessage(99, "answer"))

    bulk = [notifier.send_when_ready(OutMessage(chat, "follow-up"), nothing)
            for chat in range(1, 21)]  # fmt: skip
    await time.run(*bulk, reply_later())
    order = [chat for _, chat in recorder.sent]
    slot = next(i for i, (t, _) in enumerate(recorder.sent) if t >= 0.2)
    assert order[slot] == 99  # the first slot after the reply arrived is the reply's
    assert [t for t, _ in recorder.sent] == at(*(i * GLOBAL for i in range(21)))


async def test_buyers_go_before_the_seller_console_and_a_waiting_chat_blocks_nobody() -> None:
    time = VirtualTime()
    recorder = Recorder(time)
    limiter = RateLimiter(clock=time.clock, sleep=time.sleep)
    notifier = RateLimitedNotifier(recorder, limiter, seller_chats=frozenset({42}))

    async def seller_backlog() -> None:
        for _ in range(5):  # a thousand alerts, in miniature: 1 per second at best
            await notifier.send(OutMessage(42, "alert"))

    async def buyers_write_later() -> None:
        await time.sleep(0.5)
        await asyncio.gather(*(notifier.send(OutMessage(chat, "ack")) for chat in range(1, 21)))

    await time.run(seller_backlog(), buyers_write_later())
    buyer_times = [t for t, chat in recorder.sent if chat != 42]
    seller_times = [t for t, chat in recorder.sent if chat == 42]
    assert len(buyer_times) == 20
    assert max(buyer_times) < 0.5 + 21 * GLOBAL  # every buyer within ~one global slot each
    assert len(seller_times) == 5
    assert all(b - a >= CHAT - 1e-9 for a, b in itertools.pairwise(seller_times))
    assert not any(0.5 < t < max(buyer_times) for t in seller_times)  # buyers first
