"""Sending due follow-ups: the rate-limited runner and its delivery guarantee.

:class:`FollowupRunner` drains the due rows with a bounded number of workers, one follow-up
in flight per chat; what becomes of each row, and the text it carries, is decided by
:class:`bot.services.followup_preparation.FollowupPreparer` right before it is sent.

Delivery guarantee (the deliberate choice for a crash between sending and marking):

1. the runner re-checks the row's facts and renders the text (one transaction);
2. it waits for the rate limiter's slot, then marks the row ``sending`` (committed) and
   makes the Bot API call at once (:meth:`PacedNotifier.send_when_ready`);
3. on Telegram's answer it marks the row ``sent`` (with the message id).

A crash between 2 and 3 leaves the row ``sending``: Telegram may or may not have the message
and offers no way to ask. :meth:`FollowupRunner.recover` marks such rows ``failed``
("interrupted while sending") and does **not** send them again — follow-ups are
at-most-once: a buyer never gets the same unsolicited message twice, and at most the one
message in flight at the moment of a crash can be missing (it is listed with its reason).
The same holds for a request that timed out (:class:`MaybeSent`). A 429 or a refused
connection proves nothing was delivered, so those rows go back to ``pending``.

When recovery runs matters: a row is ``sending`` only while its sender is in the Bot API
call. With one process (SQLite) that is recovered at start-up; with several workers
(PostgreSQL) a worker that starts must not touch the rows the live sender on another worker
is sending, so recovery runs when a worker *becomes* the sender (the previous one died or
gave the role up: its rows in flight are orphans), before it sends anything. A runner that
is no longer the sender (``leads`` false) claims nothing more; its sends in flight finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.models import OutMessage
from bot.domain.ports import (
    Blocked,
    Clock,
    MaybeSent,
    PacedNotifier,
    RateLimited,
    Renderer,
    RetryLater,
    Store,
    Undeliverable,
    UnitOfWork,
)
from bot.domain.retry import retry_delay
from bot.services.followup_preparation import (
    DraftProposer,
    FollowupPreparer,
    Job,
    Outcome,
    RunnerConfig,
)
from bot.services.followups import FollowupPlanner

__all__ = ["INTERRUPTED", "DraftProposer", "FollowupRunner", "RunReport", "RunnerConfig"]

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted while sending: Telegram may have it, so it is not sent again"


@dataclass
class RunReport:
    """What one :meth:`FollowupRunner.run_due` pass did."""

    sent: int = 0
    to_seller: int = 0
    skipped: int = 0
    rescheduled: int = 0
    failed: int = 0
    superseded: int = 0

    @property
    def handled(self) -> int:
        """Rows that left the due set."""
        return self.sent + self.to_seller + self.skipped + self.rescheduled + self.failed

    def count(self, outcome: Outcome) -> None:
        """Count a row that preparing finished or moved instead of returning it to send."""
        if outcome is Outcome.SKIPPED:
            self.skipped += 1
        elif outcome is Outcome.RESCHEDULED:
            self.rescheduled += 1
        else:
            self.to_seller += 1


class _NotPending(Exception):
    """The row changed (re-planned, skipped) after it was picked: do not send."""


class FollowupRunner:
    """Sends due follow-up rows through the rate-limited notifier."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        planner: FollowupPlanner,
        renderer: Renderer,
        notifier: PacedNotifier,
        config: RunnerConfig,
        proposer: DraftProposer | None = None,
        leads: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        self.leads = leads  # whether this worker is the sender (always, with one process)
        self.clock = clock
        self.notifier = notifier
        self.config = config
        self.preparer = FollowupPreparer(clock, planner, renderer, config, proposer)
        self._running = asyncio.Lock()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._claimed: set[asyncio.Task[Any]] = set()

    async def recover(self) -> list[FollowupRow]:
        """Rows whose sender died in the Bot API call (left ``sending``) become ``failed``,
        never re-sent. Run it only where no live sender can have rows in flight: at start-up
        with one process, or when this worker has just been elected the sender."""
        async with self.store.transaction() as uow:
            rows = await uow.followups.interrupted(INTERRUPTED, self.clock.now())
        for row in rows:
            log.warning("follow-up %s (%s, order %s) was interrupted while sending; not re-sent",
                        row.id, row.rule, row.order_id)  # fmt: skip
        return rows

    async def run_due(self) -> RunReport:
        """Send every row due now (and those coming due while this runs); returns at once if
        another pass is already draining."""
        report = RunReport()
        if self._running.locked() or self._stopping:
            return report
        async with self._running:
            await self._drain(report)
        if report.handled:
            log.info("follow-ups: %s", report)
        return report

    async def stop(self) -> None:
        """Stop sending (SIGTERM): follow-ups not yet handed to Telegram stay ``pending`` for
        the next start; the ones being sent finish, so a clean stop leaves none ``sending``."""
        self._stopping = True
        for task in list(self._tasks):
            if task not in self._claimed:
                task.cancel()
        async with self._running:
            pass

    async def _drain(self, report: RunReport) -> None:
        workers = asyncio.Semaphore(max(1, self.config.workers))
        in_flight: set[int] = set()
        busy: set[int] = set()  # chats with a follow-up in flight: one at a time per chat,
        tasks = self._tasks  # so no worker sits waiting for a chat's 1-message/s slot

        def finished(row: FollowupRow) -> Callable[[asyncio.Task[None]], None]:
            def callback(task: asyncio.Task[None]) -> None:
                tasks.discard(task)
                self._claimed.discard(task)
                in_flight.discard(row.id)
                if row.chat_id is not None:
                    busy.discard(row.chat_id)
                workers.release()

            return callback

        try:
            while not self._stopping and self.leads():
                async with self.store.transaction() as uow:
                    due = await uow.followups.due(
                        self.clock.now(), self.config.batch + len(in_flight)
                    )
                rows = [r for r in due if r.id not in in_flight and r.chat_id not in busy]
                if not rows:
                    if not tasks:
                        return
                    await asyncio.wait(set(tasks), return_when=asyncio.FIRST_COMPLETED)
                    continue
                for row in rows:
                    if row.chat_id is not None and row.chat_id in busy:
                        continue  # its chat got another row of this batch: next round
                    await workers.acquire()
                    if self._stopping or not self.leads():
                        workers.release()
                        break
                    in_flight.add(row.id)
                    if row.chat_id is not None:
                        busy.add(row.chat_id)
                    task = asyncio.create_task(self._one(row, report))
                    tasks.add(task)
                    task.add_done_callback(finished(row))
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, row: FollowupRow, report: RunReport) -> None:
        try:
            async with self.store.transaction() as uow:
                job = await self._prepare(uow, row, report)
            if job is not None:
                await self._send(job, report)
        except Exception as exc:
            log.exception("follow-up %s (%s, order %s) failed", row.id, row.rule, row.order_id)
            claimed = asyncio.current_task() in self._claimed
            async with self.store.transaction() as uow:
                if claimed:  # it may have reached Telegram: never retried (at-most-once)
                    await uow.followups.finish(
                        row.id, RowStatus.FAILED, f"error while sending: {exc}", self.clock.now()
                    )
                    report.failed += 1
                else:
                    await self._retry(uow, row, 60.0, f"error before sending: {exc}")
                    report.rescheduled += 1

    async def _retry(self, uow: UnitOfWork, row: FollowupRow, seconds: float, why: str) -> None:
        now = self.clock.now()
        delay = retry_delay(row.attempts, self.config.max_attempts, at_least=seconds)
        if delay is None:
            await uow.followups.finish(row.id, RowStatus.FAILED, f"gave up: {why}", now)
            return
        await uow.followups.reschedule(row.id, now + delay, why, now, retry=True)

    async def _prepare(self, uow: UnitOfWork, row: FollowupRow, report: RunReport) -> Job | None:
        """Re-check the row (:meth:`FollowupPreparer.prepare`); returns what to send, if any."""
        prepared = await self.preparer.prepare(uow, row)
        if isinstance(prepared, Outcome):
            report.count(prepared)
            return None
        return prepared

    async def _send(self, job: Job, report: RunReport) -> None:
        row = job.row

        async def claim() -> None:
            if self._stopping or not self.leads():  # another worker sends it
                raise _NotPending
            task = asyncio.current_task()
            if task is not None:
                self._claimed.add(task)  # from here on a stop lets this send finish
            async with self.store.transaction() as uow:
                if not await uow.followups.mark_sending(row.id, job.chat_id, self.clock.now()):
                    raise _NotPending

        message = OutMessage(job.chat_id, job.text, ref=f"followup:{row.id}")
        try:
            message_id = await self.notifier.send_when_ready(message, claim)
        except _NotPending:
            report.superseded += 1
            return
        except Blocked as exc:
            await self.buyer_blocked(job.chat_id)
            await self._finish(row, RowStatus.FAILED, f"the buyer blocked the bot: {exc}")
            report.failed += 1
            return
        except MaybeSent as exc:
            await self._finish(row, RowStatus.FAILED, f"delivery unknown ({exc}); not re-sent")
            report.failed += 1
            return
        except (RateLimited, RetryLater) as exc:  # Telegram certainly did not take it
            async with self.store.transaction() as uow:
                await self._retry(uow, row, exc.seconds, str(exc))
            report.rescheduled += 1
            return
        except Undeliverable as exc:
            await self._finish(row, RowStatus.FAILED, str(exc))
            report.failed += 1
            return
        await self._finish(row, RowStatus.SENT, "", message_id, job.chat_id)
        report.sent += 1

    async def _finish(
        self,
        row: FollowupRow,
        status: RowStatus,
        reason: str,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        async with self.store.transaction() as uow:
            await uow.followups.finish(row.id, status, reason, self.clock.now(), message_id,
                                       chat_id)  # fmt: skip

    async def buyer_blocked(self, chat_id: int) -> None:
        """HTTP 403 from a chat: mark it unreachable and stop its pending follow-ups."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await uow.followups.mark_unreachable(chat_id, "blocked the bot (403)", now)
            stopped = await uow.followups.skip_pending_for_chat(
                chat_id, "the buyer blocked the bot", now
            )
        log.info("chat %s blocked the bot; %d pending follow-up(s) stopped", chat_id, stopped)
