"""Seller-console texts of the dispute clock, in the seller's language.

The wording lives in templates under ``replies/seller/<lang>/dispute/`` (card, reminder,
listing; ``macros`` holds the shared time-left and deadline words), rendered through the
:class:`~bot.services.presenter.Presenter` with autoescape. This module only computes the
values (dates in the seller's timezone, days, amounts, what comes next); button labels and
the short answers to button presses are in :data:`DISPUTE_TEXT`.

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
from bot.domain.models import Button, Order
from bot.services.presenter import Presenter

TEMPLATES: tuple[tuple[str, str], ...] = (
    ("seller", "dispute/card"), ("seller", "dispute/reminder"), ("seller", "dispute/listing"),
)
"""(audience, name) of the templates this module renders (required at start-up)."""

LATE_NOTE_AFTER = timedelta(hours=1)
LISTING_LIMIT = 3600  # characters of /disputes lines, well under Telegram's 4096

DISPUTE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "event.respond": "Answered",
        "event.negotiate": "Negotiating",
        "event.agree": "Agreed",
        "event.execute": "Executed",
        "event.close": "Closed",
        "event.withdraw": "Buyer withdrew",
        "event.escalate": "Escalated",
        "event.rule_buyer": "Ruled for buyer",
        "event.rule_seller": "Ruled for seller",
        "event.lapse": "Lapsed (no answer)",
        "state.opened": "opened",
        "state.responded": "responded",
        "state.negotiating": "negotiating",
        "state.agreed": "agreed",
        "state.executed": "executed",
        "state.closed": "closed",
        "state.escalated": "escalated",
        "state.ruled_for_buyer": "ruled for buyer",
        "state.ruled_for_seller": "ruled for seller",
        "party.seller": "seller",
        "party.buyer": "buyer",
        "status.open": "open",
        "status.accepted": "accepted",
        "status.rejected": "rejected",
        "no_offer": "no offer recorded yet",
        "already_open": "Order {order} already has an open dispute",
        "recorded": "Dispute recorded for order {order}",
        "stepped": "Dispute on {order}: {state}",
    },
    "zh": {
        "event.respond": "已答复",
        "event.negotiate": "协商中",
        "event.agree": "已达成一致",
        "event.execute": "已执行",
        "event.close": "已关闭",
        "event.withdraw": "买家已撤诉",
        "event.escalate": "已升级",
        "event.rule_buyer": "裁定买家胜",
        "event.rule_seller": "裁定卖家胜",
        "event.lapse": "已超时（未答复）",
        "state.opened": "已开启",
        "state.responded": "已答复",
        "state.negotiating": "协商中",
        "state.agreed": "已达成一致",
        "state.executed": "已执行",
        "state.closed": "已关闭",
        "state.escalated": "已升级至平台",
        "state.ruled_for_buyer": "裁定买家胜",
        "state.ruled_for_seller": "裁定卖家胜",
        "party.seller": "卖家",
        "party.buyer": "买家",
        "status.open": "待定",
        "status.accepted": "已接受",
        "status.rejected": "已拒绝",
        "no_offer": "尚无方案记录",
        "already_open": "订单 {order} 已有进行中的纠纷",
        "recorded": "已为订单 {order} 登记纠纷",
        "stepped": "订单 {order} 的纠纷：{state}",
        "kind.refund_difference": "退差价",
        "kind.coupon": "优惠券",
        "kind.cancel_reorder": "取消并重新下单",
        "kind.keep_order": "保留订单",
        "kind.keep_waiting": "继续等待",
        "kind.wait_extend": "延长等待",
        "kind.reship": "重新发货",
        "kind.partial_refund": "部分退款",
        "kind.full_refund": "全额退款",
        "kind.replacement": "换货",
        "kind.send_missing": "补发缺件",
        "kind.return_full_refund": "退货并全额退款",
        "kind.return_refund": "退货退款",
        "kind.exchange_size": "换尺码",
        "kind.cancel_full_refund": "取消并全额退款",
        "kind.apply_change": "修改订单",
        "kind.coupon_next_order": "下单优惠券",
        "kind.other": "其他",
    },
}
"""Short dispute words per seller language: button labels, states, toasts, offer kinds."""


def word(key: str, presenter: Presenter, **values: str) -> str:
    """A short dispute word in the seller's language (English when the key is missing)."""
    lang = presenter.seller_language
    text = DISPUTE_TEXT.get(lang, {}).get(key) or DISPUTE_TEXT["en"][key]
    return text.format(**values) if values else text


def event_label(event: DisputeEvent, presenter: Presenter) -> str:
    """The button label of a dispute step."""
    return word(f"event.{event.value}", presenter)


def state_label(state: DisputeState, presenter: Presenter) -> str:
    """The dispute state as the seller reads it."""
    return word(f"state.{state.value}", presenter)


EVENT_LABELS = {event: DISPUTE_TEXT["en"][f"event.{event.value}"] for event in DisputeEvent
                if f"event.{event.value}" in DISPUTE_TEXT["en"]}  # fmt: skip
STATE_LABELS = {state: DISPUTE_TEXT["en"][f"state.{state.value}"] for state in DisputeState}


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


def span(at: datetime, now: datetime) -> dict[str, Any]:
    """Whole days and hours between ``now`` and ``at`` and whether ``at`` is ahead (the
    templates' ``left`` macro words it: ``3 d 4 h left`` / ``passed 5 h ago``)."""
    delta = at - now
    hours = int(abs(delta).total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    return {"days": days, "hours": hours, "ahead": delta >= timedelta(0)}


def offer_text(offer: Offer | None, presenter: Presenter) -> str:
    """``partial refund US$8.00 («…»)`` — plain text (templates escape it)."""
    if offer is None:
        return word("no_offer", presenter)
    plain_kind = offer.kind.replace("_", " ")
    lang = presenter.seller_language
    text = DISPUTE_TEXT.get(lang, {}).get(f"kind.{offer.kind}") or plain_kind
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
            "left": span(deadline.at, now),
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
        "answer_left": span(line.answer_by, now),
        "window_closes": local(line.window_closes, tz),
        "window_left": span(line.window_closes, now),
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
            "label": deadline.label, "at": local(deadline.at, tz), "left": span(deadline.at, now),
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

