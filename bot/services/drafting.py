"""Drafting the reply to a buyer and putting it before the seller.

:class:`Drafter` takes a conversation's unanswered messages to an approval card, in the
caller's transaction, in five steps:

1. the topic (:class:`Topic`): the most pressing intent among the pending draft and the
   unanswered messages (complaints first, small talk last, see :func:`_main_intent`) unless
   the buyer or the seller chose it, the language to answer in and the buyer's latest words
   the card quotes (:func:`_card_text`);
2. the plan: the playbook's template, facts and options for that intent; a dispute follow-up
   also says which day of the dispute it is and how many days are left;
3. the reply, rendered; a template that cannot be rendered blocks the draft: the sellers are
   told why and the conversation waits for them;
4. the card: the pending draft rewritten in place (the same card is edited), else a new one;
5. delivery: an auto-approved intent is sent at once, unless the buyer is waiting for a
   person or talking to a seller who took over (:mod:`bot.domain.pause`); otherwise a new
   conversation's buyer gets an acknowledgement and every seller chat an approval card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.business import business_template
from bot.domain.disputes import day_number, timeline
from bot.domain.entities import Scan
from bot.domain.errors import RenderError
from bot.domain.intents import IntentResult
from bot.domain.models import (
    CatalogItem,
    Conversation,
    ConversationStatus,
    Draft,
    DraftStatus,
    MessageKind,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.playbook import COMPLAINTS, Plan, plan_reply
from bot.domain.ports import Clock, StoredMessage, UnitOfWork
from bot.services.buyer_config import BuyerConfig, tell_sellers
from bot.services.pause import buyer_pause
from bot.services.presenter import Presenter
from bot.services.replies import Cards, Known

log = logging.getLogger(__name__)

SMALL_TALK = frozenset({"greeting", "thanks", "none"})
MAX_CARD_MESSAGES = 8  # the latest unanswered messages a card quotes…
MAX_CARD_TEXT = 2500  # …within this many characters (a Telegram message holds 4096)


@dataclass(frozen=True)
class Topic:
    """What a draft is about: the intent (and how sure), the language to answer in and the
    buyer's words the card quotes."""

    intent: str
    confidence: float
    language: str
    buyer_text: str


class Drafter:
    """Drafts (or brings up to date) the reply to a conversation and puts it before the
    seller; see the module's docstring for the steps."""

    def __init__(
        self, clock: Clock, presenter: Presenter, cards: Cards, config: BuyerConfig
    ) -> None:
        self.clock = clock
        self.presenter = presenter
        self.cards = cards
        self.config = config

    async def draft(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        latest: IntentResult,
        is_new: bool,
        chosen: bool = False,
        scan: Scan | None = None,
    ) -> None:
        """Draft (or bring up to date) the reply to a conversation's unanswered messages;
        ``chosen``: the buyer or the seller said what ``latest`` is about, so it decides the topic;
        ``is_new``: the conversation has just started (its buyer gets an acknowledgement);
        ``scan``: the entity scan of the message just stored, for the card to reuse."""
        now = self.clock.now()
        unanswered = await uow.conversations.unanswered(conversation.id)
        pending = await uow.drafts.pending_for(conversation.id)
        current = pending[-1] if pending else None
        topic = self._topic(conversation, latest, unanswered, current, chosen)
        for old in pending[:-1]:  # left by an older version: one pending draft per conversation
            await self.cards.decide(uow, old, DraftStatus.SUPERSEDED, "", now)
        item = await uow.catalog.get(order.sku) if order and order.sku else None
        plan = await self._plan(uow, topic.intent, order, item, now)
        reply = await self._render(uow, sender, conversation, order, item, topic, plan, now)
        if reply is None:
            return
        conversation = await self._open(uow, conversation, topic, now)
        known = Known(conversation, sender, order, unanswered, scan)
        draft = await self._save(uow, current, topic, reply, plan, known, now)
        if draft is not None:  # a new draft (a revised one keeps its card)
            await self._put_forward(uow, draft, topic, plan, is_new, known, now)

    def _topic(
        self,
        conversation: Conversation,
        latest: IntentResult,
        unanswered: list[StoredMessage],
        current: Draft | None,
        chosen: bool,
    ) -> Topic:
        """The chosen intent, else the most pressing one (``latest``'s when none is known);
        small talk is answered in the conversation's language."""
        intent, confidence = latest.intent, latest.confidence
        if not chosen:
            main, weight = _main_intent(unanswered, current, self.config.auto_approve)
            intent, confidence = main or intent, weight or confidence
        buyer_text = _card_text(unanswered)
        language = latest.language if latest.intent not in SMALL_TALK else conversation.language
        return Topic(intent, confidence, language, buyer_text)

    async def _plan(
        self,
        uow: UnitOfWork,
        intent: str,
        order: Order | None,
        item: CatalogItem | None,
        now: datetime,
    ) -> Plan:
        """The playbook's plan; for a dispute follow-up, with the active dispute's day number
        (``dispute_day``) and the days left in its answer window (``days_left``)."""
        plan = plan_reply(intent, order, item, self.config.policy, now)
        if intent == "dispute_followup" and order is not None:
            dispute = await uow.disputes.active_for(order.order_id)
            if dispute is not None:
                closes = timeline(dispute.opened_at, self.config.dispute_rules).window_closes
                plan.facts["dispute_day"] = day_number(dispute.opened_at, now)
                plan.facts["days_left"] = max(0, (closes - now).days)
        return plan

    async def _render(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        item: CatalogItem | None,
        topic: Topic,
        plan: Plan,
        now: datetime,
    ) -> str | None:
        """The reply's text, or None when its template cannot be rendered (then the sellers
        are told why and the conversation waits for them)."""
        name = order.buyer_name if order and order.buyer_name else sender.name
        template = business_template(plan.template, sender.chat_id)  # no deep link there
        try:
            return self.presenter.reply(template, topic.language, name, order, item,
                                        plan.facts)  # fmt: skip
        except RenderError as exc:
            await self._report_blocked(uow, sender, conversation, order, topic, exc, now)
            return None

    async def _report_blocked(
        self,
        uow: UnitOfWork,
        sender: Sender,
        conversation: Conversation,
        order: Order | None,
        topic: Topic,
        error: RenderError,
        now: datetime,
    ) -> None:
        log.error("draft blocked: %s", error)
        failed = self.presenter.seller(
            "render_failed",
            buyer=sender,
            order=order,
            buyer_text=topic.buyer_text,
            error=str(error),
            conversation=conversation,
        )
        await tell_sellers(uow, self.clock, self.cards.desk, failed, conversation.chat_id)
        await uow.conversations.wait_for_seller(conversation.id, now)

    async def _open(
        self, uow: UnitOfWork, conversation: Conversation, topic: Topic, now: datetime
    ) -> Conversation:
        """The conversation, open about the topic and waiting for the seller (stored too)."""
        await uow.conversations.update(conversation.id, now, status=ConversationStatus.OPEN,
                                       intent=topic.intent, language=topic.language,
                                       waiting=True)  # fmt: skip
        return replace(conversation, status=ConversationStatus.OPEN, intent=topic.intent,
                       language=topic.language)  # fmt: skip

    async def _save(
        self,
        uow: UnitOfWork,
        current: Draft | None,
        topic: Topic,
        reply: str,
        plan: Plan,
        known: Known,
        now: datetime,
    ) -> Draft | None:
        """A new pending draft; or None when the pending one was rewritten instead (the buyer
        wrote again: the same card, brought up to date)."""
        if current is not None:
            revised = await uow.drafts.revise(current, topic.intent, topic.confidence,
                                              topic.language, topic.buyer_text, reply,
                                              plan.options)  # fmt: skip
            if revised is not None:  # else it was decided meanwhile: a new draft
                await self.cards.refresh(uow, revised.id, now, draft=revised, known=known)
                return None
        return await uow.drafts.create(known.conversation.id, topic.intent, topic.confidence,
                                       topic.language, topic.buyer_text, reply, plan.options,
                                       now)  # fmt: skip

    async def _put_forward(
        self,
        uow: UnitOfWork,
        draft: Draft,
        topic: Topic,
        plan: Plan,
        is_new: bool,
        known: Known,
        now: datetime,
    ) -> None:
        """An auto-approved intent is sent at once (with an informational card) when the order
        is known or there is nothing to choose, unless the buyer's automation is paused (a
        conversation of theirs is taken over, or they asked for a person and no seller has
        answered yet: :mod:`bot.domain.pause`); otherwise a new conversation's buyer is told
        their message reached the seller and every seller chat gets an approval card."""
        buyer, order = known.buyer, known.order
        if topic.intent in self.config.auto_approve and (order is not None or not plan.options):
            pause = await buyer_pause(uow, buyer.chat_id, known.conversation, known.unanswered)
            if pause is None:
                await uow.drafts.decide(draft.id, DraftStatus.SENT, "auto", now)
                await self.cards.deliver(uow, draft, "auto", now, status="auto", new_card=True)
                return
            log.info("no automatic %s reply to chat %s: %s; the seller decides", topic.intent,
                     buyer.chat_id, pause.value)  # fmt: skip
        if is_new:
            ack = self.presenter.buyer(topic.language, "ack", buyer_name=buyer.name, order=order)
            await uow.outbox.add(OutMessage(buyer.chat_id, ack), now)
        await self.cards.post(uow, draft, now, known=known)


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
