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

from bot.domain.business import BusinessChat, Connection
from bot.domain.csat import CsatAsk, CsatRecord, Resolved
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
    LinkAttemptRepository,
    OrderRepository,
    OutboxRepository,
    OutboxRow,
    StoredMessage,
    TopicRepository,
)

__all__ = [  # the repository ports are re-exported: services import every port from here
    "HANDLING",
    "Blocked",
    "BusinessRepository",
    "CatalogRepository",
    "ChatRepository",
    "Clock",
    "ConversationRepository",
    "CsatRepository",
    "DeliveryError",
    "DisputeRepository",
    "DraftRepository",
    "FollowupRepository",
    "GaugeRepository",
    "GaugeSnapshot",
    "InboxRepository",
    "LinkAttemptRepository",
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
    "TopicRepository",
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

    async def topic(self, message: OutMessage) -> None:
        """Carry out ``message.action`` (a :class:`~bot.domain.team.TopicAction`: close or
        reopen) on the forum topic behind ``message.chat_id``; a topic never made or already
        in that state is not an error."""
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


class EditTargetGone(Undeliverable):
    """The message to edit is gone: a person deleted it (or its topic), or Telegram no longer
    lets it be edited. The courier sends the new version as a new message instead, when it
    still asks for a decision."""


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


class CsatRepository(Protocol):
    """Buyer-satisfaction questions, one row per resolved conversation (see
    :mod:`bot.domain.csat`). Methods returning ``bool`` are compare-and-set: ``False`` means the
    row was not in the state the change needs (another worker, an earlier press or a repeated
    job got there first) and nothing was written."""

    async def resolved_unasked(self, since: datetime, limit: int = 100) -> list[Resolved]:
        """Conversations resolved at or after ``since`` that qualify for the question (a choice
        that needed no action or whose action is done, or a draft taken over) and have no
        row yet, oldest resolution first."""
        ...

    async def plan(self, resolved: Resolved, due_at: datetime, now: datetime) -> bool:
        """Add the conversation's ``pending`` row, due at ``due_at``. Compare-and-set: False
        when the conversation already has a row (whatever its state); it is left as it was."""
        ...

    async def due(self, now: datetime, limit: int = 100) -> list[CsatAsk]:
        """Pending rows due at or before ``now``, earliest first."""
        ...

    async def get(self, ask_id: int) -> CsatAsk | None:
        """A row by id."""
        ...

    async def hold(self, ask_id: int, until: datetime, reason: str, now: datetime) -> bool:
        """Keep a pending row pending, due again at ``until``, with the reason. False if it is
        no longer pending."""
        ...

    async def skip(self, ask_id: int, reason: str, now: datetime) -> bool:
        """A pending row will never be asked (``skipped`` with the reason). False if it is no
        longer pending."""
        ...

    async def mark_asked(self, ask_id: int, now: datetime) -> bool:
        """``pending`` → ``asked`` (stamps ``asked_at``). Compare-and-set: True for exactly one
        caller per row, ever; the caller queues the question in the same transaction, so the
        question is queued at most once per conversation."""
        ...

    async def rate(self, ask_id: int, rating: int, now: datetime) -> bool:
        """Store the buyer's rating on an asked row (stamps ``answered_at``). Compare-and-set:
        False when the row was not asked or already has a rating (a second press changes
        nothing)."""
        ...

    async def awaiting_comment(self, chat_id: int, since: datetime) -> CsatAsk | None:
        """The chat's latest rated row rated at or after ``since`` that has no comment yet."""
        ...

    async def add_comment(self, ask_id: int, text: str, now: datetime) -> bool:
        """Store the comment on a rated row. Compare-and-set: False when it has no rating or
        already has a comment."""
        ...

    async def records(self, since: datetime) -> list[CsatRecord]:
        """Rows asked after ``since`` (for the figures), oldest first."""
        ...


class BusinessRepository(Protocol):
    """Telegram Business connections and the business chats mapped to internal chat ids (see
    :mod:`bot.domain.business`)."""

    async def save_connection(self, connection: Connection, now: datetime) -> Connection | None:
        """Insert or replace the connection (by id); returns the state stored before, or None
        when it is new."""
        ...

    async def connection(self, connection_id: str) -> Connection | None:
        """A connection by id."""
        ...

    async def chat_for(
        self, connection_id: str, telegram_chat_id: int, now: datetime
    ) -> BusinessChat:
        """The business chat (connection, Telegram chat id), created on first sight with a new
        internal id; the same pair always gives the same internal id, also when two
        transactions create it at once."""
        ...

    async def find_chat(self, connection_id: str, telegram_chat_id: int) -> BusinessChat | None:
        """The business chat (connection, Telegram chat id) if Parley has seen it (reads only)."""
        ...

    async def chat(self, chat_id: int) -> BusinessChat | None:
        """A business chat by internal id (None for a Telegram chat id or an unknown one)."""
        ...

    async def chats_of(self, connection_id: str) -> list[int]:
        """Internal ids of the connection's chats."""
        ...

    async def incoming(self, chat_id: int, at: datetime) -> None:
        """The buyer wrote at ``at``: the chat's last incoming time moves forward (never
        back)."""
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
    @property
    def csat(self) -> CsatRepository: ...
    @property
    def business(self) -> BusinessRepository: ...
    @property
    def link_attempts(self) -> LinkAttemptRepository: ...
    @property
    def topics(self) -> TopicRepository: ...


class Store(Protocol):
    """Opens units of work; everything inside one commits together."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
