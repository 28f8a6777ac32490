"""Ports: what the services need from storage, time, templates and Telegram.

``bot.storage`` implements the repositories, ``bot.content`` the renderer and
``bot.telegram`` the notifier; services see only these Protocols.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.disputes import (
    Answer,
    AnswerKind,
    ChoiceRecord,
    Dispute,
    DisputeEvent,
    DisputeLogEntry,
    DisputeState,
    Offer,
    OfferStatus,
    Party,
    StoredReminder,
    TranscriptLine,
)
from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.metrics import MetricData
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
from bot.domain.money import Money
from bot.domain.orderevents import OrderEvent


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
    """A queued message with its outbox id, attempts so far and earliest retry time."""

    id: int
    message: OutMessage
    attempts: int = 0
    not_before: datetime | None = None
    target: int | None = None  # for an edit: Telegram's id of the message it changes


@dataclass
class UpdateClaim:
    """The inbox row of the update this task is handling.

    While it is set in :data:`HANDLING`, the first unit of work that commits in the same task
    also marks the update handled (``taken``), so a handler's changes and the update's "done"
    are one transaction: a crash can neither lose them nor make them happen twice. Work a
    handler commits in later transactions is not repeated after a crash (at most once).
    """

    inbox_id: int
    at: datetime
    task: object  # the asyncio task handling it; other tasks never take the claim
    taken: bool = False


HANDLING: ContextVar[UpdateClaim | None] = ContextVar("parley_handling", default=None)


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

    async def send_photo(self, message: OutMessage) -> int: ...

    async def copy(self, message: OutMessage) -> int: ...


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
    ) -> int: ...


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
        waiting: bool = False,
    ) -> None: ...
    async def add_message(self, message: StoredMessage, now: datetime) -> int: ...
    async def message(self, message_id: int) -> StoredMessage | None: ...
    async def set_intent(self, message_id: int, intent: str, confidence: float) -> None: ...
    async def unanswered(self, conversation_id: int) -> list[StoredMessage]: ...
    async def mark_answered(self, conversation_id: int) -> None: ...
    async def history(self, conversation_id: int) -> list[StoredMessage]: ...
    async def wait_for_seller(self, conversation_id: int, now: datetime) -> None: ...
    async def answered(self, conversation_id: int) -> None: ...
    async def waiting_too_long(self, since: datetime) -> list[Conversation]: ...
    async def mark_reminded(self, conversation_id: int, now: datetime) -> None: ...
    async def take_over(self, conversation_id: int, seller_chat: int | None) -> None: ...
    async def taken_over_by(self, seller_chat: int) -> Conversation | None: ...
    async def open_list(self, limit: int = 30) -> list[Conversation]: ...
    async def for_order(self, order_id: str) -> list[Conversation]: ...


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
    async def revise(
        self,
        draft: Draft,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
    ) -> Draft | None:
        """Rewrite a still-pending draft in place (same id, so the same card is edited);
        options the seller switched off stay off. None if it was decided meanwhile."""
        ...

    async def get(self, draft_id: int) -> Draft | None: ...
    async def pending_for(self, conversation_id: int) -> list[Draft]: ...
    async def last_sent(self, conversation_id: int) -> Draft | None: ...
    async def set_enabled(self, draft_id: int, option_index: int, enabled: bool) -> None: ...
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
    """Messages waiting to reach Telegram, per chat in the order they were queued."""

    async def add(self, message: OutMessage, now: datetime) -> int:
        """Queue a message. An edit whose target (or an earlier edit of it) is still pending
        rewrites that row instead and returns 0: one card, one pending message."""
        ...

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows whose retry time has come, oldest first (all chats)."""
        ...

    async def due_chats(self, now: datetime) -> tuple[list[tuple[int, int]], datetime | None]:
        """Chats with at least one due pending row, as (chat id, oldest due row id), and the
        earliest future retry time among pending rows (None if none waits)."""
        ...

    async def queue(self, chat_id: int, limit: int = 20) -> list[OutboxRow]:
        """The pending rows of one chat in queue order, due or not; an edit row carries the
        Telegram message id of its target (``target``) when that was sent."""
        ...

    async def sent_message_id(self, chat_id: int, ref: str) -> int | None:
        """Telegram's id of the message sent to ``chat_id`` under ``ref``."""
        ...

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: datetime, note: str | None = None
    ) -> None:
        """Delivered (``note`` says why we believe so when Telegram's answer was unreadable).
        The message body is dropped: only what later edits need is kept."""
        ...

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        """Not delivered yet; try again at ``at`` (counts an attempt)."""
        ...

    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None:
        """Given up on (blocked, invalid…); the body is dropped, the reason kept."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete finished rows (sent or failed) older than ``before``; returns how many."""
        ...

    async def depth(self, now: datetime) -> list[tuple[int, int, float]]:
        """Pending rows per chat as (chat id, count, age in seconds of the oldest)."""
        ...


class DisputeRepository(Protocol):
    async def create(
        self,
        order_id: str,
        opened_at: datetime,
        source: str,
        amount: Money | None,
        reason: str,
        conversation_id: int | None,
        cause: str,
        now: datetime,
    ) -> Dispute: ...
    async def get(self, dispute_id: int) -> Dispute | None: ...
    async def active_for(self, order_id: str) -> Dispute | None: ...
    async def latest_for(self, order_id: str) -> Dispute | None: ...
    async def active(self) -> list[Dispute]: ...
    async def record(
        self,
        dispute_id: int,
        event: DisputeEvent,
        from_state: DisputeState,
        to_state: DisputeState,
        cause: str,
        at: datetime,
        note: str = "",
    ) -> bool: ...
    async def events(self, dispute_id: int) -> list[DisputeLogEntry]: ...
    async def add_offer(
        self,
        dispute_id: int,
        party: Party,
        kind: str,
        amount: Money | None,
        note: str,
        source: str,
        at: datetime,
    ) -> Offer: ...
    async def offers(self, dispute_id: int) -> list[Offer]: ...
    async def set_offer_status(self, offer_id: int, status: OfferStatus) -> None: ...
    async def add_answer(
        self,
        dispute_id: int,
        offer_id: int | None,
        answer: AnswerKind,
        text: str,
        source: str,
        at: datetime,
    ) -> Answer: ...
    async def answers(self, dispute_id: int) -> list[Answer]: ...
    async def plan_reminder(
        self,
        dispute_id: int,
        edge: str,
        due_at: datetime,
        status: str = "pending",
        note: str = "",
        now: datetime | None = None,
    ) -> bool: ...
    async def reminders(self, dispute_id: int) -> list[StoredReminder]: ...
    async def due_reminders(self, now: datetime, limit: int = 100) -> list[StoredReminder]: ...
    async def finish_reminder(
        self, reminder_id: int, status: str, now: datetime, note: str = ""
    ) -> bool: ...
    async def transcript(self, order_id: str) -> list[TranscriptLine]: ...
    async def choices(self, order_id: str) -> list[ChoiceRecord]: ...
    async def first_message_at(self, conversation_id: int, intent: str) -> datetime | None: ...
    async def metric_data(self, since: datetime) -> MetricData: ...
    async def alert(self, name: str) -> bool | None: ...
    async def set_alert(
        self, name: str, above: bool, value: float | None, now: datetime
    ) -> None: ...


class FollowupRepository(Protocol):
    """Order events, follow-up rows and unreachable buyers (see ``bot.storage.followups``)."""

    async def add_event(self, event: OrderEvent, now: datetime) -> bool: ...
    async def event(self, event_id: str) -> OrderEvent | None: ...
    async def events(self, order_id: str) -> list[OrderEvent]: ...
    async def plan(
        self,
        order_id: str,
        rule: str,
        status: RowStatus,
        due_at: datetime | None,
        reason: str,
        now: datetime,
    ) -> None: ...
    async def for_order(self, order_id: str) -> list[FollowupRow]: ...
    async def get(self, row_id: int) -> FollowupRow | None: ...
    async def due(self, now: datetime, limit: int = 200) -> list[FollowupRow]: ...
    async def next_due(self) -> datetime | None: ...
    async def reschedule(
        self, row_id: int, due_at: datetime, reason: str, now: datetime, *, retry: bool = False
    ) -> None: ...
    async def mark_sending(self, row_id: int, chat_id: int, now: datetime) -> bool: ...
    async def finish(
        self,
        row_id: int,
        status: RowStatus,
        reason: str,
        now: datetime,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> bool: ...
    async def interrupted(self, reason: str, now: datetime) -> list[FollowupRow]: ...
    async def skip_pending_for_chat(self, chat_id: int, reason: str, now: datetime) -> int: ...
    async def counts(self) -> dict[str, int]: ...
    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None: ...
    async def unreachable(self, chat_id: int) -> bool: ...
    async def complaint_open(self, order_id: str, intents: Collection[str]) -> bool: ...
    async def buyer_profile(self, chat_id: int) -> tuple[str, str]: ...


@dataclass(frozen=True)
class GaugeSnapshot:
    """What ``/metrics`` reads from the database at scrape time."""

    outbox_depth: dict[str, int]  # pending rows by kind: "buyer" / "seller"
    outbox_age: dict[str, float]  # seconds the oldest pending row of each kind has waited
    followups: dict[str, int]  # follow-up rows by status
    open_disputes: int
    intents: dict[str, int]  # buyer messages by recognised intent
    inbox: dict[str, int]  # updates by status (pending / done / failed)


class GaugeRepository(Protocol):
    """Aggregate counts for monitoring; read-only."""

    async def snapshot(self, now: datetime, seller_chats: frozenset[int]) -> GaugeSnapshot:
        """Counts as of ``now``; rows to ``seller_chats`` (or any group) count as "seller"."""
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


class Store(Protocol):
    """Opens units of work; everything inside one commits together."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
