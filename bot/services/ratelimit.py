"""One rate limiter for everything Parley sends to Telegram.

Telegram allows a bot about 30 messages per second overall, one message per second to the
same chat and 20 messages per minute to the same group; above that it answers HTTP 429 with
``retry_after``. :class:`RateLimiter` spaces sends evenly so those limits are never reached:

* overall: at least ``1/30 s`` between two sends (× ``1 + safety``),
* per private chat: at least ``1 s`` between two sends to it (× ``1 + safety``),
* per group chat (negative id): at least ``3 s`` (20/min, × ``1 + safety``).

Even spacing (rather than "30 in any second") keeps a cushion against network jitter; the
``safety`` margin (5 % by default) absorbs the gap between "granted here" and "arrived
there". Spacing is measured between the moments sends were actually started: a grant is
stamped when the caller leaves :meth:`RateLimiter.turn`, right before the HTTP request.

A 429 that still happens pauses **all** sending for the full ``retry_after``
(:meth:`RateLimiter.pause`) and is raised to the caller, who retries the message after the
pause (the outbox relay and the follow-up runner both do).

No aiolimiter: its leaky bucket knows one rate, while Telegram needs three nested ones plus a
global pause, and tests need an injectable clock and sleep to check the spacing without
waiting for real seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

from bot.domain.business import BUSINESS_BASE, is_business
from bot.domain.models import OutMessage
from bot.domain.ports import Blocked, Notifier, RateLimited
from bot.domain.team import is_topic

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

BOT_PER_SECOND = 30.0
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
SAFETY = 0.05
_FORGET_AFTER = 4096  # prune per-chat stamps when more than this many chats are remembered


class Priority(IntEnum):
    """Who goes first when several sends are ready: lower goes earlier."""

    REPLY = 0  # a buyer is waiting for this
    SELLER = 1  # cards and alerts to the seller console
    BULK = 2  # proactive follow-ups


@dataclass(eq=False)
class _Waiter:
    priority: int
    seq: int
    chat_id: int
    granted: asyncio.Future[None]


class RateLimiter:
    """Grants one send at a time, spaced per bot, per chat and per group chat.

    Waiting sends are kept in a list, not woken all together: whenever a slot frees up
    (a send stamped, a waiter arrived, a timer fired) the limiter grants the best waiter whose
    chat is ready — lowest :class:`Priority`, then first come — or sets one timer for the
    earliest moment someone will be. A chat waiting for its 1 s slot therefore never holds
    up another chat, and hundreds of waiters cost nothing while they wait.
    """

    def __init__(
        self,
        *,
        per_second: float = BOT_PER_SECOND,
        chat_interval: float = CHAT_INTERVAL,
        group_per_minute: float = GROUP_PER_MINUTE,
        safety: float = SAFETY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        factor = 1.0 + safety
        self.global_gap = factor / per_second if per_second > 0 else 0.0
        self.chat_gap = chat_interval * factor
        self.group_gap = 60.0 / group_per_minute * factor if group_per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._held = False
        self._holder_chat = 0
        self._waiting: list[_Waiter] = []
        self._timer: asyncio.Future[None] | None = None
        self._timer_at = math.inf
        self._last_global = -math.inf
        self._last_chat: dict[int, float] = {}
        self._paused_until = -math.inf
        self._seq = itertools.count()
        self.granted = 0
        self.pauses = 0

    @classmethod
    def unlimited(cls) -> RateLimiter:
        """No spacing at all (in-memory Bot API for the demo and tests); 429 still pauses."""
        return cls(per_second=0, chat_interval=0, group_per_minute=0, safety=0)

    def gap(self, chat_id: int) -> float:
        """Minimum time between two sends to ``chat_id`` (a key of
        :meth:`RateLimitedNotifier.pace_key`)."""
        return self.group_gap if chat_id < 0 else self.chat_gap

    def ready_at(self, chat_id: int) -> float:
        """The moment (limiter clock) a send to ``chat_id`` may start."""
        return max(
            self._paused_until,
            self._last_global + self.global_gap,
            self._last_chat.get(chat_id, -math.inf) + self.gap(chat_id),
        )

    def wait_for(self, chat_id: int) -> float:
        """Seconds until a send to ``chat_id`` may start (0 if now)."""
        return max(0.0, self.ready_at(chat_id) - self.clock())

    @property
    def waiting(self) -> int:
        """How many sends are waiting for their turn."""
        return len(self._waiting)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes out for ``seconds``."""
        self.pauses += 1
        self._paused_until = max(self._paused_until, self.clock() + seconds)
        self._kick()

    def _kick(self) -> None:
        """Grant the turn to the best ready waiter, or arm the timer for the next one."""
        if self._held or not self._waiting:
            return
        now = self.clock()
        best: _Waiter | None = None
        earliest = math.inf
        for waiter in self._waiting:
            ready = self.ready_at(waiter.chat_id)
            if ready <= now:
                if best is None or (waiter.priority, waiter.seq) < (best.priority, best.seq):
                    best = waiter
            else:
                earliest = min(earliest, ready)
        if best is not None:
            self._waiting.remove(best)
            self._held = True
            best.granted.set_result(None)
            return
        if earliest < self._timer_at or self._timer is None or self._timer.done():
            if self._timer is not None and not self._timer.done():
                self._timer.cancel()
            self._timer_at = earliest
            self._timer = asyncio.ensure_future(self._alarm(earliest - now))

    async def _alarm(self, seconds: float) -> None:
        await self.sleep(seconds)
        self._timer_at = math.inf
        self._kick()

    def _release(self, sent: bool) -> None:
        if sent:
            now = self.clock()
            self._last_global = now
            self._last_chat[self._holder_chat] = now
            self.granted += 1
            if len(self._last_chat) > _FORGET_AFTER:
                horizon = now - max(self.chat_gap, self.group_gap)
                self._last_chat = {c: t for c, t in self._last_chat.items() if t >= horizon}
        self._held = False
        self._kick()

    async def _wait_turn(self, chat_id: int, priority: int) -> None:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(priority, next(self._seq), chat_id, loop.create_future())
        self._waiting.append(waiter)
        self._kick()
        try:
            await waiter.granted
        except BaseException:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.granted.done() and not waiter.granted.cancelled():
                self._held = False  # granted just as we were cancelled: pass it on
                self._kick()
            raise
        self._holder_chat = chat_id

    @asynccontextmanager
    async def turn(
        self, chat_id: int, *, bulk: bool = False, priority: int | None = None
    ) -> AsyncIterator[None]:
        """Wait until a send to ``chat_id`` may start and hold the turn while the caller gets
        ready; leaving the block normally stamps the send (leave it right before the call).

        Among sends that are ready, lower ``priority`` goes first (``bulk`` means
        :attr:`Priority.BULK`; the default is :attr:`Priority.REPLY`)."""
        if priority is None:
            priority = Priority.BULK if bulk else Priority.REPLY
        await self._wait_turn(chat_id, priority)
        try:
            yield
        except BaseException:
            self._release(sent=False)  # nothing was sent: the slot stays free
            raise
        self._release(sent=True)


class RateLimitedNotifier:
    """The ``Notifier`` every outgoing message passes through: the one rate limiter, the 429
    pause, and a hook for chats that blocked the bot (403).

    Messages to ``seller_chats`` (and to any group) queue behind messages to buyers, and
    proactive follow-ups (:meth:`send_when_ready`) behind both.
    """

    def __init__(
        self,
        inner: Notifier,
        limiter: RateLimiter,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        seller_chats: frozenset[int] = frozenset(),
        group_id: int | None = None,
    ) -> None:
        self.inner = inner
        self.limiter = limiter
        self.on_blocked = on_blocked
        self.seller_chats = seller_chats
        self.group_id = group_id  # the team group: every topic in it shares its pace
        self.rate_limited = 0

    def priority(self, chat_id: int) -> Priority:
        """How urgent a message to ``chat_id`` is (a buyer's answer first)."""
        if is_business(chat_id):
            return Priority.REPLY
        if chat_id < 0 or chat_id in self.seller_chats:
            return Priority.SELLER
        return Priority.REPLY

    def pace_key(self, chat_id: int) -> int:
        """The chat whose limits a send to ``chat_id`` counts against: the team group for a
        topic of it; a business chat is a private chat (1 s apart), not a group."""
        if is_topic(chat_id) and self.group_id is not None:
            return self.group_id
        if is_business(chat_id):
            return BUSINESS_BASE - chat_id  # a positive key of its own
        return chat_id

    async def send(self, message: OutMessage) -> int:
        """Send when the limiter allows."""
        return await self._paced(message.chat_id, lambda: self.inner.send(message))

    async def send_when_ready(
        self, message: OutMessage, ready: Callable[[], Awaitable[None]]
    ) -> int:
        """Wait for the slot, run ``ready`` (e.g. mark a row ``sending``), then send.

        For proactive messages: they are bulk traffic and let waiting replies go first."""
        async with self.limiter.turn(self.pace_key(message.chat_id), bulk=True):
            await ready()
        return await self._guard(message.chat_id, self.inner.send(message))

    async def send_photo(self, message: OutMessage) -> int:
        """Send a photo when the limiter allows."""
        return await self._paced(message.chat_id, lambda: self.inner.send_photo(message))

    async def copy(self, message: OutMessage) -> int:
        """Copy a message into a chat when the limiter allows."""
        return await self._paced(message.chat_id, lambda: self.inner.copy(message))

    async def edit(self, message: OutMessage, message_id: int) -> None:
        """Edit when the limiter allows (edits count towards the same limits)."""
        await self._paced(message.chat_id, lambda: self.inner.edit(message, message_id))

    async def topic(self, message: OutMessage) -> None:
        """Close or reopen a forum topic when the limiter allows (the group's pace)."""
        await self._paced(message.chat_id, lambda: self.inner.topic(message))

    async def _paced(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        async with self.limiter.turn(self.pace_key(chat_id), priority=self.priority(chat_id)):
            pass
        return await self._guard(chat_id, call())

    async def _guard(self, chat_id: int, call: Awaitable[T]) -> T:
        try:
            return await call
        except RateLimited as exc:
            self.rate_limited += 1
            self.limiter.pause(exc.seconds)
            raise
        except Blocked:
            if self.on_blocked is not None:
                await self.on_blocked(chat_id)
            raise
