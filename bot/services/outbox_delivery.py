"""One outbox row to Telegram: the call through the ``Notifier`` port, short pauses waited out
on the spot, and what became of it (:class:`Outcome`) — sent, to retry later with back-off, or
failed for good. :class:`~bot.services.outbox.OutboxRelay` decides what to send when and
records the outcomes; this module only delivers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.ports import (
    Clock,
    EditTargetGone,
    MaybeSent,
    Notifier,
    OutboxRow,
    ProbablySent,
    RateLimited,
    RetryLater,
    Undeliverable,
)
from bot.domain.retry import retry_delay
from bot.services.health import Health

log = logging.getLogger("bot.services.outbox")  # one logger for the relay's whole story

INLINE_RETRIES = 3  # a short pause (429, flaky network) is waited out in the chat's worker
INLINE_WAIT_LIMIT = 5.0
MAX_ATTEMPTS = 40  # with back-off capped at MAX_BACKOFF: about three hours of trying
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class Outcome:
    """How one delivery went: sent (``message_id``, ``note``), to retry at ``retry_at``, or
    failed for good (``reason``)."""

    row: OutboxRow
    sent: bool = False
    message_id: int | None = None
    note: str | None = None
    later: bool = False
    retry_at: datetime | None = None
    reason: str = ""


@dataclass
class RelayStats:
    """Counters for ``/metrics``."""

    sent: int = 0
    probably_sent: int = 0
    failed: int = 0
    retried: int = 0
    rate_limited: int = 0


class Courier:
    """Delivers single rows; remembers when each card was last edited (the relay merges edits
    that come sooner than ``edit_gap``)."""

    def __init__(
        self,
        notifier: Notifier,
        clock: Clock,
        health: Health,
        edit_gap: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.notifier = notifier
        self.clock = clock
        self.health = health
        self.edit_gap = edit_gap
        self.monotonic = monotonic
        self.stats = RelayStats()
        self.last_edit: dict[tuple[int, str], float] = {}
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # inline retry waits

    async def deliver(self, row: OutboxRow) -> Outcome:
        """Send one row, waiting out short pauses on the spot, and say how it went."""
        message = row.message
        for attempt in range(INLINE_RETRIES):
            try:
                message_id, note = await self._send(row)
            except ProbablySent as exc:
                log.warning("outbox %s to chat %s: %s; recorded as sent, not sent again",
                            row.id, message.chat_id, exc)  # fmt: skip
                self.stats.probably_sent += 1
                await self.health.ok(self.health.api)
                return Outcome(row, sent=True, note=f"probably delivered: {exc}")
            except RetryLater as exc:
                self.stats.retried += 1
                await self._note_failure(row, exc)
                if exc.seconds <= INLINE_WAIT_LIMIT and attempt + 1 < INLINE_RETRIES:
                    await self.sleep(exc.seconds if not isinstance(exc, RateLimited) else 0)
                    continue  # a 429 pause is kept by the limiter, which we queue behind
                return self._later(row, exc.seconds, str(exc))
            except Undeliverable as exc:
                log.warning("outbox %s to chat %s failed: %s", row.id, message.chat_id, exc)
                self.stats.failed += 1
                return Outcome(row, reason=str(exc))
            await self.health.ok(self.health.api)
            self.stats.sent += 1
            return Outcome(row, sent=True, message_id=message_id, note=note)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _note_failure(self, row: OutboxRow, exc: RetryLater) -> None:
        if isinstance(exc, RateLimited):
            self.stats.rate_limited += 1
            log.info("outbox %s to chat %s: %s", row.id, row.message.chat_id, exc)
            return
        if isinstance(exc, MaybeSent):
            log.warning("outbox %s to chat %s: %s; it may have arrived, sending again",
                        row.id, row.message.chat_id, exc)  # fmt: skip
        else:
            log.info("outbox %s to chat %s: %s", row.id, row.message.chat_id, exc)
        await self.health.failed(self.health.api, str(exc))

    async def _send(self, row: OutboxRow) -> tuple[int | None, str | None]:
        """Telegram's message id of what was sent (or edited), and a note for the record."""
        message = row.message
        if message.edit:
            if row.target is None:
                raise Undeliverable(f"nothing was sent under {message.ref} to edit")
            try:
                await self.notifier.edit(message, row.target)
            except EditTargetGone as exc:
                return await self._edit_anew(row, exc)
            assert message.ref is not None
            now = self.monotonic()
            if len(self.last_edit) > 10_000:  # only the last few seconds matter
                self.last_edit = {k: t for k, t in self.last_edit.items()
                                   if t > now - self.edit_gap}  # fmt: skip
            self.last_edit[(message.chat_id, message.ref)] = now
            return row.target, None
        if message.action is not None:
            await self.notifier.topic(message)
            return None, None
        if message.copy_of is not None:
            return await self.notifier.copy(message), None
        if message.photo is not None:
            return await self.notifier.send_photo(message), None
        return await self.notifier.send(message), None

    async def _edit_anew(self, row: OutboxRow, gone: EditTargetGone) -> tuple[int | None, str]:
        """The message to edit is gone. A card that still asks for a decision (it has
        buttons) comes back as a new message, which later edits then target; a finished one
        (no buttons) is not brought back: someone deleted it on purpose."""
        message = row.message
        if not message.buttons:
            log.info("outbox %s to chat %s: %s; nothing to decide there, not sent again",
                     row.id, message.chat_id, gone)  # fmt: skip
            return None, f"not shown: the message was gone ({gone})"
        log.info("outbox %s to chat %s: %s; sent as a new message",
                 row.id, message.chat_id, gone)  # fmt: skip
        message_id = await self.notifier.send(replace(message, edit=False))
        return message_id, f"sent anew: the message to edit was gone ({gone})"

    def _later(self, row: OutboxRow, seconds: float, reason: str) -> Outcome:
        delay = retry_delay(row.attempts, MAX_ATTEMPTS, at_least=seconds, cap=MAX_BACKOFF)
        if delay is None:
            log.error("outbox %s to chat %s: giving up after %d attempts (%s)",
                      row.id, row.message.chat_id, row.attempts + 1, reason)  # fmt: skip
            self.stats.failed += 1
            return Outcome(row, reason=f"gave up: {reason}")
        return Outcome(row, later=True, reason=reason, retry_at=self.clock.now() + delay)
