"""The repository ports: what the use cases need from storage, one Protocol per aggregate.

``bot.storage`` implements them; every method states its contract. :mod:`bot.domain.ports`
groups them into a unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

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
    Direction,
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
    direction: Direction
    kind: str  # a MessageKind, or any other Telegram content type
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


class OrderRepository(Protocol):
    """Orders (imported or from the order API) and which buyer chat each is linked to."""

    async def upsert(self, order: Order, now: datetime) -> None:
        """Insert or replace by order id."""
        ...

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        ...

    async def link(self, order_id: str, chat_id: int, now: datetime) -> int:
        """Link the order to a chat; returns the chat the order is linked to (maybe another).
        Idempotent: linking again to the same chat changes nothing; an order linked to
        another chat stays there (the caller refuses)."""
        ...

    async def linked_to(self, chat_id: int) -> list[Order]:
        """Orders linked to a chat, most recently linked first."""
        ...

    async def buyer_chat(self, order_id: str) -> int | None:
        """The chat linked to an order, if any."""
        ...


class CatalogRepository(Protocol):
    """Current catalog prices and promotions, by SKU."""

    async def upsert(self, item: CatalogItem, now: datetime) -> None:
        """Insert or replace by SKU."""
        ...

    async def get(self, sku: str) -> CatalogItem | None:
        """The catalog entry for a SKU, or None."""
        ...


class ChatRepository(Protocol):
    """Who is behind a chat (name, username, language hint) and their role."""

    async def remember(self, sender: Sender, role: str, now: datetime) -> None:
        """Create or refresh a chat record (name, username and language hint)."""
        ...

    async def get(self, chat_id: int) -> Sender | None:
        """The stored chat, or None."""
        ...


class ConversationRepository(Protocol):
    """Conversations between a buyer chat and the seller, their messages and first-response clock.
    A chat has at most one open conversation per order."""

    async def open_for(self, chat_id: int, order_id: str | None) -> Conversation | None:
        """The chat's not-yet-closed conversation about this order, if any."""
        ...

    async def create(
        self, chat_id: int, order_id: str | None, language: str, now: datetime
    ) -> Conversation:
        """Start a conversation."""
        ...

    async def get(self, conversation_id: int) -> Conversation | None:
        """A conversation by id."""
        ...

    async def update(
        self,
        conversation_id: int,
        now: datetime,
        *,
        status: ConversationStatus | None = None,
        intent: str | None = None,
        language: str | None = None,
        waiting: bool = False,
    ) -> None:
        """Change status / intent / language; closing stamps ``closed_at``; ``waiting`` starts the
        first-response clock like :meth:`wait_for_seller`."""
        ...

    async def add_message(self, message: StoredMessage, now: datetime) -> int:
        """Store a message in either direction."""
        ...

    async def message(self, message_id: int) -> StoredMessage | None:
        """One stored message."""
        ...

    async def set_intent(self, message_id: int, intent: str, confidence: float) -> None:
        """Correct a message's intent (the buyer said what it is about)."""
        ...

    async def relabel_unanswered(self, conversation_id: int, intent: str) -> None:
        """Set ``intent`` (confidence 1.0) on every unanswered buyer message of the
        conversation that has an intent (the seller picked the topic)."""
        ...

    async def unanswered(self, conversation_id: int) -> list[StoredMessage]:
        """Buyer messages since the last reply the seller sent, oldest first."""
        ...

    async def mark_answered(self, conversation_id: int) -> None:
        """All buyer messages so far have been answered."""
        ...

    async def history(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of the conversation, oldest first."""
        ...

    async def wait_for_seller(self, conversation_id: int, now: datetime) -> None:
        """The buyer is waiting for an answer (the clock keeps the earliest unanswered time)."""
        ...

    async def answered(self, conversation_id: int) -> None:
        """The seller answered: stop the first-response clock."""
        ...

    async def waiting_too_long(self, since: datetime) -> list[Conversation]:
        """Conversations waiting for the seller since ``since`` or earlier, not yet reminded."""
        ...

    async def mark_reminded(self, conversation_id: int, now: datetime) -> None:
        """A first-response reminder went out for the current wait."""
        ...

    async def take_over(self, conversation_id: int, seller_chat: int | None) -> None:
        """A seller talks to the buyer directly (None: hands back to Parley)."""
        ...

    async def taken_over_by(self, seller_chat: int) -> Conversation | None:
        """The conversation a seller chat is talking in directly, if any."""
        ...

    async def open_list(self, limit: int = 30) -> list[Conversation]:
        """Conversations not closed yet, longest-waiting first."""
        ...

    async def for_order(self, order_id: str) -> list[Conversation]:
        """Every conversation about an order, oldest first."""
        ...


class DraftRepository(Protocol):
    """Drafted replies awaiting the seller, the buyer's choice among a sent draft's options, and
    seller edits in progress. Methods returning ``bool`` are compare-and-set: ``False``
    means the state had already moved on and nothing was written."""

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
    ) -> Draft:
        """Store a pending draft with its options."""
        ...

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

    async def get(self, draft_id: int) -> Draft | None:
        """A draft with its options."""
        ...

    async def pending_for(self, conversation_id: int) -> list[Draft]:
        """Drafts of a conversation still waiting for the seller (one query, options joined)."""
        ...

    async def last_sent(self, conversation_id: int) -> Draft | None:
        """The latest draft sent in a conversation, if its options still await a choice."""
        ...

    async def set_enabled(self, draft_id: int, option_index: int, enabled: bool) -> None:
        """Include or leave out one option of a draft."""
        ...

    async def decide(
        self, draft_id: int, status: DraftStatus, by: str, now: datetime, text: str | None = None
    ) -> bool:
        """Move a pending draft to ``status``; False if it was no longer pending. Compare-and-set:
        False means another press decided it first, and nothing changed."""
        ...

    async def choose(
        self, draft_id: int, option_index: int, chat_id: int, needs_action: bool, now: datetime
    ) -> bool:
        """Record the buyer's choice; False if the draft already has one. Compare-and-set: False
        means the buyer already chose on this draft, and nothing changed."""
        ...

    async def choice(self, choice_id: int) -> Choice | None:
        """A choice by id."""
        ...

    async def choice_for(self, draft_id: int) -> Choice | None:
        """The choice made on a draft, if any."""
        ...

    async def complete(self, choice_id: int, by: str, now: datetime) -> bool:
        """Mark a chosen action done; False if it already was (or needs none). Compare-and-set:
        False means someone marked it done first."""
        ...

    async def start_edit(self, chat_id: int, draft_id: int, now: datetime) -> None:
        """The seller in ``chat_id`` is now typing a replacement for ``draft_id``."""
        ...

    async def edit_in_progress(self, chat_id: int) -> tuple[int, str | None] | None:
        """(draft id, proposed text) of the seller's edit in progress, if any."""
        ...

    async def propose_edit(self, chat_id: int, text: str) -> None:
        """Remember the seller's replacement text until they confirm it."""
        ...

    async def end_edit(self, chat_id: int) -> None:
        """Forget the seller's edit in progress."""
        ...


class InboxRepository(Protocol):
    """Incoming updates, stored before they are handled and confirmed to Telegram."""

    async def add(self, update_id: int, payload: str, now: datetime) -> bool:
        """Store an update; False if this very update was already there. Idempotent by (update_id,
        content digest): False means this very delivery is already stored."""
        ...

    async def pending(self, limit: int = 100) -> list[tuple[int, str]]:
        """Updates not yet handled, in arrival order, as (inbox id, payload)."""
        ...

    async def finish(self, inbox_id: int, now: datetime, error: str | None = None) -> None:
        """Mark an update handled (or failed, with the error)."""
        ...


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


class DisputeRepository(Protocol):
    """Disputes, their transitions, offers and answers, and one reminder row per timeline edge
    (each fires once)."""

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
    ) -> Dispute:
        """Store a new dispute in state ``opened`` and log its opening."""
        ...

    async def get(self, dispute_id: int) -> Dispute | None:
        """A dispute by id."""
        ...

    async def active_for(self, order_id: str) -> Dispute | None:
        """The order's dispute that is not finished, if any (there is at most one)."""
        ...

    async def latest_for(self, order_id: str) -> Dispute | None:
        """The order's most recent dispute, finished or not."""
        ...

    async def active(self) -> list[Dispute]:
        """Every dispute not finished yet, oldest first."""
        ...

    async def record(
        self,
        dispute_id: int,
        event: DisputeEvent,
        from_state: DisputeState,
        to_state: DisputeState,
        cause: str,
        at: datetime,
        note: str = "",
    ) -> bool:
        """Move the dispute from ``from_state`` to ``to_state`` and log it; False (and nothing
        written) if the dispute was no longer in ``from_state``."""
        ...

    async def events(self, dispute_id: int) -> list[DisputeLogEntry]:
        """Every transition of a dispute, oldest first."""
        ...

    async def add_offer(
        self,
        dispute_id: int,
        party: Party,
        kind: str,
        amount: Money | None,
        note: str,
        source: str,
        at: datetime,
    ) -> Offer:
        """Record an offer (open)."""
        ...

    async def offers(self, dispute_id: int) -> list[Offer]:
        """Every offer of a dispute, oldest first."""
        ...

    async def set_offer_status(self, offer_id: int, status: OfferStatus) -> None:
        """Mark an offer accepted or rejected."""
        ...

    async def add_answer(
        self,
        dispute_id: int,
        offer_id: int | None,
        answer: AnswerKind,
        text: str,
        source: str,
        at: datetime,
    ) -> Answer:
        """Record the buyer's answer."""
        ...

    async def answers(self, dispute_id: int) -> list[Answer]:
        """Every answer of the buyer, oldest first."""
        ...

    async def plan_reminder(
        self,
        dispute_id: int,
        edge: str,
        due_at: datetime,
        status: str = "pending",
        note: str = "",
        now: datetime | None = None,
    ) -> bool:
        """Store a reminder row unless the dispute already has one for ``edge``."""
        ...

    async def reminders(self, dispute_id: int) -> list[StoredReminder]:
        """Every reminder row of a dispute in firing order."""
        ...

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[StoredReminder]:
        """Pending reminders whose time has come, oldest first (an index scan)."""
        ...

    async def finish_reminder(
        self, reminder_id: int, status: str, now: datetime, note: str = ""
    ) -> bool:
        """Mark a pending reminder ``sent`` or ``skipped``; False if it was not pending."""
        ...

    async def transcript(self, order_id: str) -> list[TranscriptLine]:
        """Every stored message of every conversation about the order, in order."""
        ...

    async def choices(self, order_id: str) -> list[ChoiceRecord]:
        """Options the buyer chose on replies about the order."""
        ...

    async def first_message_at(self, conversation_id: int, intent: str) -> datetime | None:
        """When the buyer first wrote with ``intent`` in the conversation."""
        ...

    async def metric_data(self, since: datetime) -> MetricData:
        """Orders, conversations and disputes for the metrics (conversations and disputes opened
        after ``since``; all orders, whose times may carry any offset)."""
        ...

    async def alert(self, name: str) -> bool | None:
        """Whether the named metric was above its threshold at the last check (None: never)."""
        ...

    async def set_alert(self, name: str, above: bool, value: float | None, now: datetime) -> None:
        """Remember the named metric's side of its threshold."""
        ...


class FollowupRepository(Protocol):
    """Order events, follow-up rows and unreachable buyers (see ``bot.storage.followups``)."""

    async def add_event(self, event: OrderEvent, now: datetime) -> bool:
        """Store an event; False if an event with this id is already stored."""
        ...

    async def event(self, event_id: str) -> OrderEvent | None:
        """A stored event by id."""
        ...

    async def events(self, order_id: str) -> list[OrderEvent]:
        """An order's events, oldest first."""
        ...

    async def plan(
        self,
        order_id: str,
        rule: str,
        status: RowStatus,
        due_at: datetime | None,
        reason: str,
        now: datetime,
    ) -> None:
        """Create the (order, rule) row, or re-plan it if it is still pending.  Only ``pending`` or
        ``skipped`` may be written here; a row that is sending or finished is left
        exactly as it is."""
        ...

    async def for_order(self, order_id: str) -> list[FollowupRow]:
        """Every follow-up row of an order."""
        ...

    async def get(self, row_id: int) -> FollowupRow | None:
        """One row by id."""
        ...

    async def due(self, now: datetime, limit: int = 200) -> list[FollowupRow]:
        """Pending rows due by ``now``, earliest first (an index range scan), with the chat the
        order is linked to (if any) as ``chat_id``."""
        ...

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due."""
        ...

    async def reschedule(
        self, row_id: int, due_at: datetime, reason: str, now: datetime, *, retry: bool = False
    ) -> None:
        """Keep a pending (or interrupted-by-429 sending) row for later."""
        ...

    async def mark_sending(self, row_id: int, chat_id: int, now: datetime) -> bool:
        """Claim a pending row right before the Bot API call; False if it is not pending."""
        ...

    async def finish(
        self,
        row_id: int,
        status: RowStatus,
        reason: str,
        now: datetime,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> bool:
        """Move a pending or sending row to a final status; False if it already was final."""
        ...

    async def interrupted(self, reason: str, now: datetime) -> list[FollowupRow]:
        """Rows left ``sending`` by a crash become ``failed`` with ``reason``; returns them."""
        ...

    async def skip_pending_for_chat(self, chat_id: int, reason: str, now: datetime) -> int:
        """Skip every pending follow-up of the orders linked to a chat."""
        ...

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        ...

    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        """The chat blocked the bot (HTTP 403)."""
        ...

    async def unreachable(self, chat_id: int) -> bool:
        """Whether the chat blocked the bot and has not written to it since."""
        ...

    async def complaint_open(self, order_id: str, intents: Collection[str]) -> bool:
        """Whether a conversation about the order is open with a complaint intent."""
        ...

    async def buyer_profile(self, chat_id: int) -> tuple[str, str]:
        """(Telegram's language hint, display name) of a chat ('' when unknown)."""
        ...


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
