"""Long polling through the inbox: store a batch, confirm it, then handle it update by update.

Unlike aiogram's built-in polling, an update is written to the inbox before Telegram is told
(by the next ``getUpdates`` offset) that we have it, and a stop request lets the update in
hand finish; so a crash or SIGTERM never loses or half-handles an update.

Updates are fetched as raw JSON (:class:`GetRawUpdates`): one that aiogram cannot parse is
stored as it came, recorded as failed when handled, and confirmed like any other, so it
never blocks the updates behind it. While the database cannot be written, nothing is
confirmed: Telegram keeps the updates until Parley can store them.

Handling never waits for sending: replies are queued in the outbox and the relay, running
in its own task, is only woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook
from aiogram.types import Update

from bot.domain.errors import StorageUnavailable
from bot.logs import log_context
from bot.services.health import Health
from bot.services.inbox import InboxService
from bot.services.outbox import OutboxRelay
from bot.telegram.session import GetRawUpdates

log = logging.getLogger(__name__)

MIN_EMPTY_POLL = 0.5  # seconds; the least time between two empty getUpdates answers
MAX_BACKOFF = 30.0


def raw_updates(items: list[Any]) -> tuple[list[tuple[int, str]], int | None]:
    """The storable (update_id, JSON) pairs of a ``getUpdates`` answer and the next offset.

    Anything without an integer ``update_id`` cannot be stored or handled; it is skipped
    (logged) but still confirmed by the offset."""
    stored: list[tuple[int, str]] = []
    highest: int | None = None
    for item in items:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.error("getUpdates returned an item without an update_id; skipped: %.200r", item)
            continue
        stored.append((update_id, json.dumps(item, ensure_ascii=False, separators=(",", ":"))))
        highest = update_id if highest is None else max(highest, update_id)
    return stored, (highest + 1 if highest is not None else None)


def _chat_of(update: Update) -> int | None:
    """The chat an update comes from, for log lines."""
    if update.callback_query is not None:
        message = update.callback_query.message
        return message.chat.id if message is not None else update.callback_query.from_user.id
    for message in (update.message, update.edited_message):
        if message is not None:
            return message.chat.id
    return None


class Poller:
    """Feeds updates from ``getUpdates`` through the inbox into the Dispatcher."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        inbox: InboxService,
        relay: OutboxRelay,
        polling_timeout: int = 25,
        health: Health | None = None,
        on_handled: Callable[[float, bool], None] | None = None,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.inbox = inbox
        self.relay = relay
        self.polling_timeout = polling_timeout
        self.health = health or relay.health
        self.on_handled = on_handled
        self.stop = asyncio.Event()  # set by run()'s caller's stop: the drain ends early

    async def handle(self, payload: str) -> None:
        """Handle one stored update through the Dispatcher (an unparseable one raises, and
        the inbox records it as failed)."""
        update = Update.model_validate_json(payload, context={"bot": self.bot})
        with log_context(update_id=update.update_id, chat_id=_chat_of(update)):
            await self.dispatcher.feed_update(self.bot, update)

    async def drain(self) -> int:
        """Handle every pending update; the relay is woken after each (unless what each
        commits is handed to it directly), never waited for."""
        wake = None if self.relay.takes_offers else self.relay.wake
        return await self.inbox.process(self.handle, wake, self.on_handled, stop=self.stop)

    async def accept(self, updates: list[Update]) -> None:
        """Store parsed updates in the inbox (duplicates are ignored)."""
        await self.inbox.receive(
            (u.update_id, u.model_dump_json(exclude_none=True, by_alias=True)) for u in updates
        )

    async def fetch(self, offset: int | None, timeout: int) -> list[Any]:
        """One raw ``getUpdates`` call."""
        request = GetRawUpdates(
            offset=offset,
            timeout=timeout,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )
        return await self.bot(request, request_timeout=timeout + 10)

    async def poll_once(self, offset: int | None = None, timeout: int = 0) -> int | None:
        """One round for the demo and tests: fetch, store, handle, then deliver everything
        due. Returns the next offset."""
        stored, following = raw_updates(await self.fetch(offset, timeout))
        if stored:
            await self.inbox.receive(stored)
        await self.drain()
        await self.relay.flush()
        return following if following is not None else offset

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; pending work from a previous run is done first."""
        self.stop = stop
        await self._drain_safely(stop)
        offset: int | None = None
        delay = 1.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            asked = loop.time()
            fetch = asyncio.ensure_future(self.fetch(offset, self.polling_timeout))
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not fetch.done():
                fetch.cancel()
                break
            try:
                items = fetch.result()
            except TelegramUnauthorizedError:
                raise
            except TelegramConflictError:
                log.warning("getUpdates conflict: removing the webhook so polling can work")
                await self._quietly(DeleteWebhook(drop_pending_updates=False))
                continue
            except Exception as exc:  # noqa: BLE001 - keep polling through network trouble
                await self.health.failed(self.health.api, f"getUpdates: {type(exc).__name__}")
                log.debug("getUpdates failed (%s); retrying in %.0fs", exc, delay)
                await self._pause(stop, delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            await self.health.ok(self.health.api)
            stored, following = raw_updates(items)
            try:
                if stored:
                    await self.inbox.receive(stored)
            except StorageUnavailable as exc:
                # Not stored, so not confirmed: the next getUpdates asks from the same offset.
                await self.health.failed(self.health.database, str(exc.__cause__ or exc))
                await self._pause(stop, delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = 1.0
            if following is not None:
                offset = following
            elif loop.time() - asked < MIN_EMPTY_POLL:
                # A Bot API server that does not hold long polls must not be hammered.
                await self._pause(stop, MIN_EMPTY_POLL)
            await self._drain_safely(stop)

    async def _drain_safely(self, stop: asyncio.Event) -> None:
        try:
            await self.drain()
        except StorageUnavailable as exc:
            await self.health.failed(self.health.database, str(exc.__cause__ or exc))
            await self._pause(stop, 2.0)
            return
        await self.health.ok(self.health.database)

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def _quietly(self, method: DeleteWebhook) -> None:
        try:
            await self.bot(method)
        except Exception as exc:  # noqa: BLE001 - best effort
            log.warning("%s failed: %s", type(method).__name__, exc)
