"""Long polling through the inbox: store a batch, confirm it, then handle it update by update.

Unlike aiogram's built-in polling, an update is written to the inbox before Telegram is told
(by the next ``getUpdates`` offset) that we have it, and a stop request lets the update in
hand finish; so a crash or SIGTERM never loses or half-handles an update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook, GetUpdates
from aiogram.types import Update

from bot.services.inbox import InboxService
from bot.services.outbox import OutboxRelay

log = logging.getLogger(__name__)

MIN_EMPTY_POLL = 0.5  # seconds; the least time between two empty getUpdates answers


class Poller:
    """Feeds updates from ``getUpdates`` through the inbox into the Dispatcher."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        inbox: InboxService,
        relay: OutboxRelay,
        polling_timeout: int = 25,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.inbox = inbox
        self.relay = relay
        self.polling_timeout = polling_timeout

    async def handle(self, payload: str) -> None:
        """Handle one stored update through the Dispatcher."""
        update = Update.model_validate_json(payload, context={"bot": self.bot})
        await self.dispatcher.feed_update(self.bot, update)

    async def drain(self) -> int:
        """Handle every pending update, delivering replies after each."""
        return await self.inbox.process(self.handle, self.relay.flush)

    async def accept(self, updates: list[Update]) -> None:
        """Store updates in the inbox (duplicates are ignored)."""
        await self.inbox.receive(
            (u.update_id, u.model_dump_json(exclude_none=True, by_alias=True)) for u in updates
        )

    async def poll_once(self, offset: int | None = None, timeout: int = 0) -> int | None:
        """One ``getUpdates`` round: store, confirm, handle. Returns the next offset."""
        request = GetUpdates(
            offset=offset,
            timeout=timeout,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )
        updates = await self.bot(request)
        if updates:
            await self.accept(updates)
            offset = updates[-1].update_id + 1
        await self.drain()
        return offset

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; pending work from a previous run is done first."""
        await self.drain()
        await self.relay.flush()
        allowed = self.dispatcher.resolve_used_update_types()
        offset: int | None = None
        delay = 1.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            request = GetUpdates(offset=offset, timeout=self.polling_timeout,
                                 allowed_updates=allowed)  # fmt: skip
            asked = loop.time()
            fetch = asyncio.ensure_future(
                self.bot(request, request_timeout=self.polling_timeout + 10)
            )
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not fetch.done():
                fetch.cancel()
                break
            try:
                updates = fetch.result()
            except TelegramUnauthorizedError:
                raise
            except TelegramConflictError:
                log.warning("getUpdates conflict: removing the webhook so polling can work")
                await self._quietly(DeleteWebhook(drop_pending_updates=False))
                continue
            except Exception as exc:  # noqa: BLE001 - keep polling through network trouble
                log.error("getUpdates failed (%s: %s); retrying in %.0fs",
                          type(exc).__name__, exc, delay)  # fmt: skip
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            if updates:
                await self.accept(updates)
                offset = updates[-1].update_id + 1
            elif loop.time() - asked < MIN_EMPTY_POLL:
                # A Bot API server that does not hold long polls must not be hammered.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), MIN_EMPTY_POLL)
            await self.drain()

    async def _quietly(self, method: DeleteWebhook) -> None:
        try:
            await self.bot(method)
        except Exception as exc:  # noqa: BLE001 - best effort
            log.warning("%s failed: %s", type(method).__name__, exc)
