"""Sample contexts for start-up validation: every variable a shipped template may use.

The loader renders each required template once with :func:`sample_context` under
StrictUndefined, so a template that uses a value no use case passes stops start-up naming the
file. Built from domain types only (content imports nothing above the domain); a use case
that passes a new variable to a template adds a sample value here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.domain.durations import Span
from bot.domain.followups import FollowupRules, OrderFacts, message_facts
from bot.domain.learned import Conflict
from bot.domain.models import (
    CatalogItem,
    Conversation,
    ConversationStatus,
    Direction,
    Draft,
    DraftStatus,
    MessageKind,
    Option,
    Order,
    OrderStatus,
    Sender,
)
from bot.domain.money import Money
from bot.domain.playbook import OPTION_KINDS
from bot.domain.ports import StoredMessage
from bot.domain.team import Assignee

WORD_PREFIXES = ("word/", "dispute/word/", "command/")
FOLLOWUP_PREFIX = "followup"  # ``followup/<rule>`` (buyer) and ``followup_note`` (seller)
CSAT_PREFIX = "csat/"  # the satisfaction question, its answers and the sellers' notice
BUSINESS_PREFIX = "business/"  # Telegram Business connection notices to the sellers
_ALERT_WINDOW = 30  # days of the adverse-rate warning (bot.services.stats.ALERT_WINDOW)
_TREND_WINDOW = 30  # days of the trend's rolling estimate (bot.services.stats.TREND_WINDOW)


def sample_context(name: str = "") -> dict[str, Any]:
    """The values template ``name`` is validated with: buyer replies and the seller console,
    dispute and stats texts; follow-up templates get the follow-up facts on top."""
    context = {**console_sample(), **dispute_sample(), **stats_sample()}
    if name.startswith(FOLLOWUP_PREFIX):
        context.update(followup_sample())
    if name.startswith(("refusal/", "toast/")):
        context.update(refusal_sample())
    if name.startswith(WORD_PREFIXES):
        context.update(word_sample())
    if name.startswith(CSAT_PREFIX):
        context.update(csat_sample())
    if name.startswith(BUSINESS_PREFIX):
        context.update({"account": "Li @li_shoes", "connection_id": "conn-1", "by": "Li"})
    return context


def csat_sample() -> dict[str, Any]:
    """The satisfaction question's values (``csat/<name>``): a rating, the minutes a comment
    is awaited, the comment."""
    return {"rating": 4, "window": 30, "comment": "Quick and friendly, thank you"}


def word_sample() -> dict[str, Any]:
    """Short console words (``word/<key>``, ``dispute/word/<key>``) and command descriptions
    (``command/<name>``): the few that take values; ``word/duration`` gets a duration and
    the style of its place."""
    return {"order": "8000000000000001", "state": "negotiating", "span": Span(2, 4, 10),
            "style": "stat"}  # fmt: skip


def refusal_sample() -> dict[str, Any]:
    """Refusals and error answers (``refusal/<key>``) and a buyer's toast (``toast/<name>``)."""
    return {
        "detail": "already sent by Li",
        "label": "Refund the price difference",
        "problem": "order 8000000000000001 has no open dispute",
        "state": "responded",
        "event": "respond",
        "allowed": ["negotiate", "agree", "escalate"],
        "word": "2026-13-45",
        "order_id": "8000000000000001",
        "opened": "2026-05-01 09:30",
        "conversation_id": 1,
        "dispute_id": 1,
        "draft_id": 1,
        "message_id": 1,
        "choice_id": 1,
        "option": 2,
        "status": "taken_over",
        "by": "Li",
    }


def console_sample() -> dict[str, Any]:
    """Buyer replies, option buttons and the seller console's cards and notices."""
    paid = Money(Decimal("29.90"), "USD")
    order = Order(
        order_id="8000000000000001",
        unit_price=paid,
        quantity=1,
        paid_at=datetime(2026, 4, 28, tzinfo=UTC),
        status=OrderStatus.SHIPPED,
        buyer_name="Sample Buyer",
        item_title="Handmade cloth shoes",
        sku="SHOE-1",
        carrier="Cainiao",
        tracking_number="LP00123456789012",
        shipped_at=datetime(2026, 4, 30, tzinfo=UTC),
        promised_delivery_by=datetime(2026, 5, 20, tzinfo=UTC),
        buyer_country="US",
    )
    item = CatalogItem(
        "SHOE-1",
        Money(Decimal("21.90"), "USD"),
        "Handmade cloth shoes",
        "May Day Labor Day sale",
        datetime(2026, 5, 5, tzinfo=UTC),
        "EU 38 = 24 cm",
    )
    options = tuple(Option(kind, Money(Decimal(8), "USD"), days=15) for kind in OPTION_KINDS)
    draft = Draft(1, 1, "price_drop", 0.9, "en", "text", "reply", DraftStatus.PENDING, options)
    conversation = Conversation(
        1, 10, order.order_id, ConversationStatus.OPEN, "en", order.paid_at, "price_drop",
        assignee_id=20, assignee_name="Sample Seller",
    )  # fmt: skip
    buyer = Sender(10, "Sample Buyer", "sample")
    return {
        "buyer_name": "Sample Buyer",
        "order": order,
        "item": item,
        "paid": paid,
        "total": paid,
        "current": item.price,
        "promotion": item.promotion,
        "promotion_ends": item.promotion_ends,
        "difference": Money(Decimal(8), "USD"),
        "intent": "price_drop",
        "stage": "late",
        "days_late": 4,
        "days_since_paid": 3,
        "size_chart": item.size_chart,
        "ask_photo": True,
        "amount": Money(Decimal(8), "USD"),
        "days": 15,
        "dispute_day": 6,
        "days_left": 9,
        "timeline": "Dispute #1 · negotiating",
        "label": "Refund",
        "text": "Hello from the seller",
        "draft": draft,
        "draft_id": 1,
        "conversation": conversation,
        "buyer": buyer,
        "buyer_text": "text",
        "draft_text": "reply",
        "gist": "wants a refund",
        "entities": ["US$8.00"],
        "attachments": ["photo"],
        "options": [{"label": "Refund", "enabled": True}],
        "decision": "",
        "status": "sent",
        "by": "Seller",
        "error": "a value is missing",
        "down": True,
        "kind": "refund_difference",
        "waiting": "13 h",
        "what": "order 1",
        "items": [
            {"conversation": conversation, "buyer": buyer, "status": "open", "waiting": "2 h"}
        ],
        "history": [StoredMessage(1, 10, Direction.IN, MessageKind.TEXT, "hello")],
        "topic_name": "Size exchange",
        "learned": True,
        "conflict": Conflict("I got the wrong size", "wrong_item", "taught #3", 91.0),
        "other_name": "Wrong item",
        "mine": False,
        "shared": True,
        "assignee": Assignee(20, "Sample Seller"),
        "escalated": False,
        "in_topic": True,
        "team": True,
    }


def dispute_sample() -> dict[str, Any]:
    """Values for every variable the ``dispute/`` templates use."""
    left = {"days": 3, "hours": 4, "ahead": True}
    best = {"label": "partial refund US$8.00", "status": "accepted"}
    return {
        "dispute_card": {
            "order_id": "8000000000000001", "state": "negotiating", "day": 6,
            "order": {"buyer": "Sample Buyer", "item": "Handmade cloth shoes",
                      "paid": "US$29.90", "carrier": "Cainiao", "tracking": "LP00123456789012"},
            "claim": ["US$29.90", "not as described"], "zone": "UTC",
            "opened": "2026-05-01 09:30", "answer_by": "2026-05-04 09:30", "answer_passed": True,
            "answered": "2026-05-02 10:00", "window_opens": "2026-05-04 09:30",
            "window_opens_passed": True, "window_closes": "2026-05-16 09:30",
            "escalates_at": "2026-05-16 09:30", "escalation_passed": False,
            "done": [{"what": "agreed", "at": "2026-05-06 12:00"}],
            "next": {"label": "window closes", "at": "2026-05-16 09:30", "left": left},
            "offers": [{"at": "2026-05-05 12:00", "party": "seller",
                        "label": "partial refund US$8.00", "status": "open"}],
            "best": best,
            "advice": {"step": "agreed", "answer_by": "2026-05-04 09:30",
                       "window_closes": "2026-05-16 09:30", "return_by": "2026-05-21 12:00"},
        },
        "dispute_reminder": {
            "kind": "answer_deadline", "order_id": "8000000000000001", "claim": "US$29.90",
            "answer_by": "2026-05-04 09:30", "answer_left": left,
            "window_closes": "2026-05-16 09:30", "window_left": left, "escalation_day": 15,
            "return_days": 7, "late": "2026-05-04 09:30", "best": best,
        },
        "dispute_listing": {
            "part": "line", "count": 2, "zone": "UTC", "number": 1,
            "order_id": "8000000000000001", "state": "opened", "day": 1,
            "due": {"label": "answer", "at": "2026-05-04 09:30", "left": left},
            "best": "partial refund US$8.00",
        },
    }  # fmt: skip


def stats_sample() -> dict[str, Any]:
    """Values for every variable the ``stats/`` templates use."""
    return {
        "stats_report": {
            "stamp": "2026-05-20 09:30", "zone": "UTC", "days": [30, 60, 90],
            "rows": [("orders_shipped", ["10", "11", "11"])], "first_days": 30,
            "intents": [("price_drop", 2)], "alert": True, "threshold": "5",
            "alert_window": _ALERT_WINDOW, "min_orders": 20, "target_hours": "12",
            "assignee_days": 30,
            "assignees": [
                {"name": name, "average": "4.50", "satisfied": "80.0 %", "answered": "4/5",
                 "target": "90.0 %", "met": "9/10"}
                for name in ("Wang @wang_shoes", None)
            ],
        },
        "stats_caption": {"days": 90, "window": _TREND_WINDOW, "weeks": 13,
                          "target_hours": "12"},
        "stats_alert": {
            "direction": "up", "rate": "6.0 %", "window": _ALERT_WINDOW, "threshold": "5",
            "adverse": 3, "shipped": 50,
        },
    }  # fmt: skip


def followup_sample() -> dict[str, Any]:
    """Every variable a follow-up template may use."""
    now = datetime(2026, 5, 20, 12, tzinfo=UTC)
    order = Order(
        order_id="8000000000000001",
        unit_price=Money(Decimal("29.90"), "USD"),
        quantity=1,
        paid_at=datetime(2026, 4, 28, tzinfo=UTC),
        status=OrderStatus.SHIPPED,
        buyer_name="Sample Buyer",
        item_title="Handmade cloth shoes",
        carrier="Cainiao",
        tracking_number="LP00123456789012",
        shipped_at=datetime(2026, 4, 30, tzinfo=UTC),
        promised_delivery_by=datetime(2026, 5, 18, tzinfo=UTC),
    )
    facts = OrderFacts(order)
    rules = FollowupRules()
    return {"buyer_name": "Sample Buyer", "order": order, "has_chat": True,
            **message_facts("late_delivery", facts, rules, now)}  # fmt: skip
