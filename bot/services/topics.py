"""The card's Topic button: the seller says what a buyer's message is really about.

Pressing **Topic** shows the intents (by name, in the seller's language) on that seller's
card. Picking one re-drafts the card with that intent's reply and options, relabels the
unanswered messages (so the next message from the same buyer does not pull the card back to
the old topic), and teaches the buyer's words as an example of the intent
(:mod:`bot.services.teaching`), which applies to the very next message from anyone. Words that
read like an example of another intent are not learned; the seller is told why.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.errors import NotAllowed, NotFound
from bot.domain.models import Draft, OutMessage, Sender
from bot.domain.playbook import INTENTS
from bot.domain.ports import Clock, Store, StoredMessage, UnitOfWork
from bot.domain.text import strip_html
from bot.services.buyers import BuyerService
from bot.services.presenter import Presenter
from bot.services.replies import Cards, pending_draft
from bot.services.teaching import CannotLearn, Taught, TeachingService


class TopicService:
    """Show the topics on a card and re-draft it as the one the seller picks."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        presenter: Presenter,
        cards: Cards,
        buyers: BuyerService,
        teaching: TeachingService,
        intents: Sequence[str] = INTENTS,
    ) -> None:
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.cards = cards
        self.buyers = buyers
        self.teaching = teaching
        self.intents = tuple(intents)

    def _check(self, seller: Sender) -> None:
        if not self.cards.desk.allows(seller):
            raise NotAllowed("only the seller can do this", key="seller_only")

    async def show(self, seller: Sender, draft_id: int) -> str:
        """Put the topic buttons on this seller's card; returns the answer to the press."""
        self._check(seller)
        async with self.store.transaction() as uow:
            await pending_draft(uow, draft_id)
            await self.cards.refresh(
                uow, draft_id, self.clock.now(), topics_in=seller.chat_id, topics=self.intents
            )
        return self.presenter.word("topic")

    async def choose(self, seller: Sender, draft_id: int, intent: str) -> str:
        """Re-draft the card as ``intent`` and learn the buyer's words; returns the answer
        to the press (what was done, and whether the words were learned)."""
        self._check(seller)
        if intent not in self.intents:
            raise CannotLearn(f"unknown topic {intent!r}", key="cannot_learn", intent=intent)
        async with self.store.transaction() as uow:
            draft = await pending_draft(uow, draft_id)
            conversation = await uow.conversations.get(draft.conversation_id)
            if conversation is None:
                raise NotFound(f"draft {draft_id}", key="unknown_draft", draft_id=draft_id)
            words = _taught_words(await uow.conversations.unanswered(conversation.id), draft)
            await uow.conversations.relabel_unanswered(conversation.id, intent)
            await self.buyers.redraft(uow, conversation, intent)
            taught = await self._learn(uow, seller, words, intent)
        name = self.presenter.intent_name(intent)
        learned = taught is not None and taught.applied
        conflict = taught.conflict if taught is not None else None
        return strip_html(
            self.presenter.seller(
                "topic_chosen", topic_name=name, learned=learned, conflict=conflict
            )
        )

    async def _learn(
        self, uow: UnitOfWork, seller: Sender, words: str, intent: str
    ) -> Taught | None:
        """Teach ``words`` as ``intent``; a conflict is explained in the seller's chat."""
        if not words:
            return None
        language = self.teaching.matcher.language_of(words)
        try:
            taught = await self.teaching.learn(uow, words, intent, language, by=seller.label)
        except CannotLearn:  # nothing to learn from (emoji only…): the re-draft still stands
            return None
        if taught.conflict is not None:
            text = self.presenter.seller(
                "learn_conflict",
                buyer_text=words,
                topic_name=self.presenter.intent_name(intent),
                conflict=taught.conflict,
                other_name=self.presenter.intent_name(taught.conflict.intent),
            )
            await uow.outbox.add(OutMessage(seller.chat_id, text), self.clock.now())
        return taught


def _taught_words(unanswered: list[StoredMessage], draft: Draft) -> str:
    """The buyer message the card's topic came from: the latest unanswered text classified
    as the draft's intent, else the latest unanswered text ("" for a follow-up card)."""
    texts = [m for m in unanswered if m.kind == "text" and m.text.strip()]
    for message in reversed(texts):
        if message.intent == draft.intent:
            return message.text
    return texts[-1].text if texts else ""
