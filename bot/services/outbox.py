"""Delivering the outbox: every queued message reaches Telegram, in order per chat, at least once.

Sending never holds up handling: :meth:`OutboxRelay.run` drains the outbox in its own task,
one worker per chat with work, so a chat waiting for its 1 s slot (a seller console with a
thousand cards queued) never delays another chat (a buyer waiting for an answer). Which
send goes first among ready chats is the rate limiter's call (buyers before sellers before
follow-ups). While the relay runs, every unit of work that queues rows hands them over as it
commits (:meth:`~OutboxRelay.offer`): they are sent without being read back, and deliveries
finishing together are recorded in one transaction. Jobs and one-shot commands
:meth:`~OutboxRelay.wake` it, and it looks at the table itself every few seconds (retries,
rows another process queued).

A crash between Telegram accepting a message and the row being marked ``sent`` makes the
message go out again after restart (at-least-once). We accept that rare duplicate rather
than risk losing a reply; edits are idempotent anyway. A database that cannot record a
delivery (disk full) does not cause one: the relay remembers what it sent and records it
before it sends anything else to that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.domain.errors import StorageUnavailable
from bot.domain.ports import (
    Clock,
    Notifier,
    OutboxRow,
    Store,
)
from bot.services.health import Health
from bot.services.outbox_delivery import (
    Courier,
    Outcome,
)

log = logging.getLogger(__name__)

EDIT_GAP = 3.0  # seconds between two edits of the same message: later ones are merged
IDLE_CHECK = 10.0  # look for due retries at least this often
QUEUE_BATCH = 20
RECORD_WINDOW = 0.02  # seconds a delivery waits for others in flight to be recorded with it
KNOWN_TARGETS = 10_000  # (chat, ref) → message id of what was sent, kept for later edits


class OutboxRelay:
    """Sends pending outbox rows through the ``Notifier`` port, one task per busy chat."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        notifier: Notifier,
        *,
        health: Health | None = None,
        priority: Callable[[int], int] = lambda chat_id: 0,
        edit_gap: float = EDIT_GAP,
        max_chats: int = 256,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.notifier = notifier
        self.health = health or Health()
        self.priority = priority
        self.edit_gap = edit_gap
        self.max_chats = max_chats
        self._monotonic = monotonic or (lambda: asyncio.get_running_loop().time())
        self.courier = Courier(notifier, clock, self.health, edit_gap, self._monotonic)
        self.stats = self.courier.stats
        self._busy: dict[int, asyncio.Task[bool]] = {}
        self._wake = asyncio.Event()
        self._unrecorded: dict[int, tuple[int | None, str | None]] = {}
        self._deferred_until: float | None = None
        self._running = False
        self.takes_offers = False  # set when commits hand their rows to :meth:`offer`
        self._offered: dict[int, list[OutboxRow]] = {}  # chat → rows handed over by commits
        self._targets: dict[tuple[int, str], int] = {}  # what edits of a ref change
        self._records: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None
        self._sending = 0
        self._sent_all = asyncio.Event()

    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]:
        """How the short inline retry pauses are waited (tests replace it)."""
        return self.courier.sleep

    @sleep.setter
    def sleep(self, value: Callable[[float], Awaitable[None]]) -> None:
        self.courier.sleep = value

    def wake(self) -> None:
        """New rows are in the outbox (cheap; call after every change that queued some)."""
        self._wake.set()

    def offer(self, rows: list[OutboxRow]) -> None:
        """Rows a unit of work has just committed (``Database.on_queued``): while the relay
        runs, their chats' workers start with them at once, without reading them back; a
        busy chat's worker takes them after what it has. Otherwise (one-shot commands,
        tests) :meth:`flush` reads the table as before."""
        if not self._running or not self.health.sender:
            return
        for row in rows:
            self._offered.setdefault(row.message.chat_id, []).append(row)
        for chat_id in {row.message.chat_id for row in rows}:
            if chat_id in self._busy:
                continue
            if len(self._busy) >= self.max_chats:
                self._offered.pop(chat_id, None)  # the next look at the table finds them
                self._wake.set()
                continue
            self._busy[chat_id] = asyncio.ensure_future(self._drain_chat(chat_id))

    def role_changed(self, sender: bool) -> None:
        """This worker became the sender (it looks at the table at once) or is no longer
        (its chats' workers stop before their next send; another worker sends the rest)."""
        self.health.sender = sender
        self._wake.set()

    async def idle(self) -> None:
        """Wait until no chat is being delivered to (benchmarks, tests)."""
        while self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    async def deliver_soon(self) -> None:
        """Have what was just queued delivered: wake the relay task when it runs, otherwise
        (one-shot commands, tests) deliver now."""
        if self._running:
            self.wake()
        else:
            await self.flush()

    @property
    def busy_chats(self) -> int:
        """Chats being delivered to right now."""
        return len(self._busy)

    async def flush(self) -> int:
        """Deliver everything due now and wait until it is done (demo, tests, CLI); returns
        how many rows were delivered. A database that cannot be read ends it early."""
        before = self.stats.sent + self.stats.probably_sent
        while True:
            progress = self.stats.sent + self.stats.probably_sent + self.stats.failed
            try:
                await self._dispatch()
            except StorageUnavailable as exc:  # nothing can be read: try again later
                await self.health.failed(self.health.database, str(exc.__cause__ or exc))
                break
            if not self._busy:
                break
            await asyncio.gather(*self._busy.values(), return_exceptions=True)
            if self.stats.sent + self.stats.probably_sent + self.stats.failed == progress:
                break
        return self.stats.sent + self.stats.probably_sent - before

    async def run(self, stop: asyncio.Event, grace: float = 3.0) -> None:
        """Deliver until ``stop``; then give sends in flight ``grace`` seconds and leave the
        rest pending for the next start."""
        stopper = asyncio.ensure_future(stop.wait())
        self._running = True
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    timeout = await self._dispatch()
                except StorageUnavailable as exc:
                    await self.health.failed(self.health.database, str(exc.__cause__ or exc))
                    timeout = 5.0
                waker = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({waker, stopper}, timeout=timeout,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                waker.cancel()
                await asyncio.sleep(0.02)  # gather a burst of wake-ups into one look
        finally:
            self._running = False
            stopper.cancel()
            await self.stop(grace)

    async def stop(self, grace: float = 3.0) -> None:
        """Let workers finish their send in flight for up to ``grace`` seconds, then cancel."""
        tasks: list[asyncio.Future[Any]] = list(self._busy.values())
        if self._recorder is not None and not self._recorder.done():
            tasks.append(self._recorder)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)

    async def _dispatch(self) -> float:
        """Start a worker for every chat with due work (buyers first); returns how long the
        caller may sleep before looking again."""
        if not self.health.sender:  # another worker sends; told when that changes
            return IDLE_CHECK
        now = self.clock.now()
        async with self.store.transaction() as uow:
            heads, retry_at = await uow.outbox.due_chats(now)
        free = [h for h in heads if h[0] not in self._busy]
        free.sort(key=lambda head: (self.priority(head[0]), head[1]))
        for chat_id, _ in free[: max(0, self.max_chats - len(self._busy))]:
            self._busy[chat_id] = asyncio.ensure_future(self._drain_chat(chat_id))
        timeout = IDLE_CHECK
        if retry_at is not None:
            timeout = min(timeout, max(0.05, (retry_at - now).total_seconds()))
        if self._deferred_until is not None:
            timeout = min(timeout, max(0.05, self._deferred_until - self._monotonic()))
            self._deferred_until = None
        return timeout

    async def _drain_chat(self, chat_id: int) -> bool:
        """Deliver one chat's due rows in order; True if anything was settled. Rows handed
        over by :meth:`offer` are sent as they are and their deliveries recorded together
        with other chats' (:meth:`_record`); otherwise, or as soon as anything else happens
        (a retry, a failure, an edit whose target is not known here), the chat's queue is
        read, and recording a delivery and reading what is next share one transaction."""
        progressed = False
        left = False
        try:
            rows = self._offered.pop(chat_id, None)
            if rows is not None:
                rows = await self._send_offered(chat_id, rows)
                progressed = True
                if rows is None:
                    return progressed
            async with self.store.transaction() as uow:
                rows = await uow.outbox.queue(chat_id, QUEUE_BATCH)
            self._offered.pop(chat_id, None)  # read with the rest
            self._learn_targets(rows)
            while rows and self.health.sender:
                now = self.clock.now()
                outcome: Outcome | None = None
                for row in rows:
                    if row.not_before is not None and row.not_before > now:
                        if row.message.edit:
                            continue  # a later edit may overtake a waiting one: both are
                        break  # idempotent; anything else keeps the chat's order
                    if row.message.edit and self._edit_too_soon(row):
                        continue
                    outcome = await self._deliver(row)
                    break
                if outcome is None or outcome.later:
                    if outcome is not None:
                        await self._settle(outcome, chat_id=None)
                    left = True
                    return progressed
                rows = await self._settle(outcome, chat_id)
                self._learn_targets(rows)
                progressed = True
            return progressed
        except StorageUnavailable as exc:
            await self.health.failed(self.health.database, str(exc.__cause__ or exc))
            left = True
            return progressed
        except Exception:
            log.exception("delivering to chat %s failed; it is retried later", chat_id)
            left = True
            return progressed
        finally:
            self._busy.pop(chat_id, None)
            if self._offered.pop(chat_id, None) is not None or left:
                self._wake.set()  # the next look at the table takes what is left

    async def _send_offered(self, chat_id: int, rows: list[OutboxRow]) -> list[OutboxRow] | None:
        """Send handed-over rows in order while each simply goes out; None when all did,
        else what is left (the caller then reads the chat's queue)."""
        while rows:
            if not self.health.sender:
                return None
            row = rows[0]
            if row.not_before is not None or row.id in self._unrecorded:
                return rows
            if row.message.edit:
                target = self._targets.get((chat_id, row.message.ref or ""))
                if target is None or self._edit_too_soon(row):
                    return rows
                row = OutboxRow(row.id, row.message, row.attempts, row.not_before, target)
            outcome = await self._deliver(row)
            if not outcome.sent:
                await self._settle(outcome, chat_id=None)
                return rows[1:]
            await self._record(outcome)
            rows = rows[1:] + self._offered.pop(chat_id, [])
        return None

    def _learn_targets(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            if row.message.edit and row.message.ref and row.target is not None:
                self._know_target(row.message.chat_id, row.message.ref, row.target)

    def _know_target(self, chat_id: int, ref: str, message_id: int) -> None:
        if len(self._targets) >= KNOWN_TARGETS:
            self._targets.clear()
        self._targets[(chat_id, ref)] = message_id

    async def _record(self, outcome: Outcome) -> None:
        """Record a delivery; deliveries to other chats finishing at the same moment are
        recorded in the same transaction (one statement). Returns once it is recorded; a
        delivery the database could not record is remembered, not repeated."""
        row = outcome.row
        self._unrecorded[row.id] = (outcome.message_id, outcome.note)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._records.append((outcome, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.ensure_future(self._write_records())
        await done

    async def _write_records(self) -> None:
        while self._records:
            if self._sending:  # others' sends in flight: let them join this transaction
                self._sent_all.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._sent_all.wait(), RECORD_WINDOW)
            batch, self._records = self._records, []
            delivered = [(o.row.id, o.message_id, o.note) for o, _ in batch]
            try:
                async with self.store.transaction() as uow:
                    await uow.outbox.mark_sent_many(delivered, self.clock.now())
            except Exception as exc:  # noqa: BLE001 - each waiting worker handles it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for outcome, done in batch:
                self._unrecorded.pop(outcome.row.id, None)
                if not done.done():
                    done.set_result(None)
            await self.health.ok(self.health.database)

    async def _settle(self, outcome: Outcome, chat_id: int | None) -> list[OutboxRow]:
        """Record ``outcome`` and, given ``chat_id``, read that chat's queue in the same
        transaction. A delivery the database could not record is remembered, not repeated."""
        row = outcome.row
        if outcome.sent:
            self._unrecorded[row.id] = (outcome.message_id, outcome.note)
        async with self.store.transaction() as uow:
            now = self.clock.now()
            if outcome.sent:
                await uow.outbox.mark_sent(row.id, outcome.message_id, now, outcome.note)
            elif outcome.later:
                await uow.outbox.retry_later(row.id, outcome.retry_at or now, outcome.reason)
            else:
                await uow.outbox.mark_failed(row.id, outcome.reason, now)
            rows = await uow.outbox.queue(chat_id, QUEUE_BATCH) if chat_id is not None else []
        self._unrecorded.pop(row.id, None)
        if outcome.sent:
            await self.health.ok(self.health.database)
        return rows

    def _edit_too_soon(self, row: OutboxRow) -> bool:
        message = row.message
        if self.edit_gap <= 0 or message.ref is None:
            return False
        last = self.courier.last_edit.get((message.chat_id, message.ref))
        if last is None:
            return False
        ready = last + self.edit_gap
        if ready <= self._monotonic():
            return False
        if self._deferred_until is None or ready < self._deferred_until:
            self._deferred_until = ready
        return True

    async def _deliver(self, row: OutboxRow) -> Outcome:
        """Send one row (retrying short pauses on the spot) and say how it went."""
        if row.id in self._unrecorded:  # sent before the database could record it
            message_id, note = self._unrecorded[row.id]
            return Outcome(row, sent=True, message_id=message_id, note=note)
        self._sending += 1
        try:
            outcome = await self.courier.deliver(row)
        finally:
            self._sending -= 1
            if not self._sending:
                self._sent_all.set()
        message = outcome.row.message
        if outcome.sent and message.ref and outcome.message_id is not None:
            # an edit sent anew (its message was deleted) is the one later edits target
            self._know_target(message.chat_id, message.ref, outcome.message_id)
        return outcome

    async def prune(self, keep: timedelta) -> int:
        """Delete delivered and failed rows older than ``keep``; returns how many."""
        async with self.store.transaction() as uow:
            return await uow.outbox.prune(self.clock.now() - keep)
