"""The evidence summary a seller gives the platform: order, tracking, the full conversation,
offers, the buyer's answers and choices, and the dispute's timeline.

Pure rendering (records in, text out) to a standalone HTML page or to Markdown. Every stored
value is escaped: buyer text can neither inject markup into the page nor break the Markdown.
Messages Parley sent are stored as Telegram HTML and shown as plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.domain.disputes import (
    Answer,
    ChoiceRecord,
    Dispute,
    DisputeLogEntry,
    DisputeRules,
    Offer,
    StoredReminder,
    TranscriptLine,
    protection_ends,
    timeline,
)
from bot.domain.models import Direction, MessageKind, Order

FORMATS = ("html", "md")
_TAG = re.compile(r"<[^>]+>")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")
_MD_BLOCK = re.compile(r"^(\s*)([#+=-])", re.MULTILINE)
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


@dataclass(frozen=True)
class Evidence:
    """Everything Parley knows about a disputed order."""

    dispute: Dispute
    order: Order | None
    events: Sequence[DisputeLogEntry]
    offers: Sequence[Offer]
    answers: Sequence[Answer]
    choices: Sequence[ChoiceRecord]
    transcript: Sequence[TranscriptLine]
    reminders: Sequence[StoredReminder]
    generated_at: datetime
    rules: DisputeRules


Table = tuple[str, list[str], list[list[str]]]  # title, header, rows (plain text cells)


def _when(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z").strip() if value else "—"


def _message_text(line: TranscriptLine) -> str:
    if line.direction == Direction.OUT:
        return html.unescape(_TAG.sub("", line.text))
    return line.text


def _sections(ev: Evidence, tz: tzinfo) -> tuple[list[tuple[str, str]], list[Table]]:
    d, o = ev.dispute, ev.order
    facts: list[tuple[str, str]] = []
    if o is not None:
        facts += [
            ("Order", o.order_id),
            ("Item", " ".join(filter(None, (o.item_title, f"({o.sku})" if o.sku else ""))) or "—"),
            ("Quantity", str(o.quantity)), ("Paid", f"{o.total_paid} on {_when(o.paid_at, tz)}"),
            ("Order status", o.status.value), ("Buyer", o.buyer_name or "—"),
            ("Buyer country", o.buyer_country or "—"),
            ("Carrier", o.carrier or "—"), ("Tracking number", o.tracking_number or "—"),
            ("Shipped", _when(o.shipped_at, tz)),
            ("Promised delivery", _when(o.promised_delivery_by, tz)),
            ("Delivered", _when(o.delivered_at, tz)),
            ("Buyer protection ends",
             _when(protection_ends(o.shipped_at, o.paid_at, ev.rules), tz)),
        ]  # fmt: skip
    else:
        facts.append(("Order", f"{d.order_id} (not in Parley's order data)"))
    line = timeline(d.opened_at, ev.rules)
    facts += [
        ("Dispute state", d.state.value.replace("_", " ")),
        ("Dispute opened", f"{_when(d.opened_at, tz)} (recorded from: {d.source})"),
        ("Claimed amount", str(d.amount) if d.amount else "—"),
        ("Reason", d.reason or "—"),
        ("Answer deadline", _when(line.answer_by, tz)),
        ("Negotiation window", f"{_when(line.window_opens, tz)} → {_when(line.window_closes, tz)}"),
        ("Escalation", _when(line.escalates_at, tz)),
    ]  # fmt: skip
    tables: list[Table] = [
        ("Timeline", ["When", "Step", "From → to", "Cause", "Note"], [
            [_when(e.at, tz), e.event.value,
             f"{e.from_state.value if e.from_state else '—'} → {e.to_state.value}",
             e.cause, e.note]
            for e in ev.events
        ]),
        ("Offers", ["When", "By", "Offer", "Amount", "Note", "Status"], [
            [_when(x.at, tz), x.party.value, x.kind.replace("_", " "),
             str(x.amount) if x.amount else "—", x.note, x.status.value]
            for x in ev.offers
        ]),
        ("Buyer's answers", ["When", "Answer", "To offer", "Words"], [
            [_when(a.at, tz), a.answer.value, f"#{a.offer_id}" if a.offer_id else "—", a.text]
            for a in ev.answers
        ]),
        ("Buyer's choices on Parley's replies", ["When", "Option", "Amount", "Done"], [
            [_when(c.at, tz), c.kind.replace("_", " "), str(c.amount) if c.amount else "—",
             c.action_status]
            for c in ev.choices
        ]),
        ("Reminders to the seller", ["Due", "Reminder", "Status"], [
            [_when(r.due_at, tz), r.edge.replace("_", " "), r.status] for r in ev.reminders
        ]),
    ]  # fmt: skip
    return facts, tables


def _who(line: TranscriptLine) -> str:
    return "Buyer" if line.direction == Direction.IN else "Seller (via Parley)"


def render_html(ev: Evidence, tz: tzinfo) -> str:
    """A standalone HTML page; every value is HTML-escaped."""

    def e(value: str) -> str:
        return html.escape(value, quote=True)

    facts, tables = _sections(ev, tz)
    title = f"Evidence summary — dispute on order {ev.dispute.order_id}"
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
        "td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
        ".in{background:#f4f8ff}.out{background:#f6fff4}.msg{white-space:pre-wrap}</style>",
        "</head><body>", f"<h1>{e(title)}</h1>",
        f"<p>Generated {e(_when(ev.generated_at, tz))} by Parley.</p>",
        "<h2>Order, tracking and dispute</h2>", "<table>",
        *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts),
        "</table>",
    ]  # fmt: skip
    for name, header, rows in tables:
        out.append(f"<h2>{e(name)}</h2>")
        if not rows:
            out.append("<p>None recorded.</p>")
            continue
        out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
        out.append("</table>")
    out.append("<h2>Conversation</h2>")
    if not ev.transcript:
        out.append("<p>No messages recorded.</p>")
    else:
        out.append("<table><tr><th>When</th><th>From</th><th>Message</th></tr>")
        for line in ev.transcript:
            kind = "" if line.kind == MessageKind.TEXT else f"[{line.kind}] "
            side = Direction.IN if line.direction == Direction.IN else Direction.OUT
            out.append(
                f'<tr class="{side}">'
                f"<td>{e(_when(line.at, tz))}</td><td>{e(_who(line))}</td>"
                f'<td class="msg">{e(kind + _message_text(line))}</td></tr>'
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def md_escape(value: str) -> str:
    """Backslash-escape Markdown punctuation (and block markers at a line's start) so the
    text shows literally."""
    escaped = _MD_SPECIAL.sub(r"\\\1", value)
    escaped = _MD_BLOCK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)
    return _MD_NUMBERED.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def _cell(value: str) -> str:
    return md_escape(value).replace("\r", "").replace("\n", "<br>") or " "


def render_markdown(ev: Evidence, tz: tzinfo) -> str:
    """Markdown (CommonMark + tables); every value is escaped."""
    facts, tables = _sections(ev, tz)
    out = [
        f"# Evidence summary — dispute on order {md_escape(ev.dispute.order_id)}", "",
        f"Generated {md_escape(_when(ev.generated_at, tz))} by Parley.", "",
        "## Order, tracking and dispute", "", "| | |", "|---|---|",
        *(f"| **{_cell(k)}** | {_cell(v)} |" for k, v in facts), "",
    ]  # fmt: skip
    for name, header, rows in tables:
        out += [f"## {md_escape(name)}", ""]
        if not rows:
            out += ["None recorded.", ""]
            continue
        out.append("| " + " | ".join(_cell(h) for h in header) + " |")
        out.append("|" + "---|" * len(header))
        out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        out.append("")
    out += ["## Conversation", ""]
    if not ev.transcript:
        out += ["No messages recorded.", ""]
    for line in ev.transcript:
        kind = "" if line.kind == MessageKind.TEXT else f" \\[{md_escape(line.kind)}\\]"
        out.append(f"**{md_escape(_when(line.at, tz))} — {md_escape(_who(line))}**{kind}")
        out += [f"> {md_escape(text)}" if text else ">"
                for text in _message_text(line).splitlines() or [""]]  # fmt: skip
        out.append("")
    return "\n".join(out)


def render(ev: Evidence, fmt: str, tz: tzinfo) -> str:
    """Render as ``html`` or ``md``."""
    if fmt == "html":
        return render_html(ev, tz)
    if fmt == "md":
        return render_markdown(ev, tz)
    raise ValueError(f"unknown format {fmt!r} (use {' or '.join(FORMATS)})")
