"""Buyer-side use cases: linking by deep link, incoming messages, choosing an option."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.domain import callbacks, links
from bot.domain.choices import match_choice
from bot.domain.disputes import DisputeRules, day_number, timeline
from bot.domain.entities import order_numbers
from bot.domain.errors import LinkRefused, NotAllowed, NotFound, RenderError, StaleAction
from bot.domain.intents import IntentResult
from bot.domain.languages import resolve_language
from bot.domain.learned import Classifier
from bot.domain.models import (
    Button,
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
from bot.domain.playbook import COMPLAINTS, INTENTS, SellerPolicy, plan_reply
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.logs import add_log_context
from bot.services.presenter import Presenter
from bot.services.replies import Cards, Known
from bot.services.teaching import TeachingService

log = logging.getLogger(__name__)

SMALL_TALK = frozenset({"greeting", "thanks", "none"})
MAX_STORED_TEXT = 8000
REMEMBERED_CHATS = 10_000
MAX_CARD_MESSAGES = 8  # the latest unanswered messages a card quotes…
MAX_CARD_TEXT = 2500  # …within this many characters (a Telegram message holds 4096)


@dataclass(frozen=True)
class BuyerConfig:
    """What the buyer services need from settings."""

    seller_chat_ids: tuple[int, ...]
    link_secret: bytes
    default_language: str
    policy: SellerPolicy
    auto_approve: frozenset[str] = frozenset()
    dispute_rules: DisputeRules = field(default_factory=DisputeRules)


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
        self._remembered: dict[int, Sender] = {}  # chats whose stored name is up to date

    def _language(self, sender: Sender, order: Order | None) -> str:
        return resolve_language(
            order.buyer_language if order else None,
            sender.language_code,
            self.config.default_language,
        )

    async def _to_sellers(self, uow: UnitOfWork, text: str) -> None:
        for seller in self.config.seller_chat_ids:
            await uow.outbox.add(OutMessage(seller, text), self.clock.now())

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

    async def message(
        self, sender: Sender, text: str, kind: str = MessageKind.TEXT, message_id: int | None = None
    ) -> None:
        """A buyer wrote (or sent a photo, sticker, voice…): store it and act on it."""
        now = self.clock.now()
        text = text[:MAX_STORED_TEXT]
        fresh = self._remembered.get(sender.chat_id) != sender  # names change rarely
        async with self.store.transaction() as uow:
            if fresh:
                await uow.chats.remember(sender, "buyer", now)
            await self._on_message(uow, sender, text, kind, message_id, now)
        if fresh:
            if len(self._remembered) >= REMEMBERED_CHATS:
                self._remembered.clear()
            self._remembered[sender.chat_id] = sender

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
        order = _pick_order(await uow.orders.linked_to(sender.chat_id), text)
        hint = self._language(sender, order)
        conversation = await uow.conversations.open_for(
            sender.chat_id, order.order_id if order else None
        )
        is_new = conversation is None
        if conversation is None:
            language = self.matcher.language_of(text, hint)
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
            if sent is not None and await self._choice_in_words(uow, sender, sent, order, text):
                return
        if self.teaching is not None:
            await self.teaching.sync(uow)
        result = self.matcher.classify(text, hint)
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
        await self._draft(uow, sender, conversation, order, result, is_new and not ask)
        if ask:
            await self._ask(uow, sender, result.language, message_id, ask)

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
        await self._to_sellers(uow, notice)
        if message_id is not None:
            for seller in self.config.seller_chat_ids:
                copy = OutMessage(seller, "", copy_of=(sender.chat_id, message_id))
                await uow.outbox.add(copy, now)

    async def _choice_in_words(
        self, uow: UnitOfWork, sender: Sender, draft: Draft, order: Order | None, text: str
    ) -> bool:
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
        await self._pick(uow, sender, draft, enabled[picked][0])
        return True

    async def _draft(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        latest: IntentResult,
        is_new: bool,
        chosen: bool = False,
    ) -> None:
        """Draft (or bring up to date) the reply to a conversation's unanswered messages;
        ``chosen``: the buyer said what ``latest`` is about, so it decides the topic."""
        now = self.clock.now()
        unanswered = await uow.conversations.unanswered(conversation.id)
        pending = await uow.drafts.pending_for(conversation.id)
        current = pending[-1] if pending else None
        intent, confidence = latest.intent, latest.confidence
        if not chosen:
            main, weight = _main_intent(unanswered, current, self.config.auto_approve)
            intent, confidence = main or intent, weight or confidence
        buyer_text = _card_text(unanswered)
        language = latest.language if latest.intent not in SMALL_TALK else conversation.language
        for old in pending[:-1]:  # left by an older version: one pending draft per conversation
            await self.cards.decide(uow, old, DraftStatus.SUPERSEDED, "", now)
        item = await uow.catalog.get(order.sku) if order and order.sku else None
        plan = plan_reply(intent, order, item, self.config.policy, now)
        if intent == "dispute_followup" and order is not None:
            dispute = await uow.disputes.active_for(order.order_id)
            if dispute is not None:
                closes = timeline(dispute.opened_at, self.config.dispute_rules).window_closes
                plan.facts["dispute_day"] = day_number(dispute.opened_at, now)
                plan.facts["days_left"] = max(0, (closes - now).days)
        name = order.buyer_name if order and order.buyer_name else sender.name
        try:
            reply = self.presenter.reply(plan.template, language, name, order, item, plan.facts)
        except RenderError as exc:
            log.error("draft blocked: %s", exc)
            failed = self.presenter.seller(
                "render_failed",
                buyer=sender,
                order=order,
                buyer_text=buyer_text,
                error=str(exc),
                conversation=conversation,
            )
            await self._to_sellers(uow, failed)
            await uow.conversations.wait_for_seller(conversation.id, now)
            return
        await uow.conversations.update(conversation.id, now, status=ConversationStatus.OPEN,
                                       intent=intent, language=language, waiting=True)  # fmt: skip
        conversation = replace(conversation, status=ConversationStatus.OPEN, intent=intent,
                               language=language)  # fmt: skip
        known = Known(conversation, sender, order, unanswered)
        if current is not None:  # the buyer wrote again: the same card, brought up to date
            revised = await uow.drafts.revise(
                current, intent, confidence, language, buyer_text, reply, plan.options
            )
            if revised is not None:
                await self.cards.refresh(uow, revised.id, now, draft=revised, known=known)
                return
        draft = await uow.drafts.create(
            conversation.id, intent, confidence, language, buyer_text, reply, plan.options, now
        )
        if intent in self.config.auto_approve and (order is not None or not plan.options):
            await uow.drafts.decide(draft.id, DraftStatus.SENT, "auto", now)
            await self.cards.deliver(uow, draft, "auto", now, status="auto", new_card=True)
            return
        if is_new:
            ack = self.presenter.buyer(language, "ack", buyer_name=sender.name, order=order)
            await uow.outbox.add(OutMessage(sender.chat_id, ack), now)
        await self.cards.post(uow, draft, now, known=known)

    async def redraft(self, uow: UnitOfWork, conversation: Conversation, intent: str) -> None:
        """Draft the conversation's reply again as ``intent`` (the seller picked the topic),
        in the caller's transaction; the pending card is brought up to date."""
        order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
        buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
        chosen = IntentResult(intent, 1.0, conversation.language, (), "chosen by the seller")
        await self._draft(uow, buyer, conversation, order, chosen, False, chosen=True)

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
            await self._draft(uow, sender, conversation, order, chosen, False, chosen=True)
            return topic

    async def pick(self, sender: Sender, draft_id: int, option: str | int) -> str:
        """The buyer tapped an option of a sent reply (``option``: its kind, or on a button
        sent before buttons carried names, its position); returns the toast text."""
        async with self.store.transaction() as uow:
            draft = await uow.drafts.get(draft_id)
            if draft is None:
                raise NotFound(f"draft {draft_id}", key="unknown_draft", draft_id=draft_id)
            if isinstance(option, str):
                kinds = [o.kind for o in draft.options]
                if option not in kinds:
                    raise StaleAction("the offer is no longer open", key="offer_closed")
                option = kinds.index(option)
            return await self._pick(uow, sender, draft, option)

    async def _pick(self, uow: UnitOfWork, sender: Sender, draft: Draft, index: int) -> str:
        now = self.clock.now()
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
        choice = await uow.drafts.choice_for(draft.id)
        assert choice is not None
        order = await uow.orders.get(conversation.order_id) if conversation.order_id else None
        label = self.presenter.option_label(draft.language, option, order)
        mark = self.presenter.buyer(draft.language, "chosen_mark", label=label)
        marked = f"{draft.text}\n\n{mark}"
        await uow.outbox.add(
            OutMessage(sender.chat_id, marked, ref=f"reply:{draft.id}", edit=True), now
        )
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.IN, MessageKind.CHOICE, label),
            now,
        )
        if option.needs_action:
            reply = self.presenter.buyer(
                draft.language, "chosen", buyer_name=sender.name, order=order, label=label
            )
            status = ConversationStatus.AWAITING_ACTION
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
            for seller in self.config.seller_chat_ids:
                await uow.outbox.add(
                    OutMessage(seller, action, button, ref=f"action:{choice.id}"), now
                )
        else:
            reply = self.presenter.done_text(draft.language, option, order, sender.name)
            status = ConversationStatus.RESOLVED
            note = self.presenter.seller("resolved_notice", order=order, buyer=sender, label=label)
            await self._to_sellers(uow, note)
        await uow.outbox.add(OutMessage(sender.chat_id, reply), now)
        await uow.conversations.add_message(
            StoredMessage(conversation.id, sender.chat_id, Direction.OUT, MessageKind.TEXT, reply),
            now,
        )
        await uow.conversations.update(conversation.id, now, status=status)
        return label

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


def _pick_order(orders: list[Order], text: str) -> Order | None:
    """The order a message is about: one whose number it mentions (as the entity scanner
    reads order numbers), else the latest linked."""
    mentioned = set(order_numbers(text))
    for order in orders:
        if order.order_id in mentioned:
            return order
    return orders[0] if orders else None


def _tier(intent: str | None, auto: frozenset[str]) -> int:
    """How much a message needs the seller: complaints first, small talk last."""
    if intent is None or intent in SMALL_TALK:
        return 3
    if intent in COMPLAINTS:
        return 0
    return 2 if intent in auto else 1


def _main_intent(
    messages: list[StoredMessage], current: Draft | None, auto: frozenset[str]
) -> tuple[str | None, float | None]:
    """What a card is about: among the pending draft and the unanswered messages, the latest
    of the most pressing kind. A complaint is never replaced by a question an automatic
    answer could settle ("where is my order?"), so it stays open until someone decides."""
    candidates: list[tuple[str | None, float | None]] = []
    if current is not None:
        candidates.append((current.intent, current.confidence))
    candidates += [(m.intent, m.confidence) for m in messages
                   if m.kind == MessageKind.TEXT and m.intent is not None]  # fmt: skip
    if not candidates:
        return None, None
    best = min(_tier(intent, auto) for intent, _ in candidates)
    return next((i, c) for i, c in reversed(candidates) if _tier(i, auto) == best)


def _card_text(messages: list[StoredMessage]) -> str:
    """The buyer's unanswered words for the card: the latest ones, within a bound, so a card
    (and the cost of redrawing it) does not grow with a long conversation."""
    texts = [m.text for m in messages if m.kind == MessageKind.TEXT and m.text]
    kept: list[str] = []
    size = 0
    for text in reversed(texts[-MAX_CARD_MESSAGES:]):
        if size + len(text) > MAX_CARD_TEXT and kept:
            break
        kept.append(text[:MAX_CARD_TEXT])
        size += len(text)
    skipped = len(texts) - len(kept)
    lines = list(reversed(kept))
    return ("…\n" if skipped else "") + "\n".join(lines)
