"""Ports: what the services need from storage, time, templates and Telegram.

``bot.storage`` implements the repositories, ``bot.content`` the renderer and
``bot.telegram`` the notifier; services see only these Protocols.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.learned import LearnedRepository
from bot.domain.models import OutMessage
from bot.domain.repositories import (
    CatalogRepository,
    ChatRepository,
    ConversationRepository,
    DisputeRepository,
    DraftRepository,
    FollowupRepository,
    GaugeRepository,
    GaugeSnapshot,
    InboxRepository,
    OrderRepository,
    OutboxRepository,
    OutboxRow,
    StoredMessage,
)

__all__ = [  # the repository ports are re-exported: services import every port from here
    "HANDLING",
    "Blocked",
    "CatalogRepository",
    "ChatRepository",
    "Clock",
    "ConversationRepository",
    "DeliveryError",
    "DisputeRepository",
    "DraftRepository",
    "FollowupRepository",
    "GaugeRepository",
    "GaugeSnapshot",
    "InboxRepository",
    "MaybeSent",
    "Notifier",
    "OrderRepository",
    "OutboxRepository",
    "OutboxRow",
    "PacedNotifier",
    "ProbablySent",
    "RateLimited",
    "Renderer",
    "RetryLater",
    "Store",
    "StoredMessage",
    "Undeliverable",
    "UnitOfWork",
    "UpdateClaim",
]


@dataclass
class UpdateClaim:
    """The inbox row of the update this task is handling.

    While it is set in :data:`HANDLING`, the first unit of work that commits in the same task
    also marks the update handled (``taken``), so a handler's changes and the update's "done"
    are one transaction: a crash can neither lose them nor make them happen twice. Work a
    handler commits in later transactions is not repeated after a crash (at most once).

    The unit of work takes the update as it begins (``worker``: the worker whose lease it
    must hold, if leases are used): it raises :class:`~bot.domain.errors.UpdateTaken` when
    another worker has it or an older update of the same chat is still pending.
    """

    inbox_id: int
    at: datetime
    task: object  # the asyncio task handling it; other tasks never take the claim
    taken: bool = False
    worker: str | None = None


HANDLING: ContextVar[UpdateClaim | None] = ContextVar("parley_handling", default=None)


class Clock(Protocol):
    """Source of the current time (timezone-aware UTC)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class Renderer(Protocol):
    """Renders reply templates by name for a language (buyer) or the seller console."""

    def render(self, audience: str, language: str, name: str, context: dict[str, Any]) -> str:
        """Render template ``name`` for ``audience``/``language``; a missing value raises
        RenderError."""
        ...


class Notifier(Protocol):
    """Delivers one outgoing message; raises :class:`DeliveryError` subclasses on failure."""

    async def send(self, message: OutMessage) -> int:
        """Send a text message (HTML) with its buttons; returns Telegram's message id."""
        ...

    async def edit(self, message: OutMessage, message_id: int) -> None:
        """Replace the text and buttons of message ``message_id`` (an unchanged text is not an
        error)."""
        ...

    async def send_photo(self, message: OutMessage) -> int:
        """Send ``message.photo`` with ``message.text`` as caption; returns the message id."""
        ...

    async def copy(self, message: OutMessage) -> int:
        """Copy the buyer's message ``message.copy_of`` into ``message.chat_id``; returns the new
        id."""
        ...


class DeliveryError(Exception):
    """A message could not be delivered."""


class RetryLater(DeliveryError):
    """Rate-limited or temporarily unreachable: try again after ``seconds``."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Undeliverable(DeliveryError):
    """Permanent failure (chat blocked the bot, chat not found, bad message)."""


class RateLimited(RetryLater):
    """HTTP 429 from the Bot API: nothing may be sent before ``seconds`` (``retry_after``)."""


class MaybeSent(RetryLater):
    """The request may have reached Telegram but no answer came back (timeout, dropped
    connection): retrying can duplicate the message."""


class ProbablySent(DeliveryError):
    """Telegram answered 2xx but the answer could not be read: the message was most likely
    delivered, so it is recorded as sent (with this reason) and never sent again."""


class Blocked(Undeliverable):
    """HTTP 403: the buyer blocked the bot (or never started it)."""


class PacedNotifier(Notifier, Protocol):
    """A notifier behind the one rate limiter that can run a step right before the call.

    ``ready`` runs once the limiter has granted the slot and immediately before the Bot API
    request (follow-ups mark their row ``sending`` there), so nothing but the HTTP call
    itself sits between "claimed" and "sent".
    """

    async def send_when_ready(
        self, message: OutMessage, ready: Callable[[], Awaitable[None]]
    ) -> int:
        """Wait for the rate limiter's slot, run ``ready``, then send; returns the message id."""
        ...


class UnitOfWork(Protocol):
    """Repositories sharing one transaction."""

    @property
    def orders(self) -> OrderRepository: ...
    @property
    def catalog(self) -> CatalogRepository: ...
    @property
    def chats(self) -> ChatRepository: ...
    @property
    def conversations(self) -> ConversationRepository: ...
    @property
    def drafts(self) -> DraftRepository: ...
    @property
    def inbox(self) -> InboxRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def disputes(self) -> DisputeRepository: ...
    @property
    def followups(self) -> FollowupRepository: ...
    @property
    def gauges(self) -> GaugeRepository: ...
    @property
    def learned(self) -> LearnedRepository: ...


class Store(Protocol):
    """Opens units of work; everything inside one commits together."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
