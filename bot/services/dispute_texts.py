"""Seller-console texts of the dispute clock (Telegram HTML; every stored value is escaped).

The dispute console is built in code rather than from ``replies/`` templates: its texts are
mostly dates, amounts and states, and keeping them here leaves the seller-editable template
set (and its per-language validation) untouched. It speaks English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from html import escape

from bot.domain.disputes import (
    Dispute,
    DisputeEvent,
    DisputeRules,
    DisputeState,
    EdgeKind,
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
    time_left,
    timeline,
)
from bot.domain.models import Button, Order

LATE_NOTE_AFTER = timedelta(hours=1)
LISTING_LIMIT = 3600  # characters of /disputes lines, well under Telegram's 4096

EVENT_LABELS = {
    DisputeEvent.RESPOND: "Answered",
    DisputeEvent.NEGOTIATE: "Negotiating",
    DisputeEvent.AGREE: "Agreed",
    DisputeEvent.EXECUTE: "Executed",
    DisputeEvent.CLOSE: "Closed",
    DisputeEvent.WITHDRAW: "Buyer withdrew",
    DisputeEvent.ESCALATE: "Escalated",
    DisputeEvent.RULE_FOR_BUYER: "Ruled for buyer",
    DisputeEvent.RULE_FOR_SELLER: "Ruled for seller",
    DisputeEvent.LAPSE: "Lapsed (no answer)",
}
STATE_LABELS = {state: state.value.replace("_", " ") for state in DisputeState}


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


def offer_label(offer: Offer | None) -> str:
    """``partial refund US$8.00 (“…”)`` — escaped."""
    if offer is None:
        return "no offer recorded yet"
    kind = offer.kind.replace("_", " ")
    text = kind
    if offer.amount is not None:
        text += f" {offer.amount}"
    if offer.note and offer.note.strip().lower() != kind:
        text += f" («{offer.note[:80]}»)"
    return escape(text, quote=False)


def _best(view: DisputeView) -> str:
    best = best_offer(view.offers)
    status = f" — {best.status.value}" if best and best.status.value != "open" else ""
    return f"Best offer so far: {offer_label(best)}{status}"


def advice(view: DisputeView, rules: DisputeRules, tz: tzinfo) -> str:
    """What the seller should do now, for the dispute's state."""
    d = view.dispute
    line = timeline(d.opened_at, rules)
    order = escape(d.order_id)
    if d.state is DisputeState.OPENED:
        return (f"Answer before {local(line.answer_by, tz)}: accept, reject with evidence or "
                f"counter-offer, then tap <b>Answered</b> or record it with "
                f"<code>/dispute {order} offer 8.00 partial refund</code>.")  # fmt: skip
    if d.state.negotiable:
        return (f"Agree with the buyer before {local(line.window_closes, tz)}. Record offers "
                f"with <code>/dispute {order} offer …</code> and answers with "
                f"<code>/dispute {order} buyer accept|reject|counter …</code>.")  # fmt: skip
    if d.state is DisputeState.AGREED:
        best = best_offer(view.offers)
        text = f"Do what was agreed ({offer_label(best)}), then tap <b>Executed</b>."
        if best and is_return(best.kind) and d.agreed_at:
            text += (f" The buyer has until {local(return_deadline(d.agreed_at, rules), tz)} "
                     f"to ship the item back.")  # fmt: skip
        return text
    if d.state is DisputeState.EXECUTED:
        return "Tap <b>Closed</b> when the platform closes the dispute."
    if d.state is DisputeState.ESCALATED:
        return (f"The platform decides now. Give it the evidence: "
                f"<code>parley dispute export {order} --format html</code>; tap the ruling "
                f"when it comes.")  # fmt: skip
    return "Finished."


def buttons(dispute: Dispute) -> tuple[tuple[Button, ...], ...]:
    """The steps the dispute can take now, two buttons a row."""
    steps = [Button(EVENT_LABELS[e], step_data(dispute.id, e)) for e in allowed_events(
        dispute.state)]  # fmt: skip
    return tuple(tuple(steps[i : i + 2]) for i in range(0, len(steps), 2))


def card(view: DisputeView, rules: DisputeRules, tz: tzinfo, now: datetime) -> str:
    """The dispute card: state, order, claim, timeline with time left, offers, what to do."""
    d, order = view.dispute, view.order
    line = timeline(d.opened_at, rules)
    day = day_number(d.opened_at, now)
    head = (
        f"⚖️ <b>Dispute</b> · order <code>{escape(d.order_id)}</code> · "
        f"<b>{STATE_LABELS[d.state]}</b>" + (f" (day {day})" if not d.state.terminal else "")
    )
    lines = [head]  # fmt: skip
    if order is not None:
        who = escape(order.buyer_name or "buyer", quote=False)
        item = escape(order.item_title or order.sku or "item", quote=False)
        lines.append(f"{who} · {item} · paid {order.total_paid}")
        if order.tracking_number:
            lines.append(f"Tracking: {escape(order.carrier, quote=False)} "
                         f"<code>{escape(order.tracking_number)}</code>")  # fmt: skip
    claim = [str(d.amount)] if d.amount else []
    if d.reason:
        claim.append(escape(d.reason, quote=False))
    if claim:
        lines.append("Claim: " + " — ".join(claim))
    lines += ["", f"<b>Timeline</b> (times in {escape(zone_name(tz))})"]
    lines.append(f"• opened {local(d.opened_at, tz)}")
    answered = f" — answered {local(d.responded_at, tz)}" if d.responded_at else ""
    lines.append(_mark(line.answer_by, now) + f" answer by {local(line.answer_by, tz)}{answered}")
    lines.append(_mark(line.window_opens, now) + f" negotiation {local(line.window_opens, tz)} → "
                 f"{local(line.window_closes, tz)}")  # fmt: skip
    lines.append(_mark(line.escalates_at, now) + f" escalation {local(line.escalates_at, tz)}")
    for label, at in (("agreed", d.agreed_at), ("escalated", d.escalated_at),
                      ("finished", d.finished_at)):  # fmt: skip
        if at is not None:
            lines.append(f"✔ {label} {local(at, tz)}")
    deadline = next_deadline(d, rules, now)
    if deadline is not None:
        lines.append(f"⏳ next: {deadline.label} — {time_left(deadline.at, now)}")
    if view.offers:
        lines += ["", "<b>Offers</b>"]
        for offer in view.offers[-8:]:
            lines.append(f"• {local(offer.at, tz)} {offer.party.value}: {offer_label(offer)} "
                         f"— {offer.status.value}")  # fmt: skip
    lines += ["", _best(view), "", advice(view, rules, tz)]
    return "\n".join(lines)


def _mark(at: datetime, now: datetime) -> str:
    return "✔" if at <= now else "•"


def reminder(
    row: StoredReminder, view: DisputeView, rules: DisputeRules, tz: tzinfo, now: datetime
) -> str:
    """The text of a due reminder: the edge, the deadline, what to do, the best offer."""
    d = view.dispute
    line = timeline(d.opened_at, rules)
    order = f"<code>{escape(d.order_id)}</code>"
    kind = edge_kind(row.edge)
    if kind is EdgeKind.ANSWER_DEADLINE:
        claim = f" (claim {d.amount})" if d.amount else ""
        head = (f"⏰ <b>Answer the dispute on order {order}</b> by {local(line.answer_by, tz)} "
                f"({time_left(line.answer_by, now)}). Accept, reject with evidence or "
                f"counter-offer; without an answer the platform executes the buyer's "
                f"request{claim}.")  # fmt: skip
    elif kind is EdgeKind.WINDOW_OPENS:
        head = (f"🤝 <b>Negotiation window open</b> for order {order} until "
                f"{local(line.window_closes, tz)} ({time_left(line.window_closes, now)}). "
                f"Offer the buyer a solution they can accept.")  # fmt: skip
    elif kind is EdgeKind.WINDOW_CLOSING:
        head = (f"⏳ <b>Negotiation window closes soon</b> for order {order}: "
                f"{time_left(line.window_closes, now)} (until "
                f"{local(line.window_closes, tz)}). Settle now if you can, or prepare "
                f"your evidence.")  # fmt: skip
    elif kind is EdgeKind.LAST_DAY:
        head = (f"⚠️ <b>Last day to agree</b> on order {order}: the window closes "
                f"{local(line.window_closes, tz)} ({time_left(line.window_closes, now)}); "
                f"then the platform rules.")  # fmt: skip
    elif kind is EdgeKind.ESCALATION:
        head = (
            f"🏛 <b>Escalated to the platform</b>: no agreement on order {order} by day "
            f"{rules.escalation_day}. Send the platform the evidence: "
            f"<code>parley dispute export {escape(d.order_id)} --format html</code>."
        )
    else:
        head = (f"📦 <b>Return shipping time is over</b> for order {order}: the buyer had "
                f"{rules.return_shipping_days} days. Check the return's tracking; if nothing "
                f"was shipped, tell the platform.")  # fmt: skip
    lines = [head]
    if now - row.due_at > LATE_NOTE_AFTER:
        lines.append(f"<i>(due {local(row.due_at, tz)}; sent late because Parley was not "
                     f"running then)</i>")  # fmt: skip
    lines += [_best(view), f"Card and buttons: <code>/dispute {escape(d.order_id)}</code>"]
    return "\n".join(lines)


def listing(
    views: list[DisputeView],
    rules: DisputeRules,
    tz: tzinfo,
    now: datetime,
    limit: int | None = LISTING_LIMIT,
) -> str:
    """``/disputes``: open disputes, nearest deadline first, with time left (at most
    ``limit`` characters of lines; None for no limit)."""
    if not views:
        return "⚖️ No open disputes."

    def key(view: DisputeView) -> tuple[int, datetime]:
        deadline = next_deadline(view.dispute, rules, now)
        return (0, deadline.at) if deadline else (1, view.dispute.opened_at)

    lines = [f"⚖️ <b>Open disputes</b> ({len(views)}), nearest deadline first "
             f"(times in {escape(zone_name(tz))})"]  # fmt: skip
    ordered = sorted(views, key=key)
    size = sum(len(line) for line in lines)
    for number, view in enumerate(ordered, 1):
        d = view.dispute
        deadline = next_deadline(d, rules, now)
        due = (f"{deadline.label} {local(deadline.at, tz)} — {time_left(deadline.at, now)}"
               if deadline else "no deadline of yours")  # fmt: skip
        line = (f"{number}. <code>{escape(d.order_id)}</code> · {STATE_LABELS[d.state]} · day "
                f"{day_number(d.opened_at, now)} · {due} · best: "
                f"{offer_label(best_offer(view.offers))}")  # fmt: skip
        if limit is not None and size + len(line) > limit:
            lines.append(f"… and {len(ordered) - number + 1} more (parley dispute list)")
            break
        lines.append(line)
        size += len(line) + 1
    lines.append("\nOpen one with <code>/dispute ORDER_ID</code>.")
    return "\n".join(lines)
