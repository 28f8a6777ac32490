"""The retry back-off shared by the outbox relay and the follow-up runner."""

from __future__ import annotations

from datetime import timedelta

_MAX_DOUBLINGS = 40  # 2**40 s is ~35,000 years: only keeps the result a valid timedelta


def retry_delay(
    attempts: int, max_attempts: int, at_least: float = 0.0, cap: float | None = None
) -> timedelta | None:
    """After a failed try that had ``attempts`` failed tries before it: None when it was the
    last of ``max_attempts`` (give up), else how long to wait before the next one — doubling
    from 1 s (1, 2, 4, 8 … s), never shorter than ``at_least`` seconds (what the other side
    asked for, e.g. a 429's ``retry_after``), never longer than ``cap`` seconds when given
    (the cap wins)."""
    if attempts + 1 >= max_attempts:
        return None
    seconds = max(at_least, 2.0 ** min(attempts, _MAX_DOUBLINGS))
    if cap is not None:
        seconds = min(cap, seconds)
    return timedelta(seconds=seconds)
