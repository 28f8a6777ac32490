"""Domain records (frozen dataclasses). Datetimes are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.money import Money


class OrderStatus(StrEnum):
    """Order states as marketplaces report them."""

    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def shipped(self) -> bool:
        """Whether the parcel has left the seller."""
        return self not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class Order:
    """One marketplace order (one line item, as the seller's export gives it)."""

    order_id: str
    unit_price: Money
    quantity: int
    paid_at: datetime
    status: OrderStatus
    buyer_name: str = ""
    item_title: str = ""
    sku: str = ""
    carrier: str = ""
    tracking_number: str = ""
    shipped_at: datetime | None = None
    promised_delivery_by: datetime | None = None
    delivered_at: datetime | None = None
    buyer_country: str = ""
    buyer_language: str = ""

    @property
    def total_paid(self) -> Money:
        """Price paid for the whole line."""
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class CatalogItem:
    """Current price of a SKU and the promotion running on it, if any."""

    sku: str
    price: Money
    title: str = ""
    promotion: str = ""
    promotion_ends: datetime | None = None
    size_chart: str = ""


class ConversationStatus(StrEnum):
    """Where a conversation stands."""

    OPEN = "open"  # waiting for the seller to approve a draft
    AWAITING_BUYER = "awaiting_buyer"  # reply sent, waiting for the buyer's choice
    AWAITING_ACTION = "awaiting_action"  # buyer chose, seller must do it
    RESOLVED = "resolved"
    DISMISSED = "dismissed"

    @property
    def closed(self) -> bool:
        """Resolved or dismissed: a new message starts a new conversation."""
        return self in (ConversationStatus.RESOLVED, ConversationStatus.DISMISSED)


@dataclass(frozen=True)
class Conversation:
    """A thread between one buyer chat and the seller about (at most) one order."""

    id: int
    chat_id: int
    order_id: str | None
    status: ConversationStatus
    language: str
    opened_at: datetime
    intent: str = "none"
    taken_over_by: int | None = None
    waiting_since: datetime | None = None
    assignee_id: int | None = None  # team console: the user the conversation is assigned to
    assignee_name: str | None = None


class DraftStatus(StrEnum):
    """Lifecycle of a drafted reply."""

    PENDING = "pending"
    SENT = "sent"
    DISMISSED = "dismissed"
    SUPERSEDED = "superseded"
    TAKEN_OVER = "taken_over"


@dataclass(frozen=True)
class Option:
    """One resolution the buyer can choose; ``amount`` is computed, never typed in a template."""

    kind: str
    amount: Money | None = None
    needs_action: bool = True
    days: int | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Draft:
    """A reply prepared for the seller's approval."""

    id: int
    conversation_id: int
    intent: str
    confidence: float
    language: str
    buyer_text: str
    text: str
    status: DraftStatus
    options: tuple[Option, ...] = field(default_factory=tuple)
    decided_by: str = ""


@dataclass(frozen=True)
class Choice:
    """The buyer's pick among a sent draft's options, and the seller's follow-through."""

    id: int
    draft_id: int
    option_index: int
    option: Option
    action_done: bool
    done_by: str = ""


@dataclass(frozen=True)
class Button:
    """An inline button: label and opaque callback data (see :mod:`bot.domain.callbacks`)."""

    text: str
    data: str


class Direction(StrEnum):
    """Which way a stored message went (``messages.direction``)."""

    IN = "in"  # from the buyer
    OUT = "out"  # to the buyer


class MessageKind(StrEnum):
    """What a stored message is (``messages.kind``).

    ``text`` is words the buyer typed or Parley sent, ``choice`` an option the buyer pressed;
    every other kind is an attachment named after Telegram's content type. Any content type
    may arrive (Telegram adds new ones), so ``StoredMessage.kind`` stays a ``str``: these
    members name the kinds code tests for or commonly sees, and compare equal to the stored
    strings, while an unlisted kind (``dice``, ``poll``…) is stored and shown as it came.
    """

    TEXT = "text"
    CHOICE = "choice"
    PHOTO = "photo"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"
    ANIMATION = "animation"
    VOICE = "voice"
    AUDIO = "audio"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"


WORD_KINDS: frozenset[str] = frozenset({MessageKind.TEXT, MessageKind.CHOICE})
"""Kinds made of words (typed or pressed); every other kind is an attachment."""


@dataclass(frozen=True)
class OutMessage:
    """A message (or an edit of one) that Parley must deliver; stored in the outbox first.

    ``ref`` names the message for later edits (e.g. ``card:12``); an edit targets the message
    sent earlier to the same chat under the same ref. With ``photo`` (PNG bytes) the message
    is a photo and ``text`` its caption (at most 1024 characters). With ``copy_of`` the
    message is a copy of a buyer's message (a photo, a voice…), ``text`` being ignored.
    """

    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ref: str | None = None
    edit: bool = False
    photo: bytes | None = field(default=None, repr=False)
    copy_of: tuple[int, int] | None = None  # (chat id, message id) of a message to copy
    action: str | None = None  # a TopicAction: close or reopen the topic instead of sending


@dataclass(frozen=True)
class Sender:
    """Who wrote or pressed: chat id plus a display name and Telegram's language hint."""

    chat_id: int
    name: str = ""
    username: str = ""
    language_code: str = ""
    user_id: int | None = None  # the person, when not the chat itself (a team group member)

    @property
    def person(self) -> int:
        """The Telegram user acting: ``user_id``, else the chat's own (a private chat)."""
        return self.user_id if self.user_id is not None else self.chat_id

    @property
    def label(self) -> str:
        """Human label for cards: name and @username when known."""
        parts = [p for p in (self.name, f"@{self.username}" if self.username else "") if p]
        return " ".join(parts) or f"chat {self.chat_id}"
