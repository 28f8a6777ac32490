"""The one retry back-off (outbox relay and follow-up runner)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.retry import retry_delay


def test_the_delay_doubles_from_one_second() -> None:
    delays = [retry_delay(attempts, 10) for attempts in range(5)]
    assert delays == [timedelta(seconds=s) for s in (1, 2, 4, 8, 16)]


def test_the_other_side_can_ask_for_longer_and_the_cap_wins() -> None:
    assert retry_delay(1, 10, at_least=30.0) == timedelta(seconds=30)
    assert retry_delay(9, 40, cap=300.0) == timedelta(seconds=300)  # 512 s capped
    assert retry_delay(0, 40, at_least=600.0, cap=300.0) == timedelta(seconds=300)


def test_the_last_attempt_gives_up() -> None:
    assert retry_delay(6, 8) == timedelta(seconds=64)
    assert retry_delay(7, 8) is None
    assert retry_delay(0, 1) is None


def test_a_very_long_run_of_failures_stays_a_valid_delay() -> None:
    delay = retry_delay(10_000, 20_000)
    assert delay is not None and delay > timedelta(days=365)
