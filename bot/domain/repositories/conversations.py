"""Conversations and drafts: a buyer's messages, the replies drafted for the seller and the
buyer's choice among a sent reply's options (:class:`StoredMessage`,
:class:`ConversationRepository`, :class:`DraftRepository`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.models import (
    Choice,
    Conversation,
    ConversationStatus,
    Direction,
    Draft,
    DraftStatus,
    Option,
)


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


class ConversationRepository(Protocol):
    """Conversations between a buyer chat and the seller, their messages and first-response clock.
    A chat has at most one open conversation per order."""

    async def open_for(self, chat_id: int, order_id: str | None) -> Conversation | None:
        """The chat's not-yet-closed conversation about this order, if any."""
        ...

    async def any_open(self, chat_id: int) -> bool:
        """Whether the chat has a conversation not closed yet (about any order)."""
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

    async def waiting_unescalated(self, since: datetime) -> list[Conversation]:
        """Assigned open conversations waiting since ``since`` or earlier, reminded already
        (their assignee was) and not yet escalated to the whole team during this wait."""
        ...

    async def mark_escalated(self, conversation_id: int, now: datetime) -> None:
        """The whole team was reminded of the current wait (cleared by :meth:`answered`)."""
        ...

    async def assign(self, conversation_id: int, user_id: int | None, name: str | None) -> None:
        """Assign the conversation to the Telegram user ``user_id``, shown as ``name`` (None:
        to nobody)."""
        ...

    async def take_over(self, conversation_id: int, seller_chat: int | None) -> None:
        """A seller talks to the buyer directly (None: hands back to Parley)."""
        ...

    async def taken_over_by(self, seller_chat: int) -> Conversation | None:
        """The conversation a seller chat is talking in directly, if any."""
        ...

    async def open_list(self, limit: int = 30, assignee: int | None = None) -> list[Conversation]:
        """Conversations not closed yet, longest-waiting first; with ``assignee``, only those
        assigned to that user."""
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
