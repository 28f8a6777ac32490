"""Turns domain records into rendered texts and buttons (buyer replies, seller cards)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.domain import callbacks
from bot.domain.disputes import open_data
from bot.domain.durations import span
from bot.domain.languages import SELLER_LANGUAGES
from bot.domain.models import (
    Button,
    CatalogItem,
    Conversation,
    Draft,
    Option,
    Order,
    OutMessage,
    Sender,
)
from bot.domain.playbook import INTENTS, OPTION_KINDS
from bot.domain.ports import Renderer
from bot.domain.text import strip_html

BUYER = "buyer"
SELLER = "seller"
CARD_TEXT_LIMIT = 1200  # buyer words and draft are shortened on cards to stay under 4096

BUYER_TEMPLATES = ("welcome", "linked", "link_refused", "ack", "non_text", "need_order",
                   "chosen", "chosen_mark", "from_seller", "clarify", "topic",
                   *INTENTS)  # fmt: skip
SELLER_TEMPLATES = ("approval_card", "render_failed", "decision", "action_card", "help",
                    "edit_prompt", "edit_preview", "edit_stale", "non_text_notice",
                    "resolved_notice", "gist", "takeover_started", "takeover_ended",
                    "takeover_busy", "relay_from_buyer", "inbox", "order_card", "reminder",
                    "not_found", "storage_outage", "intent_name", "topic_chosen",
                    "learn_conflict", "topic_name")  # fmt: skip
WORDS = ("send", "open_dispute", "edit", "dism", "opts", "take", "back", "esend", "ecancel",
         "done", "end", "sent", "dismissed", "type", "cancelled", "told", "taken", "ended",
         "toggled", "no_options", "topic", "asgn", "assigned")  # fmt: skip
"""Short seller-console words (button labels, answers to presses): ``word/<key>``."""
DURATION = "word/duration"
"""A duration in words (:meth:`Presenter.duration`; the dispute texts import its macro)."""
TEMPLATES: tuple[tuple[str, str], ...] = (
    *((BUYER, name) for name in BUYER_TEMPLATES),
    *((BUYER, f"{folder}/{kind}") for kind in OPTION_KINDS for folder in ("option", "done")),
    *((SELLER, name) for name in SELLER_TEMPLATES),
    *((SELLER, f"word/{key}") for key in WORDS),
    (SELLER, DURATION),
)
"""(audience, name) of the buyer replies and seller-console texts rendered through the
:class:`Presenter` (by the buyer, seller and card use cases and the Telegram handlers);
required at start-up in every buyer language / every seller-console language."""


@dataclass(frozen=True)
class CardFacts:
    """Everything an approval card shows about a draft."""

    draft: Draft
    conversation: Conversation
    buyer: Sender
    order: Order | None
    attachments: tuple[str, ...] = ()
    entities: tuple[str, ...] = field(default_factory=tuple)


class Presenter:
    """Renders through the ``Renderer`` port; knows template names and button layouts."""

    def __init__(self, renderer: Renderer, seller_language: str = "en") -> None:
        self.renderer = renderer
        self.seller_language = seller_language if seller_language in SELLER_LANGUAGES else "en"
        self._words: dict[str, str] = {}

    def buyer(self, language: str, name: str, **context: Any) -> str:
        """A buyer-facing text in ``language``."""
        return self.renderer.render(BUYER, language, name, context)

    def seller(self, name: str, **context: Any) -> str:
        """A seller-console text in the seller's language."""
        return self.renderer.render(SELLER, self.seller_language, name, context)

    def word(self, key: str) -> str:
        """A short seller-console word (button label or pop-up), plain text: the template
        ``word/<key>`` (one of :data:`WORDS`) in the seller's language."""
        word = self._words.get(key)
        if word is None:  # a word has no values: render it once per process
            word = self._words[key] = strip_html(self.seller(f"word/{key}"))
        return word

    def duration(self, delta: timedelta, style: str = "waited") -> str:
        """``delta`` in words in the seller's language, plain text (template ``word/duration``;
        ``style`` ``waited``: ``45 min`` / ``3 h`` / ``2 d 4 h``, ``stat``: ``12 m`` /
        ``4 h 10 m`` / ``2 d 3 h``). A negative ``delta`` counts as none."""
        whole = span(max(delta, timedelta(0)))
        return strip_html(self.seller(DURATION, span=whole, style=style))

    def seller_button(self, verb: str, target: int, index: int | None = None) -> Button:
        """A seller-console button."""
        return Button(self.word(verb), callbacks.encode(verb, target, index))

    def intent_name(self, intent: str) -> str:
        """An intent's short name in the seller's language, plain text (Topic buttons)."""
        return strip_html(self.seller("intent_name", intent=intent))

    def option_label(self, language: str, option: Option, order: Order | None) -> str:
        """The button text of an option in the buyer's language."""
        return self.buyer(
            language, f"option/{option.kind}", amount=option.amount, days=option.days, order=order
        )

    def done_text(self, language: str, option: Option, order: Order | None, name: str) -> str:
        """What the buyer is told once the chosen option has been carried out."""
        return self.buyer(
            language,
            f"done/{option.kind}",
            buyer_name=name,
            order=order,
            amount=option.amount,
            days=option.days,
            label=self.option_label(language, option, order),
        )

    def reply(
        self,
        template: str,
        language: str,
        buyer_name: str,
        order: Order | None,
        item: CatalogItem | None,
        facts: dict[str, Any],
    ) -> str:
        """The drafted reply text."""
        return self.buyer(
            language, template, buyer_name=buyer_name, order=order, item=item, **facts
        )

    def gist(self, intent: str, buyer: Sender, entities: tuple[str, ...]) -> str:
        """One line, in the seller's language, saying what the buyer wants."""
        return self.seller("gist", intent=intent, buyer=buyer, entities=list(entities))

    def approval_card(
        self,
        facts: CardFacts,
        decision: str = "",
        toggles: bool = False,
        topics: Sequence[str] = (),
        assignable: bool = False,
    ) -> OutMessage:
        """The card that asks the seller to approve a draft (or shows what became of it);
        with ``toggles`` its buttons switch options, with ``topics`` they pick the intent;
        ``assignable`` adds Assign next to Send (a console several people share)."""
        draft = facts.draft
        options = [
            {"label": self.option_label(draft.language, o, facts.order), "enabled": o.enabled}
            for o in draft.options
        ]
        text = self.seller(
            "approval_card",
            draft=draft,
            conversation=facts.conversation,
            buyer=facts.buyer,
            order=facts.order,
            gist=self.gist(draft.intent, facts.buyer, facts.entities),
            buyer_text=_clip(draft.buyer_text),
            attachments=list(facts.attachments),
            draft_text=_clip(strip_html(draft.text)),
            options=options,
            decision=decision,
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if toggles:
            toggles_rows = tuple(
                (
                    Button(
                        f"{'✅' if o['enabled'] else '▫️'} {i + 1}. {o['label']}"[:60],
                        callbacks.encode("tog", draft.id, i),
                    ),
                )
                for i, o in enumerate(options)
            )
            buttons = (*toggles_rows, (self.seller_button("back", draft.id),))
        elif topics:
            buttons = (*self._topic_rows(draft, topics), (self.seller_button("back", draft.id),))
        elif not decision:
            middle = [self.seller_button("edit", draft.id)]
            if draft.options:
                middle.append(self.seller_button("opts", draft.id))
            middle.append(self.seller_button("topic", draft.id))
            first = [self.seller_button("send", draft.id)]
            if assignable:
                first.append(self.seller_button("asgn", draft.id))
            buttons = (
                tuple(first),
                tuple(middle),
                (self.seller_button("dism", draft.id), self.seller_button("take", draft.id)),
            )
            if draft.intent == "dispute_followup" and facts.order is not None:
                opening = Button(self.word("open_dispute"), open_data(facts.conversation.id))
                buttons = (*buttons, (opening,))
        return OutMessage(0, text, buttons, ref=f"draft:{draft.id}")

    def _topic_rows(self, draft: Draft, topics: Sequence[str]) -> list[tuple[Button, ...]]:
        """Two intents per row, by name; the card's current one marked."""
        buttons = [
            Button(
                f"{'• ' if intent == draft.intent else ''}{self.intent_name(intent)}"[:60],
                callbacks.encode("retopic", draft.id, name=intent),
            )
            for intent in topics
        ]
        return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]

    def buyer_reply(self, draft: Draft, order: Order | None, chat_id: int) -> OutMessage:
        """The approved reply with its enabled options as buttons."""
        buttons = tuple(
            (
                Button(
                    self.option_label(draft.language, option, order),
                    callbacks.encode("pick", draft.id, name=option.kind),
                ),
            )
            for option in draft.options
            if option.enabled
        )
        return OutMessage(chat_id, draft.text, buttons, ref=f"reply:{draft.id}")


def _clip(text: str) -> str:
    return text if len(text) <= CARD_TEXT_LIMIT else text[: CARD_TEXT_LIMIT - 1] + "…"
