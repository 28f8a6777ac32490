"""Dispute records as stored: the dispute, its log, offers, answers and reminder rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.disputes.state import DisputeEvent, DisputeState
from bot.domain.money import Money


@dataclass(frozen=True)
class Dispute:
    """A dispute (refund application) about one order, as stored."""

    id: int
    order_id: str
    state: DisputeState
    opened_at: datetime
    source: str = "command"
    amount: Money | None = None
    reason: str = ""
    conversation_id: int | None = None
    responded_at: datetime | None = None
    agreed_at: datetime | None = None
    escalated_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class DisputeLogEntry:
    """One stored transition: when, which event, from/to, and why (``cause``)."""

    at: datetime
    event: DisputeEvent
    from_state: DisputeState | None
    to_state: DisputeState
    cause: str
    note: str = ""


class OfferStatus(StrEnum):
    """Where an offer stands."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Party(StrEnum):
    """Who made an offer."""

    SELLER = "seller"
    BUYER = "buyer"


class AnswerKind(StrEnum):
    """The buyer's answer to the seller's latest offer."""

    ACCEPT = "accept"
    REJECT = "reject"
    COUNTER = "counter"


@dataclass(frozen=True)
class Offer:
    """A proposal during negotiation (``kind`` like ``partial_refund`` or ``return_refund``)."""

    id: int
    dispute_id: int
    at: datetime
    party: Party
    kind: str
    amount: Money | None
    note: str
    source: str
    status: OfferStatus = OfferStatus.OPEN


@dataclass(frozen=True)
class Answer:
    """The buyer's answer, linked to the offer it answers when there is one."""

    id: int
    dispute_id: int
    offer_id: int | None
    at: datetime
    answer: AnswerKind
    text: str
    source: str


@dataclass(frozen=True)
class StoredReminder:
    """A reminder row: the row, not the scheduler, says whether it went out."""

    id: int
    dispute_id: int
    edge: str
    due_at: datetime
    status: str  # pending, sent, skipped
    done_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class TranscriptLine:
    """A stored message of a conversation about the disputed order."""

    at: datetime
    direction: str  # a Direction (bot.domain.models): "in" from the buyer, "out" to the buyer
    kind: str  # a MessageKind, or any other Telegram content type
    text: str
    intent: str | None = None


@dataclass(frozen=True)
class ChoiceRecord:
    """An option the buyer picked on a reply about the order, and whether it was done."""

    at: datetime
    kind: str
    amount: Money | None
    action_status: str  # none, pending, done
