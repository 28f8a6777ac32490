"""Buyer-side use cases: linking by deep link, incoming messages, choosing an option."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.domain import links
from bot.domain.errors import LinkRefused, NotAllowed, NotFound, RenderError, StaleAction
from bot.domain.intents import IntentMatcher, IntentResult
from bot.domain.models import (
    Conversation,
    ConversationStatus,
    DraftStatus,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.playbook import SellerPolicy, plan_reply
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.domain.text import guess_language
from bot.services.presenter import CardFacts, Presenter

log = logging.getLogger(__name__)

SMALL_TALK = frozenset({"greeting", "thanks", "none"})
LANGUAGES = ("en", "ru", "es", "pt", "fr")
_ORDER_NUMBER = re.compile(r"\b\d{6,20}\b")
MAX_STORED_TEXT = 8000


@dataclass(frozen=True)
class BuyerConfig:
    """What the buyer services need from settings."""

    seller_chat_ids: tuple[int, ...]
    link_secret: bytes
    default_language: str
    policy: SellerPolicy


class BuyerService:
    """Everything that starts with a buyer's update."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        matcher: IntentMatcher,
        presenter: Presenter,
        config: BuyerConfig,
    ) -> None:
        self.store = store
        self.clock = clock
        self.matcher = matcher
        self.presenter = presenter
        self.config = config

    def _language(self, sender: Sender, order: Order | None) -> str:
        for candidate in (order.buyer_language if order else "", sender.language_code[:2]):
            if candidate in LANGUAGES:
                return candidate
        return self.config.default_language

    async def start(self, sender: Sender, payload: str | None) -> None:
        """``/start [payload]`` from a buyer: link the chat to an order, or say hello."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            await uow.chats.remember(sender, "buyer", now)
            if not payload:
                language = self._language(sender, None)
                text = self.presenter.buyer(language, "welcome", buyer_name=sender.name)
                await uow.outbox.add(OutMessage(sender.chat_id, text), now)
                return
            try:
                order = await self._link(uow, sender, payload)
            except LinkRefused as exc:
                log.warning("refused deep link from chat %s: %s", sender.chat_id, exc)
                language = self._language(sender, None)
                text = self.presenter.buyer(language, "link_refused", buyer_name=sender.name)
                await uow.outbox.add(OutMessage(sender.chat_id, text), now)
                return
            language = self._language(sender, order)
            text = self.presenter.buyer(
                language, "linked", buyer_name=order.buyer_name or sender.name, order=order
            )
            await uow.outbox.add(OutMessage(sender.chat_id, text), now)

    async def _link(self, uow: UnitOfWork, sender: Sender, payload: str) -> Order:
        order_id = links.read_payload(self.config.link_secret, payload)
        order = await uow.orders.get(order_id)
        if order is None:
            raise LinkRefused(f"unknown order {order_id}")
        owner = await uow.orders.link(order_id, sender.chat_id, self.clock.now())
        if owner != sender.chat_id:
            raise LinkRefused(f"order {order_id} is linked to another chat")
        return order

    async def message(self, sender: Sender, text: str, kind: str = "text") -> None:
        """A buyer wrote (or sent a photo, sticker, voice…): store it and draft a reply."""
        now = self.clock.now()
        text = text[:MAX_STORED_TEXT]
        async with self.store.transaction() as uow:
            await uow.chats.remember(sender, "buyer", now)
            order = _pick_order(await uow.orders.linked_to(sender.chat_id), text)
            hint = self._language(sender, order)
            conversation = await uow.conversations.open_for(
                sender.chat_id, order.order_id if order else None
            )
            is_new = conversation is None
            if conversation is None:
                language = guess_language(text, hint, self.config.default_language)
                conversation = await uow.conversations.create(
                    sender.chat_id, order.order_id if order else None, language, now
                )
            if kind != "text":
                await self._non_text(uow, sender, conversation, order, kind, text)
                return
            result = self.matcher.classify(text, hint)
            await uow.conversations.add_message(
                StoredMessage(conversation.id, sender.chat_id, "in", "text", text,
                              result.intent, result.confidence),
                now,
            )  # fmt: skip
            await self._draft(uow, sender, conversation, order, result, is_new)

    async def _non_text(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        kind: str,
        caption: str,
    ) -> None:
        now = self.clock.now()
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, "in", kind, caption), now
        )
        reply = self.presenter.buyer(
            conversation.language, "non_text", buyer_name=sender.name, kind=kind
        )
        await uow.outbox.add(OutMessage(sender.chat_id, reply), now)
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, "out", "text", reply), now
        )
        notice = self.presenter.seller(
            "non_text_notice", buyer=sender, order=order, kind=kind, buyer_text=caption,
            conversation=conversation,
        )  # fmt: skip
        for seller in self.config.seller_chat_ids:
            await uow.outbox.add(OutMessage(seller, notice), now)

    async def _draft(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        latest: IntentResult,
        is_new: bool,
    ) -> None:
        now = self.clock.now()
        unanswered = await uow.conversations.unanswered(conversation.id)
        main = _main_message(unanswered)
        intent = main.intent or latest.intent
        confidence = main.confidence or latest.confidence
        buyer_text = "\n".join(m.text for m in unanswered if m.kind == "text")
        language = latest.language if latest.intent not in SMALL_TALK else conversation.language
        for old in await uow.drafts.pending_for(conversation.id):
            await uow.drafts.decide(old.id, DraftStatus.SUPERSEDED, "", now)
            await self._update_cards(uow, sender, conversation, order, old.id, "superseded")
        item = await uow.catalog.get(order.sku) if order and order.sku else None
        plan = plan_reply(intent, order, item, self.config.policy, now)
        try:
            reply = self.presenter.reply(
                plan.template, language, order.buyer_name if order and order.buyer_name
                else sender.name, order, item, plan.facts,
            )  # fmt: skip
        except RenderError as exc:
            log.error("draft blocked: %s", exc)
            failed = self.presenter.seller(
                "render_failed", buyer=sender, order=order, buyer_text=buyer_text,
                error=str(exc), conversation=conversation,
            )  # fmt: skip
            for seller in self.config.seller_chat_ids:
                await uow.outbox.add(OutMessage(seller, failed), now)
            return
        draft = await uow.drafts.create(
            conversation.id, intent, confidence, language, buyer_text, reply, plan.options, now
        )
        await uow.conversations.update(
            conversation.id, now, status=ConversationStatus.OPEN, intent=intent, language=language
        )
        if is_new:
            ack_text = self.presenter.buyer(language, "ack", buyer_name=sender.name, order=order)
            await uow.outbox.add(OutMessage(sender.chat_id, ack_text), now)
        card = self.presenter.approval_card(CardFacts(draft, conversation, sender, order))
        for seller in self.config.seller_chat_ids:
            await uow.outbox.add(_to(card, seller), now)

    async def _update_cards(
        self,
        uow: UnitOfWork,
        buyer: Sender,
        conversation: Conversation,
        order: Order | None,
        draft_id: int,
        decision: str,
    ) -> None:
        draft = await uow.drafts.get(draft_id)
        assert draft is not None
        card = self.presenter.approval_card(CardFacts(draft, conversation, buyer, order), decision)
        for seller in self.config.seller_chat_ids:
            await uow.outbox.add(_to(card, seller, edit=True), self.clock.now())

    async def pick(self, sender: Sender, draft_id: int, index: int) -> str:
        """The buyer tapped option ``index`` of a sent reply; returns the toast text."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            draft = await uow.drafts.get(draft_id)
            if draft is None:
                raise NotFound(f"draft {draft_id}")
            conversation = await uow.conversations.get(draft.conversation_id)
            assert conversation is not None
            if conversation.chat_id != sender.chat_id:
                raise NotAllowed("this button belongs to another chat")
            if draft.status != DraftStatus.SENT or not 0 <= index < len(draft.options):
                raise StaleAction("this offer is no longer open")
            option = draft.options[index]
            if not await uow.drafts.choose(draft_id, index, sender.chat_id,
                                           option.needs_action, now):  # fmt: skip
                raise StaleAction("you have already chosen")
            choice = await uow.drafts.choice_for(draft_id)
            assert choice is not None
            order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
            label = self.presenter.option_label(draft.language, option, order)
            marked = f"{draft.text}\n\n✔ {_escape(label)}"
            await uow.outbox.add(
                OutMessage(sender.chat_id, marked, ref=f"reply:{draft_id}", edit=True), now
            )
            await uow.conversations.add_message(
                StoredMessage(conversation.id, sender.chat_id, "in", "choice", label), now
            )
            context = {"buyer_name": sender.name, "order": order, "amount": option.amount,
                       "label": label}  # fmt: skip
            if option.needs_action:
                reply = self.presenter.buyer(draft.language, "chosen", **context)
                status = ConversationStatus.AWAITING_ACTION
                action = self.presenter.seller(
                    "action_card", order=order, buyer=sender, label=label, amount=option.amount,
                    kind=option.kind, decision="", by="",
                )  # fmt: skip
                button = ((self.presenter.seller_button("done", choice.id),),)
                for seller in self.config.seller_chat_ids:
                    await uow.outbox.add(
                        OutMessage(seller, action, button, ref=f"action:{choice.id}"), now
                    )
            else:
                reply = self.presenter.buyer(draft.language, f"done/{option.kind}", **context)
                status = ConversationStatus.RESOLVED
                note = self.presenter.seller(
                    "resolved_notice", order=order, buyer=sender, label=label
                )
                for seller in self.config.seller_chat_ids:
                    await uow.outbox.add(OutMessage(seller, note), now)
            await uow.outbox.add(OutMessage(sender.chat_id, reply), now)
            await uow.conversations.add_message(
                StoredMessage(conversation.id, sender.chat_id, "out", "text", reply), now
            )
            await uow.conversations.update(conversation.id, now, status=status)
            return label


def _to(message: OutMessage, chat_id: int, edit: bool = False) -> OutMessage:
    return OutMessage(chat_id, message.text, message.buttons, message.ref, edit)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pick_order(orders: list[Order], text: str) -> Order | None:
    """The order a message is about: one whose number it mentions, else the latest linked."""
    mentioned = set(_ORDER_NUMBER.findall(text))
    for order in orders:
        if order.order_id in mentioned:
            return order
    return orders[0] if orders else None


def _main_message(messages: list[StoredMessage]) -> StoredMessage:
    """Among unanswered messages, the latest with a real request (not small talk)."""
    texts = [m for m in messages if m.kind == "text"]
    for message in reversed(texts):
        if message.intent not in SMALL_TALK:
            return message
    return texts[-1]
