"""Steps shared by buyer and seller use cases: card facts, card refreshes, delivering a draft."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.entities import Entities, Scan
from bot.domain.errors import NotFound, StaleAction
from bot.domain.models import (
    WORD_KINDS,
    Conversation,
    ConversationStatus,
    Direction,
    Draft,
    DraftStatus,
    MessageKind,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.ports import StoredMessage, UnitOfWork
from bot.services.desk import Desk
from bot.services.disputes import DisputeService
from bot.services.presenter import CardFacts, Presenter

EntityFinder = Callable[[Entities], tuple[str, ...]]


def describe_entities(found: Entities) -> tuple[str, ...]:
    """Order numbers, tracking numbers, amounts and sizes a buyer wrote, for the card's gist."""
    sizes = (f"{s.system} {s.value}" if s.system not in ("letter", "") else s.value
             for s in found.sizes)  # fmt: skip
    described = (
        *(f"№ {n}" for n in found.order_numbers),
        *(t.number for t in found.tracking_numbers),
        *(str(m) for m in found.amounts),
        *sizes,
    )
    return described[:6]


async def pending_draft(uow: UnitOfWork, draft_id: int) -> Draft:
    """The draft a seller acts on, still waiting for a decision (NotFound / StaleAction)."""
    draft = await uow.drafts.get(draft_id)
    if draft is None:
        raise NotFound(f"draft {draft_id}", key="unknown_draft", draft_id=draft_id)
    if draft.status != DraftStatus.PENDING:
        status, by = draft.status.value, draft.decided_by
        raise StaleAction(f"draft {draft_id} already {status} by {by or '?'}",
                          key="already_decided", status=status, by=by)  # fmt: skip
    return draft


@dataclass(frozen=True)
class Known:
    """What a card shows beside the draft, when the caller has already read it."""

    conversation: Conversation
    buyer: Sender
    order: Order | None
    unanswered: list[StoredMessage]
    scan: Scan | None = None  # the entity scan of the message just handled, if any


class Cards:
    """Builds and refreshes approval cards in every seller chat, and delivers approved drafts."""

    def __init__(
        self,
        presenter: Presenter,
        sellers: tuple[int, ...] | Desk,
        entities: EntityFinder = describe_entities,
        disputes: DisputeService | None = None,
    ) -> None:
        self.presenter = presenter
        self.desk = Desk.of(sellers)
        self.entities = entities
        self.disputes = disputes  # offers and choices also count in an open dispute

    async def facts(self, uow: UnitOfWork, draft: Draft, known: Known | None = None) -> CardFacts:
        """Everything a card about ``draft`` shows (``known`` spares reading what the caller
        already holds)."""
        if known is None:
            conversation = await uow.conversations.get(draft.conversation_id)
            assert conversation is not None
            buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
            order_id = conversation.order_id
            order = await uow.orders.get(order_id) if order_id else None
            unanswered = await uow.conversations.unanswered(conversation.id)
            known = Known(conversation, buyer, order, unanswered)
        attachments = tuple(m.kind for m in known.unanswered if m.kind not in WORD_KINDS)
        # the card quotes just the message handled now (the usual case): its scan is reused
        quoted = Scan.reuse(known.scan, draft.buyer_text)
        return CardFacts(draft, known.conversation, known.buyer, known.order, attachments,
                         self.entities(quoted.entities))  # fmt: skip

    async def post(
        self,
        uow: UnitOfWork,
        draft: Draft,
        now: datetime,
        decision: str = "",
        known: Known | None = None,
    ) -> None:
        """Send a new card about ``draft`` to the console (every seller chat, or the buyer's
        topic, reopened if it was closed)."""
        facts = await self.facts(uow, draft, known)
        card = self._card(facts, decision)
        for chat in await self.desk.about(uow, facts.conversation.chat_id, now, reopen=True):
            await uow.outbox.add(OutMessage(chat, card.text, card.buttons, card.ref), now)

    async def refresh(
        self,
        uow: UnitOfWork,
        draft_id: int,
        now: datetime,
        decision: str = "",
        toggles_in: int | None = None,
        draft: Draft | None = None,
        known: Known | None = None,
        topics_in: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        """Re-render the card in every seller chat (with option toggles in ``toggles_in``, or
        the ``topics`` to pick from in ``topics_in``); ``draft`` and ``known`` spare reading
        what the caller already holds."""
        draft = draft or await uow.drafts.get(draft_id)
        assert draft is not None
        facts = await self.facts(uow, draft, known)
        card = self._card(facts, decision)  # rendered once for every chat…
        special, special_in = card, None
        if toggles_in is not None:  # …except the one showing the option toggles
            special = self.presenter.approval_card(facts, decision, toggles=True)
            special_in = toggles_in
        elif topics_in is not None:  # …or the topics
            special = self.presenter.approval_card(facts, decision, topics=topics)
            special_in = topics_in
        for chat in await self.desk.about(uow, facts.conversation.chat_id, now):
            shown = special if chat == special_in else card
            await uow.outbox.add(OutMessage(chat, shown.text, shown.buttons, shown.ref, True), now)

    def _card(self, facts: CardFacts, decision: str) -> OutMessage:
        return self.presenter.approval_card(facts, decision, assignable=self.desk.console.shared)

    async def deliver(
        self,
        uow: UnitOfWork,
        draft: Draft,
        by: str,
        now: datetime,
        status: str = "sent",
        new_card: bool = False,
    ) -> None:
        """Send an approved draft to the buyer and close the card everywhere (or, for a draft
        no seller saw, post an informational card)."""
        facts = await self.facts(uow, draft)
        conversation = facts.conversation
        await uow.outbox.add(
            self.presenter.buyer_reply(draft, facts.order, conversation.chat_id), now
        )
        await uow.conversations.add_message(
            StoredMessage(
                conversation.id, conversation.chat_id, Direction.OUT, MessageKind.TEXT, draft.text
            ),
            now,
        )
        await uow.conversations.mark_answered(conversation.id)
        await uow.conversations.answered(conversation.id)
        if self.disputes is not None:
            enabled = [o for o in draft.options if o.enabled]
            await self.disputes.note_options_offered(uow, conversation.order_id, enabled, now)
        waiting = any(o.enabled for o in draft.options)
        await uow.conversations.update(
            conversation.id,
            now,
            status=ConversationStatus.AWAITING_BUYER if waiting else ConversationStatus.RESOLVED,
        )
        decision = self.presenter.seller("decision", status=status, by=by, draft=draft)
        if new_card:
            await self.post(uow, draft, now, decision)
        else:
            await self.refresh(uow, draft.id, now, decision)
        if not waiting:  # after the card, so a card posted now does not reopen the topic
            await self.desk.settle(uow, conversation.chat_id, now)

    async def decide(
        self, uow: UnitOfWork, draft: Draft, status: DraftStatus, by: str, now: datetime
    ) -> None:
        """Close a draft without sending it (dismissed, superseded, taken over)."""
        await uow.drafts.decide(draft.id, status, by, now)
        decision = self.presenter.seller("decision", status=status.value, by=by, draft=draft)
        await self.refresh(uow, draft.id, now, decision)
