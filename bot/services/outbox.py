"""Delivering the outbox: every queued message reaches Telegram, in order, at least once.

A crash between Telegram accepting a message and the row being marked ``sent`` makes the
message go out again after restart (at-least-once). We accept that rare duplicate rather
than risk losing a reply; edits are idempotent anyway.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.domain.ports import Clock, Notifier, OutboxRow, RetryLater, Store, Undeliverable

log = logging.getLogger(__name__)

INLINE_WAIT_LIMIT = 5.0  # a rate-limit pause up to this long is waited out on the spot
MAX_ATTEMPTS = 8


class OutboxRelay:
    """Sends pending outbox rows through the ``Notifier`` port."""

    def __init__(self, store: Store, clock: Clock, notifier: Notifier) -> None:
        self.store = store
        self.clock = clock
        self.notifier = notifier
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        """Send everything due now; returns how many rows were delivered."""
        delivered = 0
        async with self._lock:
            while True:
                async with self.store.transaction() as uow:
                    rows = await uow.outbox.due(self.clock.now())
                if not rows:
                    return delivered
                progressed = False
                for row in rows:
                    if await self._deliver(row):
                        delivered += 1
                        progressed = True
                if not progressed:
                    return delivered

    async def _deliver(self, row: OutboxRow) -> bool:
        message = row.message
        for _ in range(3):
            try:
                if message.edit:
                    assert message.ref is not None
                    async with self.store.transaction() as uow:
                        target = await uow.outbox.sent_message_id(message.chat_id, message.ref)
                    if target is None:
                        raise Undeliverable(f"nothing was sent under {message.ref} to edit")
                    await self.notifier.edit(message, target)
                    message_id: int | None = target
                elif message.copy_of is not None:
                    message_id = await self.notifier.copy(message)
                elif message.photo is not None:
                    message_id = await self.notifier.send_photo(message)
                else:
                    message_id = await self.notifier.send(message)
            except RetryLater as exc:
                if exc.seconds <= INLINE_WAIT_LIMIT:
                    await asyncio.sleep(exc.seconds)
                    continue
                return await self._later(row, exc.seconds, str(exc))
            except Undeliverable as exc:
                log.warning("outbox %s to chat %s failed: %s", row.id, message.chat_id, exc)
                async with self.store.transaction() as uow:
                    await uow.outbox.mark_failed(row.id, str(exc), self.clock.now())
                return False
            async with self.store.transaction() as uow:
                await uow.outbox.mark_sent(row.id, message_id, self.clock.now())
            return True
        return await self._later(row, INLINE_WAIT_LIMIT, "rate limited")

    async def _later(self, row: OutboxRow, seconds: float, reason: str) -> bool:
        async with self.store.transaction() as uow:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await uow.outbox.mark_failed(row.id, f"gave up: {reason}", self.clock.now())
            else:
                delay = max(seconds, 2.0**row.attempts)
                at = self.clock.now() + timedelta(seconds=delay)
                await uow.outbox.retry_later(row.id, at, reason)
        return False
