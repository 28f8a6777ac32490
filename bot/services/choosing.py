"""The buyer's choice among the options of a reply they were sent.

A buyer chooses by tapping an option's button (:meth:`Chooser.pick`) or by writing one of
the labels back (:meth:`Chooser.in_words`). Either way, in the caller's transaction, the
choice is claimed once (a second tap is refused), counted in an open dispute, marked on the
sent reply and stored in the conversation; then an option that needs the seller to act
(a refund, a coupon…) sends every seller chat an action card with a "done" button and
leaves the conversation awaiting that action, while any other option resolves it with a
notice to the sellers. The buyer is answered either way.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.choices import match_choice
from bot.domain.errors import NotAllowed, NotFound, StaleAction
from bot.domain.models import (
    Choice,
    Conversation,
    ConversationStatus,
    Direction,
    Draft,
    DraftStatus,
    MessageKind,
    Option,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.ports import Clock, StoredMessage, UnitOfWork
from bot.services.buyer_config import BuyerConfig, tell_sellers
from bot.services.presenter import Presenter
from bot.services.replies import Cards


class Chooser:
    """Carries out the option a buyer chose on a sent reply."""

    def __init__(
        self, clock: Clock, presenter: Presenter, cards: Cards, config: BuyerConfig
    ) -> None:
        self.clock = clock
        self.presenter = presenter
        self.cards = cards
        self.config = config

    async def pick(self, uow: UnitOfWork, sender: Sender, draft_id: int, option: str | int) -> str:
        """The buyer tapped an option of a sent reply (``option``: its kind, or on a button
        sent before buttons carried names, its position); returns the chosen label."""
        draft = await uow.drafts.get(draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id}", key="unknown_draft", draft_id=draft_id)
        if isinstance(option, str):
            kinds = [o.kind for o in draft.options]
            if option not in kinds:
                raise StaleAction("the offer is no longer open", key="offer_closed")
            option = kinds.index(option)
        return await self.choose(uow, sender, draft, option)

    async def in_words(
        self, uow: UnitOfWork, sender: Sender, draft: Draft, order: Order | None, text: str
    ) -> bool:
        """Whether the buyer's ``text`` names one of the enabled options of ``draft`` (the
        reply awaiting their choice); if it does, the text is stored and the option chosen."""
        enabled = [(i, o) for i, o in enumerate(draft.options) if o.enabled]
        labels = [self.presenter.option_label(draft.language, o, order) for _, o in enabled]
        picked = match_choice(text, labels)
        if picked is None:
            return False
        await uow.conversations.add_message(
            StoredMessage(
                draft.conversation_id, sender.chat_id, Direction.IN, MessageKind.TEXT, text
            ),
            self.clock.now(),
        )
        await self.choose(uow, sender, draft, enabled[picked][0])
        return True

    async def choose(self, uow: UnitOfWork, sender: Sender, draft: Draft, index: int) -> str:
        """Carry out option ``index`` of ``draft`` for its buyer; returns the option's label."""
        now = self.clock.now()
        conversation, option = await self._claim(uow, sender, draft, index, now)
        choice = await uow.drafts.choice_for(draft.id)
        assert choice is not None
        order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
        label = await self._mark(uow, sender, draft, option, order, now)
        if option.needs_action:
            reply = await self._needs_action(uow, sender, draft, option, order, label, choice, now)
            status = ConversationStatus.AWAITING_ACTION
        else:
            reply = await self._resolved(uow, sender, draft, option, order, label)
            status = ConversationStatus.RESOLVED
        await uow.outbox.add(OutMessage(sender.chat_id, reply), now)
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.OUT, MessageKind.TEXT, reply),
            now,
        )
        await uow.conversations.update(conversation.id, now, status=status)
        if status.closed:
            await self.cards.desk.settle(uow, conversation.chat_id, now)
        return label

    async def _claim(
        self, uow: UnitOfWork, sender: Sender, draft: Draft, index: int, now: datetime
    ) -> tuple[Conversation, Option]:
        """Record the choice (once: the buyer's own open offer, an enabled option) and count
        it in an open dispute; returns the conversation and the option."""
        conversation = await uow.conversations.get(draft.conversation_id)
        assert conversation is not None
        if conversation.chat_id != sender.chat_id:
            raise NotAllowed("the button belongs to another chat", key="not_yours")
        if draft.status != DraftStatus.SENT or not 0 <= index < len(draft.options):
            raise StaleAction("the offer is no longer open", key="offer_closed")
        option = draft.options[index]
        if not option.enabled:
            raise StaleAction("the offer is no longer open", key="offer_closed")
        if not await uow.drafts.choose(draft.id, index, sender.chat_id, option.needs_action, now):
            raise StaleAction("the buyer has already chosen", key="already_chosen")
        if self.cards.disputes is not None:
            await self.cards.disputes.note_option_chosen(uow, conversation.order_id, option, now)
        return conversation, option

    async def _mark(
        self,
        uow: UnitOfWork,
        sender: Sender,
        draft: Draft,
        option: Option,
        order: Order | None,
        now: datetime,
    ) -> str:
        """Mark the chosen option on the sent reply and store the choice in the conversation;
        returns the option's label."""
        label = self.presenter.option_label(draft.language, option, order)
        mark = self.presenter.buyer(draft.language, "chosen_mark", label=label)
        marked = f"{draft.text}\n\n{mark}"
        await uow.outbox.add(
            OutMessage(sender.chat_id, marked, ref=f"reply:{draft.id}", edit=True), now
        )
        await uow.conversations.add_message(
            StoredMessage(
                draft.conversation_id, sender.chat_id, Direction.IN, MessageKind.CHOICE, label
            ),
            now,
        )
        return label

    async def _needs_action(
        self,
        uow: UnitOfWork,
        sender: Sender,
        draft: Draft,
        option: Option,
        order: Order | None,
        label: str,
        choice: Choice,
        now: datetime,
    ) -> str:
        """The seller has to act: an action card with a "done" button to every seller chat;
        returns the buyer's answer (their choice is with the seller)."""
        reply = self.presenter.buyer(
            draft.language, "chosen", buyer_name=sender.name, order=order, label=label
        )
        action = self.presenter.seller(
            "action_card",
            order=order,
            buyer=sender,
            label=label,
            amount=option.amount,
            days=option.days,
            kind=option.kind,
            decision="",
            by="",
        )
        button = ((self.presenter.seller_button("done", choice.id),),)
        for seller in await self.cards.desk.about(uow, sender.chat_id, now):
            await uow.outbox.add(OutMessage(seller, action, button, ref=f"action:{choice.id}"), now)
        return reply

    async def _resolved(
        self,
        uow: UnitOfWork,
        sender: Sender,
        draft: Draft,
        option: Option,
        order: Order | None,
        label: str,
    ) -> str:
        """Nothing left to do: a notice to the sellers; returns the buyer's answer (what was
        done)."""
        reply = self.presenter.done_text(draft.language, option, order, sender.name)
        note = self.presenter.seller("resolved_notice", order=order, buyer=sender, label=label)
        await tell_sellers(uow, self.clock, self.cards.desk, note, sender.chat_id)
        return reply
