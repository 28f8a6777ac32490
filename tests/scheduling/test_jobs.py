"""The scheduler reports every job failure to one error listener that logs the job id."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import cast

import pytest
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent

from bot.scheduling.jobs import (
    OUTBOX_JOB_ID,
    build_scheduler,
    log_job_error,
    remind_first_response,
    run_dispute_reminders,
    run_due_followups,
)
from bot.services.outbox import OutboxRelay
from tests.conftest import ORDER_ID, SELLER, World

RELAY = cast(OutboxRelay, object())  # only passed to the hourly prune job, which never runs here


async def test_a_failing_job_is_logged_with_its_id(caplog: pytest.LogCaptureFixture) -> None:
    scheduler = build_scheduler(RELAY)
    failed = asyncio.Event()
    scheduler.add_listener(lambda event: failed.set(), EVENT_JOB_ERROR)

    async def broken() -> None:
        raise RuntimeError("database is locked")

    scheduler.add_job(broken, "interval", hours=1, id="broken-job",
                      next_run_time=datetime.now(UTC))  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="bot.scheduling.jobs"):
        scheduler.start()
        try:
            await failed.wait()
        finally:
            scheduler.shutdown(wait=False)
    [record] = [r for r in caplog.records if r.name == "bot.scheduling.jobs"]
    assert record.getMessage() == "scheduled job broken-job failed: database is locked"
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)
    assert scheduler.get_job(OUTBOX_JOB_ID) is not None  # the other jobs are untouched


def test_the_listener_names_the_job(caplog: pytest.LogCaptureFixture) -> None:
    event = JobExecutionEvent(EVENT_JOB_ERROR, "followups-due", "default",
                              datetime.now(UTC), exception=ValueError("boom"))  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="bot.scheduling.jobs"):
        log_job_error(event)
    assert caplog.records[-1].getMessage() == "scheduled job followups-due failed: boom"


async def test_only_the_elected_sender_runs_scheduled_work(world: World) -> None:
    """Several workers schedule the same jobs; a worker that is not the sender leaves the
    work to the one that is, and takes it over when it is elected."""
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    world.clock.advance(days=4)  # the answer deadline's reminder is due
    before = len(world.fake.texts(SELLER))

    world.app.relay.role_changed(False)  # another worker holds the sender lock
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    await run_due_followups(world.app.runner, world.app.relay)
    await remind_first_response(world.app.sellers, world.app.relay, 1.0)
    assert len(world.fake.texts(SELLER)) == before
    async with world.app.db.transaction() as uow:
        dispute = await uow.disputes.latest_for(ORDER_ID)
        assert dispute is not None
        rows = {r.edge: r.status for r in await uow.disputes.reminders(dispute.id)}
    assert rows["answer_deadline"] == "pending"

    world.app.relay.role_changed(True)  # elected
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    await world.app.relay.flush()
    assert len(world.fake.texts(SELLER)) > before
    async with world.app.db.transaction() as uow:
        rows = {r.edge: r.status for r in await uow.disputes.reminders(dispute.id)}
    assert rows["answer_deadline"] == "sent"
