"""Turns domain records into rendered texts and buttons (buyer replies, seller cards)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import callbacks
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
from bot.domain.playbook import OPTION_KINDS
from bot.domain.ports import Renderer
from bot.domain.text import strip_html

BUYER = "buyer"
SELLER = "seller"
CARD_TEXT_LIMIT = 1200  # buyer words and draft are shortened on cards to stay under 4096

SELLER_BUTTONS = {
    "en": {
        "send": "Send",
        "edit": "Edit",
        "dism": "Dismiss",
        "esend": "Send edited",
        "ecancel": "Cancel",
        "done": "Done",
    },
}


@dataclass(frozen=True)
class CardFacts:
    """Everything an approval card shows about a draft."""

    draft: Draft
    conversation: Conversation
    buyer: Sender
    order: Order | None


class Presenter:
    """Renders through the ``Renderer`` port; knows template names and button layouts."""

    def __init__(self, renderer: Renderer, seller_language: str = "en") -> None:
        self.renderer = renderer
        self.seller_language = seller_language

    def buyer(self, language: str, name: str, **context: Any) -> str:
        """A buyer-facing text in ``language``."""
        return self.renderer.render(BUYER, language, name, context)

    def seller(self, name: str, **context: Any) -> str:
        """A seller-console text in the seller's language."""
        return self.renderer.render(SELLER, self.seller_language, name, context)

    def seller_button(self, verb: str, target: int) -> Button:
        """A seller-console button."""
        labels = SELLER_BUTTONS.get(self.seller_language, SELLER_BUTTONS["en"])
        return Button(labels[verb], callbacks.encode(verb, target))

    def option_label(self, language: str, option: Option, order: Order | None) -> str:
        """The button text of an option in the buyer's language."""
        return self.buyer(
            language, f"option/{option.kind}", amount=option.amount, days=option.days, order=order
        )

    def option_labels(self, draft: Draft, order: Order | None) -> list[str]:
        """Every option label of a draft, in the draft's language."""
        return [self.option_label(draft.language, o, order) for o in draft.options]

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

    def approval_card(self, facts: CardFacts, decision: str = "") -> OutMessage:
        """The card that asks the seller to approve a draft (or shows what became of it)."""
        draft = facts.draft
        labels = self.option_labels(draft, facts.order)
        text = self.seller(
            "approval_card",
            draft=draft,
            conversation=facts.conversation,
            buyer=facts.buyer,
            order=facts.order,
            buyer_text=_clip(draft.buyer_text),
            draft_text=_clip(strip_html(draft.text)),
            options=labels,
            decision=decision,
        )
        buttons: tuple[tuple[Button, ...], ...] = ()
        if not decision:
            buttons = (
                (self.seller_button("send", draft.id),),
                (self.seller_button("edit", draft.id), self.seller_button("dism", draft.id)),
            )
        return OutMessage(0, text, buttons, ref=f"draft:{draft.id}")

    def buyer_reply(self, draft: Draft, order: Order | None, chat_id: int) -> OutMessage:
        """The approved reply with its options as buttons."""
        labels = self.option_labels(draft, order)
        buttons = tuple(
            (Button(label, callbacks.encode("pick", draft.id, idx)),)
            for idx, label in enumerate(labels)
        )
        return OutMessage(chat_id, draft.text, buttons, ref=f"reply:{draft.id}")


def _clip(text: str) -> str:
    return text if len(text) <= CARD_TEXT_LIMIT else text[: CARD_TEXT_LIMIT - 1] + "…"


def sample_context() -> dict[str, Any]:
    """A context with every variable any shipped template may use (for start-up validation)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from bot.domain.models import (
        ConversationStatus,
        DraftStatus,
        OrderStatus,
    )
    from bot.domain.money import Money

    paid = Money(Decimal("29.90"), "USD")
    order = Order(
        order_id="8000000000000001",
        unit_price=paid,
        quantity=1,
        paid_at=datetime(2026, 4, 28, tzinfo=UTC),
        status=OrderStatus.PAID,
        buyer_name="Sample Buyer",
        item_title="Handmade cloth shoes",
        sku="SHOE-1",
    )
    item = CatalogItem("SHOE-1", Money(Decimal("21.90"), "USD"), "Handmade cloth shoes",
                       "May Day Labor Day sale", datetime(2026, 5, 5, tzinfo=UTC))  # fmt: skip
    options = tuple(Option(kind, Money(Decimal(8), "USD")) for kind in OPTION_KINDS)
    draft = Draft(1, 1, "price_drop", 0.9, "en", "text", "reply", DraftStatus.PENDING, options)
    conversation = Conversation(1, 10, order.order_id, ConversationStatus.OPEN, "en",
                                order.paid_at, "price_drop")  # fmt: skip
    return {
        "buyer_name": "Sample Buyer",
        "order": order,
        "item": item,
        "paid": paid,
        "current": item.price,
        "promotion": item.promotion,
        "promotion_ends": item.promotion_ends,
        "difference": Money(Decimal(8), "USD"),
        "intent": "price_drop",
        "days_since_paid": 3,
        "stage": "late",
        "days_late": 4,
        "total": paid,
        "size_chart": "EU 38 = 24 cm",
        "ask_photo": True,
        "days": 15,
        "amount": Money(Decimal(8), "USD"),
        "label": "Refund",
        "draft": draft,
        "conversation": conversation,
        "buyer": Sender(10, "Sample Buyer", "sample"),
        "buyer_text": "text",
        "draft_text": "reply",
        "options": ["Refund"],
        "decision": "",
        "by": "Seller",
        "error": "a value is missing",
        "kind": "photo",
        "action": "Refund US$8.00",
        "draft_id": 1,
        "status": "sent",
    }
