"""The inbox: incoming updates are stored before they are handled.

A repeated delivery (same ``update_id``, same content) is stored and handled once; an update
whose handling was cut off by a crash is still ``pending`` and is handled at the next start.

**Several workers** (PostgreSQL; ``worker`` and ``lease`` given): the worker that stores an
update leases it (``claimed_by``, ``lease_until``) and handles it; updates it does not know
(another worker's whose lease expired — a dead worker —, or one released at a stop) it claims
from the table, only the oldest pending one of each chat and none whose lease another worker
still holds (``FOR UPDATE SKIP LOCKED``). Whatever the leases say, an update is *taken* as its
handler's first transaction begins (:class:`~bot.domain.ports.UpdateClaim`): only if it is
still pending, not held by another worker's live lease nor by another transaction, and no
older update of its chat is pending; its "done" commits with the handler's changes. So every
update is handled exactly once, and one chat's updates one at a time, oldest first, across
workers. An update that is not this worker's to take now is left (:class:`UpdateTaken`).

A lease only says "this worker will handle it": while the updates wait in the worker's queue
(a burst, one slow chat ahead of them) :meth:`InboxService.keep_leases` renews them every
third of the lease, so another worker takes them over only when their worker is gone, not
when they merely waited longer than the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from bot.domain.errors import StorageUnavailable, UpdateTaken
from bot.domain.ports import HANDLING, Clock, Store, UpdateClaim

log = logging.getLogger(__name__)

Handler = Callable[[str], Awaitable[None]]
BATCH = 100
LEASE = timedelta(seconds=30)  # how long a worker's claim keeps other workers off an update
RENEW_CHUNK = 1000


def worker_name() -> str:
    """This process among the workers sharing a database (the holder named in its leases):
    host, process id and a random part (a restarted process with a reused id is another
    worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class InboxService:
    """Stores raw updates and feeds the pending ones, in order, to a handler."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        worker: str | None = None,
        lease: timedelta | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.worker = worker if lease is not None else None  # leases: several workers
        self.lease = lease or LEASE
        # Updates this process stored (and, with leases, leased) and has not handled yet
        # (inbox id → payload). Once one read of the table found every pending update
        # (``_complete``; with leases: always), they are handled from here without reading
        # the table again; when none is known the table is read (claimed, with leases).
        self._known: dict[int, str] = {}
        self._complete = self.worker is not None

    @classmethod
    def of_worker(cls, store: Store, clock: Clock, *, shared: bool) -> InboxService:
        """This process's inbox: alone on its database, or (``shared``) one worker among
        several, its updates leased under its :func:`worker_name`."""
        if not shared:
            return cls(store, clock)
        return cls(store, clock, worker=worker_name(), lease=LEASE)

    async def receive(self, updates: Iterable[tuple[int, str]]) -> int:
        """Store updates (``update_id``, JSON); returns how many were new."""
        stored: list[tuple[int, str]] = []
        now = self.clock.now()
        async with self.store.transaction() as uow:
            for update_id, payload in updates:
                inbox_id = await uow.inbox.add(
                    update_id, payload, now, self.worker, now + self.lease
                )
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
                batch = await self._read()
            else:
                batch = sorted(self._known.items())[:BATCH]
            before = handled
            for inbox_id, payload in batch:
                if stop is not None and stop.is_set():
                    return handled
                started = loop.time()
                try:
                    error = await self._handle_one(inbox_id, payload, handle)
                except UpdateTaken:
                    self._known.pop(inbox_id, None)  # someone else's, or its turn is later
                    log.debug("inbox update #%s is not this worker's to handle now", inbox_id)
                    continue
                self._known.pop(inbox_id, None)
                handled += 1
                if on_handled is not None:
                    on_handled(loop.time() - started, error is None)
                if after_each is not None:
                    after_each()
            if read and self.worker is not None:
                if handled == before:  # nothing claimable could be taken: later
                    return handled
                continue  # a claim takes one update per chat: the next ones may be due now
            if len(batch) < BATCH:  # what arrives meanwhile wakes the caller again
                self._complete = self._complete or read
                return handled

    async def _read(self) -> list[tuple[int, str]]:
        """Pending updates from the table: claimed (leased to this worker) with leases."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            if self.worker is None:
                return await uow.inbox.pending(BATCH)
            return await uow.inbox.claim(self.worker, now, now + self.lease, BATCH)

    async def renew(self) -> int:
        """Extend the leases on the updates this worker holds and has not handled yet; how
        many. Those another worker has claimed since (this one's lease had run out) are
        forgotten here: that worker handles them."""
        if self.worker is None or not self._known:
            return 0
        now = self.clock.now()
        waiting = sorted(self._known)
        renewed: list[int] = []
        async with self.store.transaction() as uow:
            for start in range(0, len(waiting), RENEW_CHUNK):  # bound a statement's parameters
                chunk = waiting[start : start + RENEW_CHUNK]
                renewed += await uow.inbox.renew(self.worker, chunk, now + self.lease)
        for inbox_id in set(waiting) - set(renewed):  # handled meanwhile, or not ours now
            self._known.pop(inbox_id, None)
        return len(renewed)

    async def keep_leases(self, stop: asyncio.Event) -> None:
        """Renew the leases every third of the lease until ``stop`` (several workers only;
        a failed renewal is retried at the next turn)."""
        if self.worker is None:
            return
        every = self.lease.total_seconds() / 3
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if stop.is_set():
                return
            try:
                await self.renew()
            except StorageUnavailable as exc:
                log.warning("inbox leases not renewed (%s); trying again", exc)
            except Exception:
                log.exception("renewing the inbox leases failed; trying again")

    async def release(self) -> int:
        """Give up the leases on updates this worker stored or claimed and has not handled
        (at a stop: another worker may take them at once); how many."""
        self._known.clear()
        if self.worker is None:
            return 0
        async with self.store.transaction() as uow:
            return await uow.inbox.release(self.worker)

    async def _handle_one(self, inbox_id: int, payload: str, handle: Handler) -> str | None:
        """Handle one update; its "done" commits with the handler's first transaction
        (:class:`UpdateClaim`), or here when the handler wrote nothing or failed. Raises
        :class:`UpdateTaken` when it is not this worker's to handle now."""
        claim = UpdateClaim(inbox_id, self.clock.now(), asyncio.current_task(), worker=self.worker)
        token = HANDLING.set(claim)
        error: str | None = None
        try:
            await handle(payload)
        except (StorageUnavailable, UpdateTaken):
            raise
        except Exception as exc:
            log.exception("inbox update #%s failed", inbox_id)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            HANDLING.reset(token)
        if error is not None or not claim.taken:
            async with self.store.transaction() as uow:
                if not await uow.inbox.finish(inbox_id, self.clock.now(), error, self.worker):
                    raise UpdateTaken(f"inbox update #{inbox_id}")
        return error
