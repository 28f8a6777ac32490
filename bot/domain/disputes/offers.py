"""Offers and answers during negotiation: the best offer, offer kinds, implied steps."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bot.domain.disputes.records import AnswerKind, Offer, OfferStatus, Party
from bot.domain.disputes.state import DisputeEvent, DisputeState
from bot.domain.errors import InvalidTransition


def is_return(kind: str) -> bool:
    """Whether an offer kind makes the buyer send the item back."""
    return "return" in kind


def best_offer(offers: Iterable[Offer]) -> Offer | None:
    """The best offer so far: one the buyer accepted, else the seller's most generous open
    offer (largest amount, latest on a tie), else the seller's latest offer."""
    seller = [o for o in offers if o.party is Party.SELLER]
    accepted = [o for o in seller if o.status is OfferStatus.ACCEPTED]
    if accepted:
        return max(accepted, key=lambda o: (o.at, o.id))
    open_ = [o for o in seller if o.status is OfferStatus.OPEN]
    if open_:
        return max(open_, key=lambda o: (o.amount.amount if o.amount else Decimal(0), o.at, o.id))
    return max(seller, key=lambda o: (o.at, o.id)) if seller else None


def events_after_offer(state: DisputeState, party: Party) -> list[DisputeEvent]:
    """Steps an offer implies: the seller's first offer is their answer; a later offer or a
    buyer's counter-offer after that answer means the two sides negotiate."""
    if not state.negotiable:
        raise InvalidTransition(state.value, "take offers")
    if state is DisputeState.OPENED:
        return [DisputeEvent.RESPOND] if party is Party.SELLER else []
    if state is DisputeState.RESPONDED:
        return [DisputeEvent.NEGOTIATE]
    return []


def events_after_answer(state: DisputeState, answer: AnswerKind) -> list[DisputeEvent]:
    """Steps the buyer's answer to an offer implies (accepting one means agreement)."""
    if not state.negotiable:
        raise InvalidTransition(state.value, "take answers")
    if answer is AnswerKind.ACCEPT:
        if state is DisputeState.OPENED:
            return [DisputeEvent.RESPOND, DisputeEvent.AGREE]
        return [DisputeEvent.AGREE]
    return [DisputeEvent.NEGOTIATE] if state is DisputeState.RESPONDED else []


_KIND_WORDS = (
    ("return", "return_refund"),
    ("replace", "replacement"),
    ("reship", "reship"),
    ("resend", "reship"),
    ("coupon", "coupon"),
    ("full", "full_refund"),
)


def offer_kind(note: str, amount: Decimal | None) -> str:
    """The kind of a free-text offer: keywords first, else a partial refund if it has an
    amount, else ``other``."""
    lowered = note.lower()
    for word, kind in _KIND_WORDS:
        if word in lowered:
            return kind
    return "partial_refund" if amount is not None else "other"
