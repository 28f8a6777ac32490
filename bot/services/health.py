"""Outages of what Parley depends on (the Bot API, the database), logged once each way.

A failure that repeats every few seconds would flood the log; what an operator needs is one
line when an outage starts (with the first reason) and one when it ends (with its length).
The same state feeds ``/healthz`` and ``/metrics``; a hook lets the sellers be told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.domain.models import OutMessage
from bot.domain.ports import DeliveryError, Notifier

log = logging.getLogger("parley.health")

Hook = Callable[[str, bool, str], Awaitable[None]]  # (what, down?, reason)


@dataclass
class Outage:
    """One dependency's state: up, or down since a moment (monotonic seconds)."""

    name: str
    down_since: float | None = None
    reason: str = ""
    outages: int = 0

    @property
    def down(self) -> bool:
        """Whether the dependency is failing now."""
        return self.down_since is not None


@dataclass
class Health:
    """The state of the Bot API and the database, as last seen by any task."""

    clock: Callable[[], float] = time.monotonic
    on_change: Hook | None = None
    api: Outage = field(default_factory=lambda: Outage("Bot API"))
    database: Outage = field(default_factory=lambda: Outage("database"))
    sender: bool = True  # this worker's relay sends (the one elected on PostgreSQL)

    async def failed(self, outage: Outage, reason: str) -> None:
        """``outage``'s dependency just failed; logs (and calls the hook) when it starts."""
        if outage.down_since is not None:
            return
        outage.down_since = self.clock()
        outage.reason = reason
        outage.outages += 1
        log.warning("%s unavailable: %s; work waits and resumes by itself", outage.name, reason)
        await self._hook(outage, True)

    async def ok(self, outage: Outage) -> None:
        """``outage``'s dependency just worked; logs (and calls the hook) when an outage ends."""
        if outage.down_since is None:
            return
        lasted = self.clock() - outage.down_since
        outage.down_since = None
        log.warning("%s available again after %.0fs", outage.name, lasted)
        await self._hook(outage, False)

    async def _hook(self, outage: Outage, down: bool) -> None:
        if self.on_change is None:
            return
        try:
            await self.on_change(outage.name, down, outage.reason)
        except Exception as exc:  # noqa: BLE001 - telling people must not break the caller
            log.warning("could not report the %s outage: %s", outage.name, exc)


class SellerAlarm:
    """Tells the seller chats, once per outage and once when it ends, that the database
    cannot be written. Sent straight through the notifier: the outbox is in that database."""

    def __init__(self, notifier: Notifier, render: Callable[[bool, str], str],
                 sellers: tuple[int, ...]) -> None:  # fmt: skip
        self.notifier = notifier
        self.render = render
        self.sellers = sellers

    async def __call__(self, what: str, down: bool, reason: str) -> None:
        """The :data:`Hook` for :class:`Health`."""
        if what != "database":
            return  # a Bot API outage cannot be reported through the Bot API
        text = self.render(down, reason)
        for chat_id in self.sellers:
            try:
                await self.notifier.send(OutMessage(chat_id, text))
            except DeliveryError as exc:
                log.warning("could not tell seller chat %s about the outage: %s", chat_id, exc)
