"""The inbox: incoming updates are stored before they are handled.

A repeated delivery (same ``update_id``, same content) is stored and handled once; an update
whose handling was cut off by a crash is still ``pending`` and is handled at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from bot.domain.errors import StorageUnavailable
from bot.domain.ports import HANDLING, Clock, Store, UpdateClaim

log = logging.getLogger(__name__)

Handler = Callable[[str], Awaitable[None]]
BATCH = 100


class InboxService:
    """Stores raw updates and feeds the pending ones, in order, to a handler."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        # Updates this process stored and has not handled yet (inbox id → payload). Once one
        # read of the table found every pending update (``_complete``), they are handled from
        # here without reading the table again; when none is known the table is read.
        self._known: dict[int, str] = {}
        self._complete = False

    async def receive(self, updates: Iterable[tuple[int, str]]) -> int:
        """Store updates (``update_id``, JSON); returns how many were new."""
        stored: list[tuple[int, str]] = []
        async with self.store.transaction() as uow:
            for update_id, payload in updates:
                inbox_id = await uow.inbox.add(update_id, payload, self.clock.now())
                if inbox_id:
                    stored.append((inbox_id, payload))
        self._known.update(stored)
        return len(stored)

    async def process(
        self,
        handle: Handler,
        after_each: Callable[[], object] | None = None,
        on_handled: Callable[[float, bool], None] | None = None,
        stop: asyncio.Event | None = None,
    ) -> int:
        """Handle every pending update in order; returns how many were handled.

        ``after_each`` runs after each update (e.g. wake the outbox relay; it must not wait
        for sending). An update whose handler raised is stored as failed with the error; one
        that failed because the database could not be written stays pending, and
        :class:`StorageUnavailable` is raised so the caller can wait and try again. Once
        ``stop`` is set, the update in hand finishes and the rest stay pending."""
        handled = 0
        loop = asyncio.get_running_loop()
        while True:
            read = not (self._complete and self._known)
            if read:
                async with self.store.transaction() as uow:
                    batch = await uow.inbox.pending(BATCH)
            else:
                batch = sorted(self._known.items())[:BATCH]
            for inbox_id, payload in batch:
                if stop is not None and stop.is_set():
                    return handled
                started = loop.time()
                error = await self._handle_one(inbox_id, payload, handle)
                self._known.pop(inbox_id, None)
                handled += 1
                if on_handled is not None:
                    on_handled(loop.time() - started, error is None)
                if after_each is not None:
                    after_each()
            if len(batch) < BATCH:  # what arrives meanwhile wakes the caller again
                self._complete = self._complete or read
                return handled

    async def _handle_one(self, inbox_id: int, payload: str, handle: Handler) -> str | None:
        """Handle one update; its "done" commits with the handler's first transaction
        (:class:`UpdateClaim`), or here when the handler wrote nothing or failed."""
        claim = UpdateClaim(inbox_id, self.clock.now(), asyncio.current_task())
        token = HANDLING.set(claim)
        error: str | None = None
        try:
            await handle(payload)
        except StorageUnavailable:
            raise
        except Exception as exc:
            log.exception("inbox update #%s failed", inbox_id)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            HANDLING.reset(token)
        if error is not None or not claim.taken:
            async with self.store.transaction() as uow:
                await uow.inbox.finish(inbox_id, self.clock.now(), error)
        return error
