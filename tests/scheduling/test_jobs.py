"""The scheduler reports every job failure to one error listener that logs the job id."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import cast

import pytest
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent

from bot.scheduling.jobs import OUTBOX_JOB_ID, build_scheduler, log_job_error
from bot.services.outbox import OutboxRelay

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
