"""Seller-console use cases: approve, edit, dismiss a draft; confirm a chosen action done."""

from __future__ import annotations

import html

from bot.domain.errors import NotAllowed, NotFound, StaleAction
from bot.domain.models import (
    ConversationStatus,
    Draft,
    DraftStatus,
    OutMessage,
    Sender,
)
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.services.presenter import CardFacts, Presenter

MAX_TEXT = 4096


class SellerService:
    """Everything that starts with a seller's update. Every call checks the chat is a seller."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        presenter: Presenter,
        seller_chat_ids: tuple[int, ...],
    ) -> None:
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.sellers = seller_chat_ids

    def is_seller(self, chat_id: int) -> bool:
        """Whether ``chat_id`` is one of the configured seller chats."""
        return chat_id in self.sellers

    def _check(self, seller: Sender) -> None:
        if not self.is_seller(seller.chat_id):
            raise NotAllowed("only the seller can do this")

    async def register(self, seller: Sender) -> None:
        """``/start`` or ``/help`` in a seller chat: remember it and show the help."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await uow.chats.remember(seller, "seller", now)
            text = self.presenter.seller("help", by=seller.label)
            await uow.outbox.add(OutMessage(seller.chat_id, text), now)

    async def _pending(self, uow: UnitOfWork, draft_id: int) -> Draft:
        draft = await uow.drafts.get(draft_id)
        if draft is None:
            raise NotFound(f"draft {draft_id}")
        if draft.status != DraftStatus.PENDING:
            who = f" by {draft.decided_by}" if draft.decided_by else ""
            raise StaleAction(f"already {draft.status.value}{who}")
        return draft

    async def _card_facts(self, uow: UnitOfWork, draft: Draft) -> CardFacts:
        conversation = await uow.conversations.get(draft.conversation_id)
        assert conversation is not None
        buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
        order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
        return CardFacts(draft, conversation, buyer, order)

    async def _refresh_cards(self, uow: UnitOfWork, draft_id: int, decision: str) -> None:
        draft = await uow.drafts.get(draft_id)
        assert draft is not None
        card = self.presenter.approval_card(await self._card_facts(uow, draft), decision)
        for chat in self.sellers:
            await uow.outbox.add(
                OutMessage(chat, card.text, card.buttons, card.ref, edit=True), self.clock.now()
            )

    async def send(self, seller: Sender, draft_id: int, text: str | None = None) -> str:
        """Approve a draft (optionally with the seller's replacement text) and send it."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await self._pending(uow, draft_id)
            await uow.drafts.decide(draft_id, DraftStatus.SENT, seller.label, now, text)
            draft = await uow.drafts.get(draft_id)
            assert draft is not None
            facts = await self._card_facts(uow, draft)
            conversation = facts.conversation
            reply = self.presenter.buyer_reply(draft, facts.order, conversation.chat_id)
            await uow.outbox.add(reply, now)
            await uow.conversations.add_message(
                StoredMessage(conversation.id, conversation.chat_id, "out", "text", draft.text),
                now,
            )
            await uow.conversations.mark_answered(conversation.id)
            status = (
                ConversationStatus.AWAITING_BUYER if draft.options else ConversationStatus.RESOLVED
            )
            await uow.conversations.update(conversation.id, now, status=status)
            await uow.drafts.end_edit(seller.chat_id)
            await self._refresh_cards(uow, draft_id, self.presenter.seller(
                "decision", status="sent", by=seller.label))  # fmt: skip
            return "Sent to the buyer"

    async def dismiss(self, seller: Sender, draft_id: int) -> str:
        """Drop a draft: nothing goes to the buyer and the conversation closes."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await self._pending(uow, draft_id)
            await uow.drafts.decide(draft_id, DraftStatus.DISMISSED, seller.label, now)
            await uow.conversations.mark_answered(draft.conversation_id)
            await uow.conversations.update(
                draft.conversation_id, now, status=ConversationStatus.DISMISSED
            )
            await self._refresh_cards(uow, draft_id, self.presenter.seller(
                "decision", status="dismissed", by=seller.label))  # fmt: skip
            return "Dismissed"

    async def start_edit(self, seller: Sender, draft_id: int) -> str:
        """The seller wants to rewrite a draft: ask for the text."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await self._pending(uow, draft_id)
            await uow.drafts.start_edit(seller.chat_id, draft_id, now)
            prompt = self.presenter.seller("edit_prompt", draft=draft)
            await uow.outbox.add(OutMessage(seller.chat_id, prompt), now)
            return "Type the new text"

    async def text(self, seller: Sender, text: str) -> None:
        """A plain text from a seller: the replacement for a draft being edited, or help."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            editing = await uow.drafts.edit_in_progress(seller.chat_id)
            if editing is None:
                reply = self.presenter.seller("help", by=seller.label)
                await uow.outbox.add(OutMessage(seller.chat_id, reply), now)
                return
            draft_id, _ = editing
            draft = await uow.drafts.get(draft_id)
            if draft is None or draft.status != DraftStatus.PENDING:
                await uow.drafts.end_edit(seller.chat_id)
                note = self.presenter.seller("edit_stale", draft_id=draft_id)
                await uow.outbox.add(OutMessage(seller.chat_id, note), now)
                return
            escaped = html.escape(text.strip(), quote=False)[:MAX_TEXT]
            await uow.drafts.propose_edit(seller.chat_id, escaped)
            preview = self.presenter.seller("edit_preview", draft=draft, draft_text=text.strip())
            buttons = ((self.presenter.seller_button("esend", draft_id),
                        self.presenter.seller_button("ecancel", draft_id)),)  # fmt: skip
            await uow.outbox.add(OutMessage(seller.chat_id, preview, buttons), now)

    async def send_edited(self, seller: Sender, draft_id: int) -> str:
        """Send the previewed replacement text."""
        self._check(seller)
        async with self.store.transaction() as uow:
            editing = await uow.drafts.edit_in_progress(seller.chat_id)
        if editing is None or editing[0] != draft_id or editing[1] is None:
            raise StaleAction("no edited text waiting for this draft")
        return await self.send(seller, draft_id, editing[1])

    async def cancel_edit(self, seller: Sender, draft_id: int | None = None) -> str:
        """Forget the edit in progress; the draft stays as it was."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await uow.drafts.end_edit(seller.chat_id)
        return "Edit cancelled; the draft is unchanged"

    async def done(self, seller: Sender, choice_id: int) -> str:
        """The seller did what the buyer chose (refund, reship…): tell the buyer, close."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            choice = await uow.drafts.choice(choice_id)
            if choice is None:
                raise NotFound(f"choice {choice_id}")
            if not await uow.drafts.complete(choice_id, seller.label, now):
                who = f" by {choice.done_by}" if choice.done_by else ""
                raise StaleAction(f"already done{who}")
            draft = await uow.drafts.get(choice.draft_id)
            assert draft is not None
            facts = await self._card_facts(uow, draft)
            conversation, order, option = facts.conversation, facts.order, choice.option
            label = self.presenter.option_label(draft.language, option, order)
            told = self.presenter.buyer(
                draft.language, f"done/{option.kind}", buyer_name=facts.buyer.name, order=order,
                amount=option.amount, label=label,
            )  # fmt: skip
            await uow.outbox.add(OutMessage(conversation.chat_id, told), now)
            await uow.conversations.add_message(
                StoredMessage(conversation.id, conversation.chat_id, "out", "text", told), now
            )
            await uow.conversations.update(conversation.id, now, status=ConversationStatus.RESOLVED)
            card = self.presenter.seller(
                "action_card", order=order, buyer=facts.buyer, label=label, amount=option.amount,
                kind=option.kind, decision="done", by=seller.label,
            )  # fmt: skip
            for chat in self.sellers:
                await uow.outbox.add(
                    OutMessage(chat, card, ref=f"action:{choice_id}", edit=True), now
                )
            return "Done — the buyer has been told"
