"""Seller-console texts of the dispute clock, in the seller's language.

The wording lives in templates under ``replies/seller/<lang>/dispute/`` (card, reminder,
listing; ``macros`` holds the shared time-left and deadline words, its durations come from
``word/duration``), rendered through the
:class:`~bot.services.presenter.Presenter` with autoescape. This module only computes the
values (dates in the seller's timezone, days, amounts, what comes next); button labels,
states, offer kinds and the short answers to button presses are one template each under
``dispute/word/`` (:data:`WORDS`).

Every function takes the ``presenter`` of the seller console (injected by the composition
root); its language picks the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape
from typing import Any

from bot.domain.disputes import (
    Dispute,
    DisputeEvent,
    DisputeRules,
    DisputeState,
    Offer,
    OfferStatus,
    Party,
    StoredReminder,
    allowed_events,
    best_offer,
    day_number,
    edge_kind,
    is_return,
    next_deadline,
    return_deadline,
    step_data,
    timeline,
)
from bot.domain.durations import span
from bot.domain.models import Button, Order
from bot.domain.playbook import OPTION_KINDS
from bot.domain.text import strip_html
from bot.services.presenter import Presenter

LATE_NOTE_AFTER = timedelta(hours=1)
LISTING_LIMIT = 3600  # characters of /disputes lines, well under Telegram's 4096

OFFER_KINDS = (*OPTION_KINDS, "return_refund", "other")
"""Every kind an offer can have (:func:`bot.domain.disputes.offer_kind` adds the last two)."""
WORDS = (
    *(f"event.{event.value}" for event in DisputeEvent if event is not DisputeEvent.OPEN),
    *(f"state.{state.value}" for state in DisputeState),
    *(f"party.{party.value}" for party in Party),
    *(f"status.{status.value}" for status in OfferStatus),
    *(f"kind.{kind}" for kind in OFFER_KINDS),
    "no_offer", "already_open", "recorded", "stepped",
)  # fmt: skip
"""Short dispute words (button labels, states, offer kinds, answers to presses); the key
``group.name`` is the template ``dispute/word/group/name`` in every console language."""


def _template(key: str) -> str:
    return "dispute/word/" + key.replace(".", "/")


TEMPLATES: tuple[tuple[str, str], ...] = (
    ("seller", "dispute/card"),
    ("seller", "dispute/reminder"),
    ("seller", "dispute/listing"),
    *(("seller", _template(key)) for key in WORDS),
)
"""(audience, name) of the templates this module renders (required at start-up)."""

# English labels for what is *recorded* (the cause of a dispute step in its history, like a
# log line), never rendered to a reader: the console words are the templates above.
EVENT_LABELS = {
    DisputeEvent.RESPOND: "Answered", DisputeEvent.NEGOTIATE: "Negotiating",
    DisputeEvent.AGREE: "Agreed", DisputeEvent.EXECUTE: "Executed", DisputeEvent.CLOSE: "Closed",
    DisputeEvent.WITHDRAW: "Buyer withdrew", DisputeEvent.ESCALATE: "Escalated",
    DisputeEvent.RULE_FOR_BUYER: "Ruled for buyer",
    DisputeEvent.RULE_FOR_SELLER: "Ruled for seller",
    DisputeEvent.LAPSE: "Lapsed (no answer)",
}  # fmt: skip


def word(key: str, presenter: Presenter, **values: str) -> str:
    """A short dispute word of :data:`WORDS` in the seller's language, plain text."""
    return strip_html(presenter.seller(_template(key), **values))


def event_label(event: DisputeEvent, presenter: Presenter) -> str:
    """The button label of a dispute step."""
    return word(f"event.{event.value}", presenter)


def state_label(state: DisputeState, presenter: Presenter) -> str:
    """The dispute state as the seller reads it."""
    return word(f"state.{state.value}", presenter)


@dataclass(frozen=True)
class DisputeView:
    """One dispute with what the console shows about it."""

    dispute: Dispute
    order: Order | None
    offers: tuple[Offer, ...] = ()


def local(value: datetime, tz: tzinfo) -> str:
    """``2026-05-05 17:30`` in the seller's timezone."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def zone_name(tz: tzinfo) -> str:
    """The timezone's name for headers."""
    return str(getattr(tz, "key", None) or tz)


def offer_text(offer: Offer | None, presenter: Presenter) -> str:
    """``partial refund US$8.00 («…»)`` — plain text (templates escape it)."""
    if offer is None:
        return word("no_offer", presenter)
    plain_kind = offer.kind.replace("_", " ")
    known = offer.kind in OFFER_KINDS
    text = word(f"kind.{offer.kind}", presenter) if known else plain_kind
    if offer.amount is not None:
        text += f" {offer.amount}"
    if offer.note and offer.note.strip().lower() != plain_kind:
        text += f" («{offer.note[:80]}»)"
    return text


def offer_label(offer: Offer | None, presenter: Presenter) -> str:
    """:func:`offer_text`, escaped for Telegram HTML."""
    return escape(offer_text(offer, presenter), quote=False)


def _best(view: DisputeView, presenter: Presenter) -> dict[str, str]:
    best = best_offer(view.offers)
    status = best.status.value if best and best.status.value != "open" else ""
    return {
        "label": offer_text(best, presenter),
        "status": word(f"status.{status}", presenter) if status else "",
    }


def buttons(dispute: Dispute, presenter: Presenter) -> tuple[tuple[Button, ...], ...]:
    """The steps the dispute can take now, two buttons a row."""
    steps = [Button(event_label(e, presenter), step_data(dispute.id, e))
             for e in allowed_events(dispute.state)]  # fmt: skip
    return tuple(tuple(steps[i : i + 2]) for i in range(0, len(steps), 2))


def _advice(view: DisputeView, rules: DisputeRules, tz: tzinfo) -> dict[str, Any]:
    d = view.dispute
    line = timeline(d.opened_at, rules)
    if d.state is DisputeState.OPENED:
        step = "answer"
    elif d.state.negotiable:
        step = "negotiate"
    elif d.state in (DisputeState.AGREED, DisputeState.EXECUTED, DisputeState.ESCALATED):
        step = d.state.value
    else:
        step = "finished"
    best = best_offer(view.offers)
    return_by = ""
    if best and is_return(best.kind) and d.agreed_at:
        return_by = local(return_deadline(d.agreed_at, rules), tz)
    return {
        "step": step,
        "answer_by": local(line.answer_by, tz),
        "window_closes": local(line.window_closes, tz),
        "return_by": return_by,
    }


def card_context(
    view: DisputeView,
    rules: DisputeRules,
    tz: tzinfo,
    now: datetime,
    presenter: Presenter,
) -> dict[str, Any]:
    """The values the ``dispute/card`` template formats."""
    d, order = view.dispute, view.order
    line = timeline(d.opened_at, rules)
    facts: dict[str, Any] | None = None
    if order is not None:
        facts = {
            "buyer": order.buyer_name,
            "item": order.item_title or order.sku,
            "paid": str(order.total_paid),
            "carrier": order.carrier,
            "tracking": order.tracking_number,
        }
    claim = [str(d.amount)] if d.amount else []
    if d.reason:
        claim.append(d.reason)
    deadline = next_deadline(d, rules, now)
    done = [{"what": what, "at": local(at, tz)} for what, at in (
        ("agreed", d.agreed_at), ("escalated", d.escalated_at), ("finished", d.finished_at),
    ) if at is not None]  # fmt: skip
    return {
        "order_id": d.order_id,
        "state": state_label(d.state, presenter),
        "day": None if d.state.terminal else day_number(d.opened_at, now),
        "order": facts,
        "claim": claim,
        "zone": zone_name(tz),
        "opened": local(d.opened_at, tz),
        "answer_by": local(line.answer_by, tz),
        "answer_passed": line.answer_by <= now,
        "answered": local(d.responded_at, tz) if d.responded_at else "",
        "window_opens": local(line.window_opens, tz),
        "window_opens_passed": line.window_opens <= now,
        "window_closes": local(line.window_closes, tz),
        "escalates_at": local(line.escalates_at, tz),
        "escalation_passed": line.escalates_at <= now,
        "done": done,
        "next": None
        if deadline is None
        else {
            "label": deadline.label,
            "at": local(deadline.at, tz),
            "left": span(deadline.at - now),
        },
        "offers": [
            {
                "at": local(o.at, tz),
                "party": word(f"party.{o.party.value}", presenter),
                "label": offer_text(o, presenter),
                "status": word(f"status.{o.status.value}", presenter),
            }
            for o in view.offers[-8:]
        ],
        "best": _best(view, presenter),
        "advice": _advice(view, rules, tz),
    }


def card(
    view: DisputeView,
    rules: DisputeRules,
    tz: tzinfo,
    now: datetime,
    presenter: Presenter,
) -> str:
    """The dispute card: state, order, claim, timeline with time left, offers, what to do."""
    context = card_context(view, rules, tz, now, presenter)
    return presenter.seller("dispute/card", dispute_card=context)


def reminder(
    row: StoredReminder,
    view: DisputeView,
    rules: DisputeRules,
    tz: tzinfo,
    now: datetime,
    presenter: Presenter,
) -> str:
    """The text of a due reminder: the edge, the deadline, what to do, the best offer."""
    d = view.dispute
    line = timeline(d.opened_at, rules)
    kind = edge_kind(row.edge)
    context = {
        "kind": kind.value,
        "order_id": d.order_id,
        "claim": str(d.amount) if d.amount else "",
        "answer_by": local(line.answer_by, tz),
        "answer_left": span(line.answer_by - now),
        "window_closes": local(line.window_closes, tz),
        "window_left": span(line.window_closes - now),
        "escalation_day": rules.escalation_day,
        "return_days": rules.return_shipping_days,
        "late": local(row.due_at, tz) if now - row.due_at > LATE_NOTE_AFTER else "",
        "best": _best(view, presenter),
    }
    return presenter.seller("dispute/reminder", dispute_reminder=context)


def listing(
    views: list[DisputeView],
    rules: DisputeRules,
    tz: tzinfo,
    now: datetime,
    limit: int | None = LISTING_LIMIT,
    *,
    presenter: Presenter,
) -> str:
    """``/disputes``: open disputes, nearest deadline first, with time left (at most
    ``limit`` characters of lines; None for no limit)."""

    def part(name: str, **values: Any) -> str:
        return presenter.seller("dispute/listing", dispute_listing={"part": name, **values})

    if not views:
        return part("empty")

    def key(view: DisputeView) -> tuple[int, datetime]:
        deadline = next_deadline(view.dispute, rules, now)
        return (0, deadline.at) if deadline else (1, view.dispute.opened_at)

    lines = [part("head", count=len(views), zone=zone_name(tz))]
    ordered = sorted(views, key=key)
    size = sum(len(line) for line in lines)
    for number, view in enumerate(ordered, 1):
        d = view.dispute
        deadline = next_deadline(d, rules, now)
        due = None if deadline is None else {
            "label": deadline.label, "at": local(deadline.at, tz), "left": span(deadline.at - now),
        }  # fmt: skip
        line = part("line", number=number, order_id=d.order_id,
                    state=state_label(d.state, presenter), day=day_number(d.opened_at, now),
                    due=due, best=offer_text(best_offer(view.offers), presenter))  # fmt: skip
        if limit is not None and size + len(line) > limit:
            lines.append(part("more", count=len(ordered) - number + 1))
            break
        lines.append(line)
        size += len(line) + 1
    lines.append("\n" + part("foot"))
    return "\n".join(lines)
