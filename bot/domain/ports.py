"""Ports: what the services need from storage, time, templates and Telegram.

``bot.storage`` implements the repositories, ``bot.content`` the renderer and
``bot.telegram`` the notifier; services see only these Protocols.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.models import (
    CatalogItem,
    Choice,
    Conversation,
    ConversationStatus,
    Draft,
    DraftStatus,
    Option,
    Order,
    OutMessage,
    Sender,
)


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored in a conversation."""

    conversation_id: int | None
    chat_id: int
    direction: str  # "in" from the buyer, "out" to the buyer
    kind: str  # text, photo, sticker, voice, …
    text: str
    intent: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class OutboxRow:
    """A queued message with its outbox id."""

    id: int
    message: OutMessage
    attempts: int = 0


class Clock(Protocol):
    """Source of the current time (timezone-aware UTC)."""

    def now(self) -> datetime: ...


class Renderer(Protocol):
    """Renders reply templates by name for a language (buyer) or the seller console."""

    def render(self, audience: str, language: str, name: str, context: dict[str, Any]) -> str: ...


class Notifier(Protocol):
    """Delivers one outgoing message; raises :class:`DeliveryError` subclasses on failure."""

    async def send(self, message: OutMessage) -> int: ...

    async def edit(self, message: OutMessage, message_id: int) -> None: ...


class DeliveryError(Exception):
    """A message could not be delivered."""


class RetryLater(DeliveryError):
    """Rate-limited or temporarily unreachable: try again after ``seconds``."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class Undeliverable(DeliveryError):
    """Permanent failure (chat blocked the bot, chat not found, bad message)."""


class OrderRepository(Protocol):
    async def upsert(self, order: Order, now: datetime) -> None: ...
    async def get(self, order_id: str) -> Order | None: ...
    async def link(self, order_id: str, chat_id: int, now: datetime) -> int: ...
    async def linked_to(self, chat_id: int) -> list[Order]: ...
    async def buyer_chat(self, order_id: str) -> int | None: ...


class CatalogRepository(Protocol):
    async def upsert(self, item: CatalogItem, now: datetime) -> None: ...
    async def get(self, sku: str) -> CatalogItem | None: ...


class ChatRepository(Protocol):
    async def remember(self, sender: Sender, role: str, now: datetime) -> None: ...
    async def get(self, chat_id: int) -> Sender | None: ...


class ConversationRepository(Protocol):
    async def open_for(self, chat_id: int, order_id: str | None) -> Conversation | None: ...
    async def create(
        self, chat_id: int, order_id: str | None, language: str, now: datetime
    ) -> Conversation: ...
    async def get(self, conversation_id: int) -> Conversation | None: ...
    async def update(
        self,
        conversation_id: int,
        now: datetime,
        *,
        status: ConversationStatus | None = None,
        intent: str | None = None,
        language: str | None = None,
    ) -> None: ...
    async def add_message(self, message: StoredMessage, now: datetime) -> int: ...
    async def unanswered(self, conversation_id: int) -> list[StoredMessage]: ...
    async def mark_answered(self, conversation_id: int) -> None: ...
    async def history(self, conversation_id: int) -> list[StoredMessage]: ...


class DraftRepository(Protocol):
    async def create(
        self,
        conversation_id: int,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
        now: datetime,
    ) -> Draft: ...
    async def get(self, draft_id: int) -> Draft | None: ...
    async def pending_for(self, conversation_id: int) -> list[Draft]: ...
    async def decide(
        self, draft_id: int, status: DraftStatus, by: str, now: datetime, text: str | None = None
    ) -> bool: ...
    async def choose(
        self, draft_id: int, option_index: int, chat_id: int, needs_action: bool, now: datetime
    ) -> bool: ...
    async def choice(self, choice_id: int) -> Choice | None: ...
    async def choice_for(self, draft_id: int) -> Choice | None: ...
    async def complete(self, choice_id: int, by: str, now: datetime) -> bool: ...
    async def start_edit(self, chat_id: int, draft_id: int, now: datetime) -> None: ...
    async def edit_in_progress(self, chat_id: int) -> tuple[int, str | None] | None: ...
    async def propose_edit(self, chat_id: int, text: str) -> None: ...
    async def end_edit(self, chat_id: int) -> None: ...


class InboxRepository(Protocol):
    async def add(self, update_id: int, payload: str, now: datetime) -> bool: ...
    async def pending(self, limit: int = 100) -> list[tuple[int, str]]: ...
    async def finish(self, inbox_id: int, now: datetime, error: str | None = None) -> None: ...


class OutboxRepository(Protocol):
    async def add(self, message: OutMessage, now: datetime) -> int: ...
    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]: ...
    async def sent_message_id(self, chat_id: int, ref: str) -> int | None: ...
    async def mark_sent(self, row_id: int, message_id: int | None, now: datetime) -> None: ...
    async def retry_later(self, row_id: int, at: datetime, error: str) -> None: ...
    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None: ...


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


class Store(Protocol):
    """Opens units of work; everything inside one commits together."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
