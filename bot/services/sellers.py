"""Seller-console use cases: approve, edit, toggle options, dismiss or take over a draft;
confirm a chosen action done; inbox, order look-up and first-response reminders."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from bot.domain.errors import NotAllowed, NotFound, StaleAction
from bot.domain.models import (
    WORD_KINDS,
    ConversationStatus,
    Direction,
    DraftStatus,
    MessageKind,
    OutMessage,
    Sender,
)
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.services.desk import Desk
from bot.services.disputes import DisputeService
from bot.services.presenter import Presenter
from bot.services.reminders import remind
from bot.services.replies import Cards, pending_draft

MAX_TEXT = 4096
HISTORY_LINES = 30


class SellerService:
    """Everything that starts with a seller's update. Every call checks the chat is a seller."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        presenter: Presenter,
        seller_chat_ids: tuple[int, ...] | Desk,
        cards: Cards | None = None,
        disputes: DisputeService | None = None,
    ) -> None:
        self.disputes = disputes
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.cards = cards or Cards(presenter, seller_chat_ids)
        self.desk = self.cards.desk

    def _check(self, seller: Sender) -> None:
        if not self.desk.allows(seller):
            raise NotAllowed("only the seller can do this", key="seller_only")

    async def _say(self, uow: UnitOfWork, chat_id: int, name: str, **context: Any) -> None:
        text = self.presenter.seller(name, **context)
        await uow.outbox.add(OutMessage(chat_id, text), self.clock.now())

    async def register(self, seller: Sender) -> None:
        """``/start`` or ``/help`` in a seller chat: remember it and show the help."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await uow.chats.remember(seller, "seller", self.clock.now())
            await self._say(uow, seller.chat_id, "help", by=seller.label)

    async def send(self, seller: Sender, draft_id: int, text: str | None = None) -> str:
        """Approve a draft (optionally with the seller's replacement text) and send it."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await pending_draft(uow, draft_id)
            await uow.drafts.decide(draft_id, DraftStatus.SENT, seller.label, now, text)
            draft = await uow.drafts.get(draft_id)
            assert draft is not None
            await uow.drafts.end_edit(seller.chat_id)
            await self.cards.deliver(uow, draft, seller.label, now)
            return self.presenter.word("sent")

    async def dismiss(self, seller: Sender, draft_id: int) -> str:
        """Drop a draft: nothing goes to the buyer and the conversation closes."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            await self.cards.decide(uow, draft, DraftStatus.DISMISSED, seller.label, now)
            await uow.conversations.mark_answered(draft.conversation_id)
            await uow.conversations.answered(draft.conversation_id)
            await uow.conversations.update(
                draft.conversation_id, now, status=ConversationStatus.DISMISSED
            )
            conversation = await uow.conversations.get(draft.conversation_id)
            assert conversation is not None
            await self.desk.settle(uow, conversation.chat_id, now)
            return self.presenter.word("dismissed")

    async def options(self, seller: Sender, draft_id: int) -> str:
        """Show the option toggles on this seller's card."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await pending_draft(uow, draft_id)
            await self.cards.refresh(uow, draft_id, self.clock.now(), toggles_in=seller.chat_id)
        return self.presenter.word("opts")

    async def toggle(self, seller: Sender, draft_id: int, index: int) -> str:
        """Include or leave out one option; at least one stays in."""
        self._check(seller)
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            if not 0 <= index < len(draft.options):
                raise NotFound(f"option {index + 1}", key="unknown_option", option=index + 1)
            option = draft.options[index]
            if option.enabled and sum(o.enabled for o in draft.options) == 1:
                return self.presenter.word("no_options")
            await uow.drafts.set_enabled(draft_id, index, not option.enabled)
            await self.cards.refresh(uow, draft_id, self.clock.now(), toggles_in=seller.chat_id)
        return self.presenter.word("toggled")

    async def back(self, seller: Sender, draft_id: int) -> str:
        """Leave the option toggles; the card shows its usual buttons again."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await pending_draft(uow, draft_id)
            await self.cards.refresh(uow, draft_id, self.clock.now())
        return self.presenter.word("back")

    async def start_edit(self, seller: Sender, draft_id: int) -> str:
        """The seller wants to rewrite a draft: ask for the text."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            await uow.drafts.start_edit(seller.chat_id, draft_id, now)
            await self._say(uow, seller.chat_id, "edit_prompt", draft=draft)
            return self.presenter.word("type")

    async def text(self, seller: Sender, text: str) -> None:
        """A plain text from a seller: an edit, a message to a taken-over buyer, or help."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            editing = await uow.drafts.edit_in_progress(seller.chat_id)
            if editing is not None:
                await self._edit_text(uow, seller, editing[0], text)
                return
            talking = await uow.conversations.taken_over_by(seller.chat_id)
            if talking is not None and text.strip():
                said = text.strip()[: MAX_TEXT - 100]
                relay = self.presenter.buyer(talking.language, "from_seller", text=said)
                await uow.outbox.add(OutMessage(talking.chat_id, relay), now)
                await uow.conversations.add_message(
                    StoredMessage(
                        talking.id, talking.chat_id, Direction.OUT, MessageKind.TEXT, text.strip()
                    ),
                    now,
                )
                return
            if self.desk.console.in_group(seller.chat_id):
                return  # the team talking among themselves in the group: nothing to answer
            await self._say(uow, seller.chat_id, "help", by=seller.label)

    async def _edit_text(self, uow: UnitOfWork, seller: Sender, draft_id: int, text: str) -> None:
        now = self.clock.now()
        draft = await uow.drafts.get(draft_id)
        if draft is None or draft.status != DraftStatus.PENDING:
            await uow.drafts.end_edit(seller.chat_id)
            await self._say(uow, seller.chat_id, "edit_stale", draft_id=draft_id)
            return
        if not text.strip():
            return
        escaped = html.escape(text.strip(), quote=False)[:MAX_TEXT]
        await uow.drafts.propose_edit(seller.chat_id, escaped)
        preview = self.presenter.seller("edit_preview", draft=draft, draft_text=text.strip())
        buttons = (
            (
                self.presenter.seller_button("esend", draft_id),
                self.presenter.seller_button("ecancel", draft_id),
            ),
        )
        await uow.outbox.add(OutMessage(seller.chat_id, preview, buttons), now)

    async def send_edited(self, seller: Sender, draft_id: int) -> str:
        """Send the previewed replacement text."""
        self._check(seller)
        async with self.store.transaction() as uow:
            editing = await uow.drafts.edit_in_progress(seller.chat_id)
        if editing is None or editing[0] != draft_id or editing[1] is None:
            raise StaleAction(f"no edited text waiting for draft {draft_id}", key="no_edit_waiting")
        return await self.send(seller, draft_id, editing[1])

    async def cancel_edit(self, seller: Sender, draft_id: int | None = None) -> str:
        """Forget the edit in progress; the draft stays as it was."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await uow.drafts.end_edit(seller.chat_id)
        return self.presenter.word("cancelled")

    async def take_over(self, seller: Sender, draft_id: int) -> str:
        """The seller talks to the buyer directly; Parley stays silent until ``end``."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            busy = await uow.conversations.taken_over_by(seller.chat_id)
            if busy is not None:
                await self._say(uow, seller.chat_id, "takeover_busy", conversation=busy)
                raise StaleAction(f"already talking in conversation #{busy.id}",
                                  key="already_talking", conversation_id=busy.id)  # fmt: skip
            facts = await self.cards.facts(uow, draft)
            await self.cards.decide(uow, draft, DraftStatus.TAKEN_OVER, seller.label, now)
            await uow.conversations.take_over(draft.conversation_id, seller.chat_id)
            await uow.conversations.mark_answered(draft.conversation_id)
            await uow.conversations.answered(draft.conversation_id)
            text = self.presenter.seller("takeover_started", buyer=facts.buyer, order=facts.order)
            end = ((self.presenter.seller_button("end", draft.conversation_id),),)
            await uow.outbox.add(OutMessage(seller.chat_id, text, end), now)
            return self.presenter.word("taken")

    async def end(self, seller: Sender, conversation_id: int | None = None) -> str:
        """Hand a taken-over conversation back to Parley and close it."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            conversation = await uow.conversations.taken_over_by(seller.chat_id)
            if conversation is None or (conversation_id and conversation.id != conversation_id):
                raise StaleAction("no conversation is taken over here", key="nothing_taken_over")
            await uow.conversations.take_over(conversation.id, None)
            await uow.conversations.update(conversation.id, now, status=ConversationStatus.RESOLVED)
            buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
            await self._say(
                uow, seller.chat_id, "takeover_ended", buyer=buyer, conversation=conversation
            )
            await self.desk.settle(uow, conversation.chat_id, now)
            return self.presenter.word("ended")

    async def done(self, seller: Sender, choice_id: int) -> str:
        """The seller did what the buyer chose (refund, reship…): tell the buyer, close."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            choice = await uow.drafts.choice(choice_id)
            if choice is None:
                raise NotFound(f"choice {choice_id}", key="unknown_choice", choice_id=choice_id)
            if not await uow.drafts.complete(choice_id, seller.label, now):
                raise StaleAction(f"choice {choice_id} already done by {choice.done_by or '?'}",
                                  key="already_done", by=choice.done_by)  # fmt: skip
            draft = await uow.drafts.get(choice.draft_id)
            assert draft is not None
            facts = await self.cards.facts(uow, draft)
            conversation, order, option = facts.conversation, facts.order, choice.option
            name = order.buyer_name if order and order.buyer_name else facts.buyer.name
            told = self.presenter.done_text(draft.language, option, order, name)
            await uow.outbox.add(OutMessage(conversation.chat_id, told), now)
            await uow.conversations.add_message(
                StoredMessage(
                    conversation.id, conversation.chat_id, Direction.OUT, MessageKind.TEXT, told
                ),
                now,
            )
            await uow.conversations.update(conversation.id, now, status=ConversationStatus.RESOLVED)
            label = self.presenter.option_label(draft.language, option, order)
            card = self.presenter.seller(
                "action_card",
                order=order,
                buyer=facts.buyer,
                label=label,
                amount=option.amount,
                days=option.days,
                kind=option.kind,
                decision="done",
                by=seller.label,
            )
            for chat in await self.desk.about(uow, conversation.chat_id, now):
                await uow.outbox.add(
                    OutMessage(chat, card, ref=f"action:{choice_id}", edit=True), now
                )
            await self.desk.settle(uow, conversation.chat_id, now)
            return self.presenter.word("told")

    async def inbox(self, seller: Sender, args: str = "") -> None:
        """``/inbox``: open conversations, longest waiting first, with their assignees in a
        shared console; ``/inbox mine``: only those assigned to the person asking."""
        self._check(seller)
        now = self.clock.now()
        mine = args.strip().lower() in ("mine", "me", "my")
        async with self.store.transaction() as uow:
            items = []
            assignee = seller.person if mine else None
            for conversation in await uow.conversations.open_list(assignee=assignee):
                buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
                since = conversation.waiting_since
                items.append(
                    {
                        "conversation": conversation,
                        "buyer": buyer,
                        "status": conversation.status.value.replace("_", " "),
                        "waiting": self.presenter.duration(now - since) if since else "",
                    }
                )
            await self._say(
                uow, seller.chat_id, "inbox", items=items, mine=mine,
                shared=self.desk.console.shared,
            )  # fmt: skip

    async def order(self, seller: Sender, order_id: str) -> None:
        """``/order ORDER_ID``: the order card with its conversation history."""
        self._check(seller)
        dispute = None
        if self.disputes is not None and order_id.strip():
            dispute = await self.disputes.timeline_text(order_id.strip())
        async with self.store.transaction() as uow:
            order = await uow.orders.get(order_id.strip())
            if order is None:
                await self._say(uow, seller.chat_id, "not_found", what=order_id.strip()[:64])
                return
            chat_id = await uow.orders.buyer_chat(order.order_id)
            buyer = await uow.chats.get(chat_id) if chat_id else None
            history: list[StoredMessage] = []
            for conversation in await uow.conversations.for_order(order.order_id):
                history += await uow.conversations.history(conversation.id)
            lines = [_shorten(m) for m in history[-HISTORY_LINES:]]
            await self._say(
                uow, seller.chat_id, "order_card", order=order, buyer=buyer, history=lines,
                timeline=dispute,
            )  # fmt: skip

    async def assign(self, seller: Sender, draft_id: int) -> str:
        """**Assign** on a card: the conversation becomes the presser's (taken from whoever had
        it); every copy of the card shows the new assignee."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            await uow.conversations.assign(draft.conversation_id, seller.person, seller.label)
            await self.cards.refresh(uow, draft_id, now, draft=draft)
        return self.presenter.word("assigned")

    async def remind_waiting(self, after: timedelta) -> int:
        """Remind the sellers of conversations waiting longer than ``after`` (once per wait):
        the assignee first when there is one — mentioned in the buyer's topic, or in their own
        seller chat — and after another ``after`` everyone (:mod:`bot.services.reminders`)."""
        return await remind(self.store, self.clock, self.presenter, self.desk, after)


def _shorten(message: StoredMessage) -> StoredMessage:
    text = message.text if message.kind in WORD_KINDS else f"[{message.kind}] {message.text}"
    text = text.strip().replace("\n", " ")
    text = text if len(text) <= 300 else text[:299] + "…"
    return StoredMessage(
        message.conversation_id, message.chat_id, message.direction, message.kind, text
    )
