"""One sender among the workers sharing a PostgreSQL database (issue 13).

Telegram's limits (30 messages/s per bot, 1/s per chat) hold for the bot as a whole, so only
one worker's relay sends: the one holding a session-level advisory lock. Each worker tries to
take it every few seconds on a connection of its own; the holder checks that connection at the
same pace. When the holder dies its connection closes, the server releases the lock, and
another worker takes it at its next try — within :data:`CHECK_EVERY` seconds (a worker cut
off without its connection closing is noticed when the server notices the connection is
gone). A holder whose connection fails, or does not answer within one period, stops
sending at once. On SQLite (one process) there
is nothing to elect: that process is always the sender (:meth:`Database.sender_lock` is None).

A worker that takes the role inherits what the previous sender had in flight (it died, or
lost its connection and stopped): :attr:`SenderLock.on_elected` runs after the lock is taken
and before the role is announced, so the new sender settles those rows before it sends
anything (follow-ups left ``sending`` become failed, never re-sent). If it fails, the role
is given up and taken again at a later try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

SENDER_LOCK = 7427  # the advisory lock key (7426 serialises migrations)
CHECK_EVERY = 5.0  # seconds between two tries (takeover within this after the holder dies)


class SenderLock:
    """Holds, or keeps trying to take, the sender role; ``on_change(held)`` is told each
    change, and ``on_elected()`` is awaited between taking the lock and announcing it."""

    def __init__(
        self,
        engine: AsyncEngine,
        on_change: Callable[[bool], object] | None = None,
        every: float = CHECK_EVERY,
        on_elected: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.engine = engine
        self.on_change = on_change
        self.on_elected = on_elected
        self.every = every
        self.held = False
        self._conn: AsyncConnection | None = None

    async def check(self) -> bool:
        """Take the role if it is free, or confirm it is still held; whether it is held."""
        try:
            # A database that stops answering (a network cut) must not keep this worker the
            # sender until the statement timeout: the role is given up after one period,
            # well before the server frees the lock for another worker (~25 s, keepalives).
            async with asyncio.timeout(self.every):
                if self._conn is None:
                    self._conn = await self.engine.connect()
                if self.held:
                    await self._conn.exec_driver_sql("SELECT 1")
                    held = True
                else:
                    result = await self._conn.exec_driver_sql(
                        f"SELECT pg_try_advisory_lock({SENDER_LOCK})"
                    )
                    held = bool(result.scalar())
                await self._conn.commit()  # the lock is the session's, not the transaction's
            if held and not self.held and self.on_elected is not None:
                await self.on_elected()  # the previous sender's rows in flight are orphans
        except Exception as exc:  # noqa: BLE001 - a lost connection loses the role
            log.warning("sender role: given up, the database failed (%s)", exc)
            await self._drop()
            held = False
        self._set(held)
        return held

    async def run(self, stop: asyncio.Event) -> None:
        """Check every :attr:`every` seconds until ``stop``; then give the role up."""
        try:
            while not stop.is_set():
                await self.check()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.every)
        finally:
            await self.release()

    async def release(self) -> None:
        """Give the role up (another worker takes it at its next try)."""
        if self._conn is not None and self.held:
            with contextlib.suppress(Exception):
                await self._conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SENDER_LOCK})")
                await self._conn.commit()
        await self._drop()
        self._set(False)

    async def _drop(self) -> None:
        """Close the session for good (not back to the pool): whatever it held is freed."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    def _set(self, held: bool) -> None:
        if held != self.held:
            log.info("this worker %s the sender", "is now" if held else "is no longer")
            self.held = held
            if self.on_change is not None:
                self.on_change(held)
