"""Buyer-side use cases: linking a chat by deep link, incoming messages, the "which topic?"
question, choosing an option and proactive follow-ups.

:class:`BuyerService` is the entry point for everything that starts with a buyer's update. It
stores a buyer's messages and routes them: to the seller who took the conversation over, to
the sellers as a notice (photos, stickers, voice…), to :class:`~bot.services.choosing.Chooser`
when the words name an option of the reply awaiting a choice, and otherwise to
:class:`~bot.services.drafting.Drafter`, which drafts the reply for the seller to approve
(asking the buyer first when two intents are too close to tell apart).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from bot.domain import callbacks, links
from bot.domain.entities import Scan
from bot.domain.errors import LinkRefused, NotAllowed, NotFound, StaleAction
from bot.domain.intents import IntentResult
from bot.domain.languages import resolve_language
from bot.domain.learned import Classifier
from bot.domain.models import (
    Button,
    Conversation,
    ConversationStatus,
    Direction,
    MessageKind,
    Option,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.playbook import INTENTS
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.logs import add_log_context
from bot.services.buyer_config import BuyerConfig, tell_sellers
from bot.services.choosing import Chooser
from bot.services.csat import CsatService
from bot.services.drafting import SMALL_TALK, Drafter
from bot.services.presenter import Presenter
from bot.services.replies import Cards
from bot.services.teaching import TeachingService
from bot.services.verification import Verifier

__all__ = ["BuyerConfig", "BuyerService"]

log = logging.getLogger(__name__)

MAX_STORED_TEXT = 8000
REMEMBERED_CHATS = 10_000


class BuyerService:
    """Everything that starts with a buyer's update."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        matcher: Classifier,
        presenter: Presenter,
        config: BuyerConfig,
        cards: Cards | None = None,
        teaching: TeachingService | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.matcher = matcher
        self.teaching = teaching  # keeps the matcher's taught examples in step with the db
        self.presenter = presenter
        self.config = config
        self.cards = cards or Cards(presenter, config.seller_chat_ids)
        self.drafter = Drafter(clock, presenter, self.cards, config)
        self.chooser = Chooser(clock, presenter, self.cards, config)
        self._remembered: dict[int, Sender] = {}  # chats whose stored name is up to date
        self.csat: CsatService | None = None  # takes a comment on a rating before a new case
        self.verifier = Verifier(presenter)  # links an order by a second fact (no deep link)

    def _language(self, sender: Sender, order: Order | None) -> str:
        return resolve_language(
            order.buyer_language if order else None,
            sender.language_code,
            self.config.default_language,
        )

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
        self._remember(sender)  # stored above: the next message need not store it again

    def _remember(self, sender: Sender) -> None:
        if len(self._remembered) >= REMEMBERED_CHATS:
            self._remembered.clear()
        self._remembered[sender.chat_id] = sender

    async def _link(self, uow: UnitOfWork, sender: Sender, payload: str) -> Order:
        order_id = links.read_payload(self.config.link_secret, payload)
        order = await uow.orders.get(order_id)
        if order is None:
            raise LinkRefused(f"unknown order {order_id}")
        owner = await uow.orders.link(order_id, sender.chat_id, self.clock.now())
        if owner != sender.chat_id:
            raise LinkRefused(f"order {order_id} is linked to another chat")
        return order

    async def message(
        self, sender: Sender, text: str, kind: str = MessageKind.TEXT, message_id: int | None = None
    ) -> None:
        """A buyer wrote (or sent a photo, sticker, voice…): store it and act on it."""
        fresh = self._remembered.get(sender.chat_id) != sender  # names change rarely
        async with self.store.transaction() as uow:
            await self.message_in(uow, sender, text, kind, message_id, fresh=fresh)
        if fresh:
            self._remember(sender)

    async def message_in(
        self,
        uow: UnitOfWork,
        sender: Sender,
        text: str,
        kind: str = MessageKind.TEXT,
        message_id: int | None = None,
        *,
        fresh: bool = True,
    ) -> None:
        """:meth:`message` in the caller's transaction (a business chat's mapping commits with
        it); ``fresh``: the chat's name and language are stored too."""
        now = self.clock.now()
        if fresh:
            await uow.chats.remember(sender, "buyer", now)
        await self._on_message(uow, sender, text[:MAX_STORED_TEXT], kind, message_id, now)

    async def _on_message(
        self,
        uow: UnitOfWork,
        sender: Sender,
        text: str,
        kind: str,
        message_id: int | None,
        now: datetime,
    ) -> None:
        """Store a buyer's message and act on it, in the caller's transaction."""
        scan = Scan.of(text)  # the one entity scan every step below reads
        linked = await uow.orders.linked_to(sender.chat_id)
        if not linked and kind == MessageKind.TEXT and not await self._taken_over(uow, sender):
            language = self.matcher.language_of(text, self._language(sender, None), scan)
            outcome = await self.verifier.handle(uow, sender, scan, language, now)
            if outcome is not None and outcome.request is None:
                return
            if outcome is not None and outcome.request is not None:  # just linked: go on
                text = outcome.request
                scan = Scan.of(text)
                linked = await uow.orders.linked_to(sender.chat_id)
        order = _pick_order(linked, scan.entities.order_numbers)
        hint = self._language(sender, order)
        conversation = await uow.conversations.open_for(
            sender.chat_id, order.order_id if order else None
        )
        is_new = conversation is None
        if (
            is_new
            and kind == MessageKind.TEXT
            and self.csat is not None
            and await self.csat.take_comment(
                uow, sender, text, lambda: self.matcher.classify(text, hint, scan), now
            )
        ):
            return
        if conversation is None:
            language = self.matcher.language_of(text, hint, scan)
            conversation = await uow.conversations.create(
                sender.chat_id, order.order_id if order else None, language, now
            )
        add_log_context(conversation_id=conversation.id)
        if conversation.taken_over_by is not None:
            await self._relay(uow, sender, conversation, text, kind, message_id)
            return
        if kind != MessageKind.TEXT:
            await self._non_text(uow, sender, conversation, order, kind, text, message_id)
            return
        if conversation.status == ConversationStatus.AWAITING_BUYER:
            sent = await uow.drafts.last_sent(conversation.id)
            if sent is not None and await self.chooser.in_words(uow, sender, sent, order, text):
                return
        if self.teaching is not None:
            await self.teaching.sync(uow)
        result = self.matcher.classify(text, hint, scan)
        message_id = await uow.conversations.add_message(
            StoredMessage(
                conversation.id,
                sender.chat_id,
                Direction.IN,
                MessageKind.TEXT,
                text,
                result.intent,
                result.confidence,
            ),
            now,
        )
        ask = _doubt(result)
        await self.drafter.draft(
            uow, sender, conversation, order, result, is_new and not ask, scan=scan
        )
        if ask:
            await self._ask(uow, sender, result.language, message_id, ask)

    async def _taken_over(self, uow: UnitOfWork, sender: Sender) -> bool:
        """Whether a seller talks to this chat by hand (then no linking question cuts in)."""
        conversation = await uow.conversations.open_for(sender.chat_id, None)
        return conversation is not None and conversation.taken_over_by is not None

    async def _relay(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        text: str,
        kind: str,
        message_id: int | None,
    ) -> None:
        now = self.clock.now()
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.IN, kind, text), now
        )
        shown = text if kind == MessageKind.TEXT else f"[{kind}] {text}".strip()
        relay = self.presenter.seller("relay_from_buyer", buyer=sender, buyer_text=shown)
        assert conversation.taken_over_by is not None
        await uow.outbox.add(OutMessage(conversation.taken_over_by, relay), now)
        if kind != MessageKind.TEXT and message_id is not None:
            copy = OutMessage(conversation.taken_over_by, "", copy_of=(sender.chat_id, message_id))
            await uow.outbox.add(copy, now)

    async def _non_text(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        kind: str,
        caption: str,
        message_id: int | None,
    ) -> None:
        now = self.clock.now()
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.IN, kind, caption), now
        )
        await uow.conversations.wait_for_seller(conversation.id, now)
        reply = self.presenter.buyer(
            conversation.language, "non_text", buyer_name=sender.name, kind=kind
        )
        await uow.outbox.add(OutMessage(sender.chat_id, reply), now)
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.OUT, MessageKind.TEXT, reply),
            now,
        )
        notice = self.presenter.seller(
            "non_text_notice",
            buyer=sender,
            order=order,
            kind=kind,
            buyer_text=caption,
            conversation=conversation,
        )
        await tell_sellers(uow, self.clock, self.cards.desk, notice, sender.chat_id)
        if message_id is not None:
            for seller in await self.cards.desk.about(uow, sender.chat_id, now):
                copy = OutMessage(seller, "", copy_of=(sender.chat_id, message_id))
                await uow.outbox.add(copy, now)

    async def redraft(self, uow: UnitOfWork, conversation: Conversation, intent: str) -> None:
        """Draft the conversation's reply again as ``intent`` (the seller picked the topic),
        in the caller's transaction; the pending card is brought up to date."""
        order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
        buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
        chosen = IntentResult(intent, 1.0, conversation.language, (), "chosen by the seller")
        await self.drafter.draft(uow, buyer, conversation, order, chosen, False, chosen=True)

    async def _ask(
        self, uow: UnitOfWork, sender: Sender, language: str, message_id: int, intents: list[str]
    ) -> None:
        question = self.presenter.buyer(language, "clarify")
        buttons = tuple(
            (
                Button(
                    self.presenter.buyer(language, "topic", intent=intent),
                    callbacks.encode("clar", message_id, name=intent),
                ),
            )
            for intent in intents
        )
        message = OutMessage(sender.chat_id, question, buttons, ref=f"clar:{message_id}")
        await uow.outbox.add(message, self.clock.now())

    async def clarify(self, sender: Sender, message_id: int, topic: str | int) -> str:
        """The buyer said which of two close intents their message is about: draft again.
        ``topic`` is the intent's id (or, on a button sent before buttons carried names, its
        position in :data:`INTENTS`)."""
        intent = _intent_named(topic)
        async with self.store.transaction() as uow:
            message = await uow.conversations.message(message_id)
            if message is None or message.conversation_id is None:
                raise NotFound(f"message {message_id}", key="unknown_message",
                               message_id=message_id)  # fmt: skip
            if message.chat_id != sender.chat_id:
                raise NotAllowed("the button belongs to another chat", key="not_yours")
            conversation = await uow.conversations.get(message.conversation_id)
            if conversation is None or conversation.status != ConversationStatus.OPEN:
                raise StaleAction("the seller has already answered", key="already_answered")
            topic = self.presenter.buyer(conversation.language, "topic", intent=intent)
            question = self.presenter.buyer(conversation.language, "clarify")
            mark = self.presenter.buyer(conversation.language, "chosen_mark", label=topic)
            answered = f"{question}\n{mark}"
            await uow.outbox.add(
                OutMessage(sender.chat_id, answered, ref=f"clar:{message_id}", edit=True),
                self.clock.now(),
            )
            await uow.conversations.set_intent(message_id, intent, 1.0)
            order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
            chosen = IntentResult(intent, 1.0, conversation.language, (), "chosen by the buyer")
            await self.drafter.draft(uow, sender, conversation, order, chosen, False, chosen=True)
            return topic

    async def pick(self, sender: Sender, draft_id: int, option: str | int) -> str:
        """The buyer tapped an option of a sent reply (``option``: its kind, or on a button
        sent before buttons carried names, its position); returns the toast text."""
        async with self.store.transaction() as uow:
            return await self.chooser.pick(uow, sender, draft_id, option)

    async def propose_followup(
        self,
        uow: UnitOfWork,
        chat_id: int,
        order: Order,
        intent: str,
        language: str,
        note: str,
        text: str,
        options: tuple[Option, ...],
    ) -> int:
        """A proactive follow-up (late delivery, protection ending) enters the approval flow
        like any reply: a pending draft in the buyer's conversation about the order and an
        approval card to every seller chat. ``note`` is shown where a buyer's words would be.
        Runs in the caller's transaction; returns the draft id."""
        now = self.clock.now()
        conversation = await uow.conversations.open_for(chat_id, order.order_id)
        if conversation is None:
            conversation = await uow.conversations.create(chat_id, order.order_id, language, now)
        draft = await uow.drafts.create(
            conversation.id, intent, 1.0, language, note, text, options, now
        )
        await self.cards.post(uow, draft, now)
        return draft.id


def _intent_named(topic: str | int) -> str:
    """The intent a "which topic?" button names (by id, or by position on older buttons)."""
    if isinstance(topic, int):
        if not 0 <= topic < len(INTENTS):
            raise StaleAction(f"unknown topic {topic}", key="unknown_topic")
        return INTENTS[topic]
    if topic not in INTENTS:
        raise StaleAction(f"unknown topic {topic!r}", key="unknown_topic")
    return topic


def _doubt(result: IntentResult) -> list[str]:
    """The two intents to ask the buyer about, when the matcher could not tell them apart."""
    if not result.ambiguous or not result.runner_up or result.runner_up == result.intent:
        return []
    pair = [result.intent, result.runner_up]
    if any(i in SMALL_TALK or i not in INTENTS for i in pair):
        return []
    return pair


def _pick_order(orders: list[Order], mentioned: Iterable[str]) -> Order | None:
    """The order a message is about: one whose number it mentions (``mentioned``: the order
    numbers its entity scan found), else the latest linked."""
    named = set(mentioned)
    for order in orders:
        if order.order_id in named:
            return order
    return orders[0] if orders else None
