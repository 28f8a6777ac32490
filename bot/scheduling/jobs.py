"""Scheduler jobs: top-level functions that take a service and primitives, never aiogram objects.

Jobs live in APScheduler's memory store and are re-created at every start with fixed ids;
what they act on is read from the database each time. With several workers on PostgreSQL
every worker schedules them, but only the elected sender runs them (:func:`leads`): one
process sends reminders and follow-ups, inside Telegram's limits, and a new sender takes the
work over within seconds of the old one's death. With SQLite the one process always leads.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

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
