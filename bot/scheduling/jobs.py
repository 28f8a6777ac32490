"""Scheduler jobs: top-level functions that take a service and primitives, never aiogram objects.

Jobs live in APScheduler's memory store and are re-created at every start with fixed ids;
what they act on is read from the database each time. With several workers on PostgreSQL
every worker schedules them, but only the elected sender runs them (:func:`leads`): one
process sends reminders and follow-ups, inside Telegram's limits, and a new sender takes the
work over within seconds of the old one's death (:class:`Succession`). With SQLite the one
process always leads.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.csat import CsatService
from bot.services.disputes import DisputeService
from bot.services.followup_runner import FollowupRunner
from bot.services.outbox import OutboxRelay
from bot.services.sellers import SellerService
from bot.services.stats import StatsService

log = logging.getLogger(__name__)

OUTBOX_JOB_ID = "outbox-prune"
FIRST_RESPONSE_JOB_ID = "first-response-reminders"
DISPUTE_JOB_ID = "dispute-reminders"
ADVERSE_RATE_JOB_ID = "adverse-rate-check"
FOLLOWUPS_JOB_ID = "followups-due"
CSAT_JOB_ID = "csat-questions"


def leads(relay: OutboxRelay | None) -> bool:
    """Whether this worker runs the scheduled work: it is the elected sender (always true with
    SQLite, and when no relay is given)."""
    return relay is None or relay.health.sender


async def prune_outbox(relay: OutboxRelay, keep_days: float) -> None:
    """Delete delivered and failed outbox rows older than ``keep_days`` (the relay task
    itself retries what is due; this job only keeps the table small)."""
    if not leads(relay):
        return
    removed = await relay.prune(timedelta(days=keep_days))
    if removed:
        log.info("pruned %d finished outbox row(s)", removed)


async def remind_first_response(sellers: SellerService, relay: OutboxRelay, hours: float) -> None:
    """Remind the sellers of buyers waiting longer than ``hours`` for a first answer."""
    if not leads(relay):
        return
    if await sellers.remind_waiting(timedelta(hours=hours)):
        await relay.deliver_soon()


async def run_dispute_reminders(service: DisputeService, relay: OutboxRelay | None = None) -> None:
    """Fire due dispute reminders (rows decide; each fires once), then deliver them."""
    if not leads(relay):
        return
    sent = await service.run_due()
    if sent:
        log.info("sent %d dispute reminder(s)", sent)
        if relay is not None:
            await relay.deliver_soon()


async def check_adverse_rate(stats: StatsService, relay: OutboxRelay | None = None) -> None:
    """Warn the seller when the adverse-experience rate estimate crosses its threshold."""
    if not leads(relay):
        return
    if await stats.check_threshold() and relay is not None:
        await relay.deliver_soon()


async def run_due_followups(runner: FollowupRunner, relay: OutboxRelay | None = None) -> None:
    """Send the follow-ups that are due (rows decide; a pass already running makes this a
    no-op), then deliver the approval cards they queued for the seller."""
    if not leads(relay):
        return
    report = await runner.run_due()
    if report.to_seller and relay is not None:
        await relay.deliver_soon()


class Election(Protocol):
    """The sender election's hooks (:class:`bot.storage.sql.sender.SenderLock`)."""

    on_change: Callable[[bool], object] | None
    on_elected: Callable[[], Awaitable[object]] | None


class Succession:
    """Who settles what a dead sender left in flight, and when: :meth:`begin` at start-up,
    then (several workers on PostgreSQL) :meth:`elected` and :meth:`changed` as the election
    calls them."""

    def __init__(
        self,
        relay: OutboxRelay,
        runner: FollowupRunner,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.relay = relay
        self.runner = runner
        self.scheduler = scheduler

    async def begin(self, election: Election | None) -> None:
        """At start-up. One process (SQLite, no ``election``): the follow-ups a crash left
        ``sending`` were its own, so they are recovered now. Several workers: a live sender
        on another worker may be sending those rows right now, so this worker recovers only
        once it is elected; until then it is not the sender (``/healthz`` must not say so)."""
        if election is None:
            await self.runner.recover()
            return
        self.relay.role_changed(False)
        election.on_change, election.on_elected = self.changed, self.elected

    async def elected(self) -> None:
        """The lock is taken, the role not yet announced: the follow-ups the previous sender
        left ``sending`` (it died or gave the role up in the Bot API call) are marked failed,
        never re-sent, before this worker sends anything. The outbox needs nothing here: a row
        stays ``pending`` until its delivery is recorded, so the one the previous sender had
        in flight is simply sent again by this one (at-least-once)."""
        await self.runner.recover()

    def changed(self, held: bool) -> None:
        """Announce the role to the relay (it looks at the table at once, or stops before its
        next send); a new sender runs the follow-ups job now rather than at its next tick."""
        self.relay.role_changed(held)
        scheduler = self.scheduler if held else None
        job = scheduler.get_job(FOLLOWUPS_JOB_ID) if scheduler and scheduler.running else None
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))


def log_job_error(event: JobExecutionEvent) -> None:
    """The scheduler's one error listener: a failed job is logged with its id (and traceback);
    the job stays scheduled and runs again at its next time."""
    exc = event.exception
    trace = (type(exc), exc, exc.__traceback__) if exc is not None else None
    log.error("scheduled job %s failed: %s", event.job_id, exc, exc_info=trace)


def build_scheduler(
    relay: OutboxRelay,
    outbox_keep_days: float = 30.0,
    sellers: SellerService | None = None,
    first_response_hours: float = 12.0,
    disputes: DisputeService | None = None,
    stats: StatsService | None = None,
    disputes_every_seconds: float = 300.0,
    followups: FollowupRunner | None = None,
    followups_every_seconds: float = 5.0,
) -> AsyncIOScheduler:
    """A scheduler with Parley's recurring jobs (not started); failures go to
    :func:`log_job_error`."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_listener(log_job_error, EVENT_JOB_ERROR)
    scheduler.add_job(
        prune_outbox, "interval", hours=1, id=OUTBOX_JOB_ID, args=[relay, outbox_keep_days],
        max_instances=1, coalesce=True, replace_existing=True,
    )  # fmt: skip
    if sellers is not None:
        scheduler.add_job(
            remind_first_response, "interval", minutes=5, id=FIRST_RESPONSE_JOB_ID,
            args=[sellers, relay, first_response_hours], max_instances=1, coalesce=True,
            replace_existing=True,
        )  # fmt: skip
    if disputes is not None:
        scheduler.add_job(
            run_dispute_reminders, "interval", seconds=disputes_every_seconds,
            id=DISPUTE_JOB_ID, args=[disputes, relay], max_instances=1, coalesce=True,
            replace_existing=True,
        )  # fmt: skip
    if stats is not None:
        scheduler.add_job(
            check_adverse_rate, "interval", hours=1, id=ADVERSE_RATE_JOB_ID,
            args=[stats, relay], max_instances=1, coalesce=True, replace_existing=True,
        )  # fmt: skip
    if followups is not None:  # first run at start: every pending row is picked up
        scheduler.add_job(
            run_due_followups, "interval", seconds=followups_every_seconds,
            id=FOLLOWUPS_JOB_ID, args=[followups, relay], max_instances=2, coalesce=True,
            replace_existing=True, next_run_time=datetime.now(UTC),
        )  # fmt: skip
    return scheduler


async def ask_satisfaction(csat: CsatService, relay: OutboxRelay | None = None) -> None:
    """Ask the buyers of newly resolved conversations how it went (rows decide: each
    conversation is asked at most once), then deliver the questions."""
    if not leads(relay):
        return
    if await csat.run_due() and relay is not None:
        await relay.deliver_soon()


def add_csat_job(
    scheduler: AsyncIOScheduler,
    csat: CsatService,
    relay: OutboxRelay | None = None,
    every_seconds: float = 60.0,
) -> None:
    """Schedule :func:`ask_satisfaction` (issue 14: buyer satisfaction)."""
    scheduler.add_job(
        ask_satisfaction, "interval", seconds=every_seconds, id=CSAT_JOB_ID,
        args=[csat, relay], max_instances=1, coalesce=True, replace_existing=True,
    )  # fmt: skip
