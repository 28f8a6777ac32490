"""Disputes, their transitions, offers, answers and reminder rows; the read models of the
seller metrics. Implements ``DisputeRepository`` from :mod:`bot.domain.ports`.

Every time written here is converted to UTC first, so ISO strings compare in time order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import aiosqlite

from bot.domain.disputes import (
    Answer,
    AnswerKind,
    ChoiceRecord,
    Dispute,
    DisputeEvent,
    DisputeLogEntry,
    DisputeState,
    Offer,
    OfferStatus,
    Party,
    StoredReminder,
    TranscriptLine,
)
from bot.domain.metrics import ConversationRecord, DisputeRecord, MetricData, OrderRecord
from bot.domain.models import Direction
from bot.domain.money import Money
from bot.storage.base import Repo, dt, ts

_STAMP = {
    DisputeState.RESPONDED: "responded_at",
    DisputeState.AGREED: "agreed_at",
    DisputeState.ESCALATED: "escalated_at",
}


def _req(value: str) -> datetime:
    parsed = dt(value)
    assert parsed is not None
    return parsed


def _money(amount: str | None, currency: str | None) -> Money | None:
    return Money(Decimal(amount), currency) if amount is not None and currency else None


class DisputeRepo(Repo):
    """Disputes bound to one open transaction."""

    # --- disputes ---------------------------------------------------------------------------
    async def create(
        self,
        order_id: str,
        opened_at: datetime,
        source: str,
        amount: Money | None,
        reason: str,
        conversation_id: int | None,
        cause: str,
        now: datetime,
    ) -> Dispute:
        """Store a new dispute in state ``opened`` and log its opening."""
        dispute_id = await self._insert(
            """INSERT INTO disputes (order_id, state, source, opened_at, amount, currency, reason,
               conversation_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
            order_id, DisputeState.OPENED.value, source, ts(opened_at),
            str(amount.amount) if amount else None, amount.currency if amount else None,
            reason, conversation_id, ts(now), ts(now),
        )  # fmt: skip
        await self._log(dispute_id, opened_at, DisputeEvent.OPEN, None, DisputeState.OPENED, cause)
        dispute = await self.get(dispute_id)
        assert dispute is not None
        return dispute

    async def get(self, dispute_id: int) -> Dispute | None:
        """A dispute by id."""
        row = await self._one("SELECT * FROM disputes WHERE id=?", dispute_id)
        return _dispute(row) if row else None

    async def active_for(self, order_id: str) -> Dispute | None:
        """The order's dispute that is not finished, if any (there is at most one)."""
        row = await self._one(
            "SELECT * FROM disputes WHERE order_id=? AND finished_at IS NULL", order_id
        )
        return _dispute(row) if row else None

    async def latest_for(self, order_id: str) -> Dispute | None:
        """The order's most recent dispute, finished or not."""
        row = await self._one(
            "SELECT * FROM disputes WHERE order_id=? ORDER BY opened_at DESC, id DESC LIMIT 1",
            order_id,
        )
        return _dispute(row) if row else None

    async def active(self) -> list[Dispute]:
        """Every dispute not finished yet, oldest first."""
        rows = await self._all(
            "SELECT * FROM disputes WHERE finished_at IS NULL ORDER BY opened_at, id"
        )
        return [_dispute(r) for r in rows]

    async def record(
        self,
        dispute_id: int,
        event: DisputeEvent,
        from_state: DisputeState,
        to_state: DisputeState,
        cause: str,
        at: datetime,
        note: str = "",
    ) -> bool:
        """Move the dispute from ``from_state`` to ``to_state`` and log it; False (and nothing
        written) if the dispute was no longer in ``from_state``."""
        sets, args = ["state=?", "updated_at=?"], [to_state.value, ts(at)]
        if to_state in _STAMP:
            sets.append(f"{_STAMP[to_state]}=COALESCE({_STAMP[to_state]}, ?)")
            args.append(ts(at))
        if to_state.terminal:
            sets.append("finished_at=?")
            args.append(ts(at))
        cursor = await self.conn.execute(
            f"UPDATE disputes SET {', '.join(sets)} WHERE id=? AND state=?",
            (*args, dispute_id, from_state.value),
        )
        if cursor.rowcount != 1:
            return False
        await self._log(dispute_id, at, event, from_state, to_state, cause, note)
        return True

    async def _log(
        self,
        dispute_id: int,
        at: datetime,
        event: DisputeEvent,
        from_state: DisputeState | None,
        to_state: DisputeState,
        cause: str,
        note: str = "",
    ) -> None:
        await self.conn.execute(
            """INSERT INTO dispute_events (dispute_id, at, event, from_state, to_state, cause,
               note) VALUES (?,?,?,?,?,?,?)""",
            (dispute_id, ts(at), event.value, from_state.value if from_state else None,
             to_state.value, cause, note),
        )  # fmt: skip

    async def events(self, dispute_id: int) -> list[DisputeLogEntry]:
        """Every transition of a dispute, oldest first."""
        rows = await self._all(
            "SELECT * FROM dispute_events WHERE dispute_id=? ORDER BY id", dispute_id
        )
        return [
            DisputeLogEntry(
                at=_req(r["at"]),
                event=DisputeEvent(r["event"]),
                from_state=DisputeState(r["from_state"]) if r["from_state"] else None,
                to_state=DisputeState(r["to_state"]),
                cause=r["cause"],
                note=r["note"],
            )
            for r in rows
        ]

    # --- offers and answers -----------------------------------------------------------------
    async def add_offer(
        self,
        dispute_id: int,
        party: Party,
        kind: str,
        amount: Money | None,
        note: str,
        source: str,
        at: datetime,
    ) -> Offer:
        """Record an offer (open)."""
        offer_id = await self._insert(
            """INSERT INTO dispute_offers (dispute_id, at, party, kind, amount, currency, note,
               source, status) VALUES (?,?,?,?,?,?,?,?,'open')""",
            dispute_id, ts(at), party.value, kind, str(amount.amount) if amount else None,
            amount.currency if amount else None, note, source,
        )  # fmt: skip
        return Offer(offer_id, dispute_id, at.astimezone(UTC), party, kind, amount, note, source)

    async def offers(self, dispute_id: int) -> list[Offer]:
        """Every offer of a dispute, oldest first."""
        rows = await self._all(
            "SELECT * FROM dispute_offers WHERE dispute_id=? ORDER BY id", dispute_id
        )
        return [
            Offer(
                id=r["id"],
                dispute_id=r["dispute_id"],
                at=_req(r["at"]),
                party=Party(r["party"]),
                kind=r["kind"],
                amount=_money(r["amount"], r["currency"]),
                note=r["note"],
                source=r["source"],
                status=OfferStatus(r["status"]),
            )
            for r in rows
        ]

    async def set_offer_status(self, offer_id: int, status: OfferStatus) -> None:
        """Mark an offer accepted or rejected."""
        await self.conn.execute(
            "UPDATE dispute_offers SET status=? WHERE id=?", (status.value, offer_id)
        )

    async def add_answer(
        self,
        dispute_id: int,
        offer_id: int | None,
        answer: AnswerKind,
        text: str,
        source: str,
        at: datetime,
    ) -> Answer:
        """Record the buyer's answer."""
        answer_id = await self._insert(
            """INSERT INTO dispute_answers (dispute_id, offer_id, at, answer, text, source)
               VALUES (?,?,?,?,?,?)""",
            dispute_id, offer_id, ts(at), answer.value, text, source,
        )  # fmt: skip
        return Answer(answer_id, dispute_id, offer_id, at.astimezone(UTC), answer, text, source)

    async def answers(self, dispute_id: int) -> list[Answer]:
        """Every answer of the buyer, oldest first."""
        rows = await self._all(
            "SELECT * FROM dispute_answers WHERE dispute_id=? ORDER BY id", dispute_id
        )
        return [
            Answer(r["id"], r["dispute_id"], r["offer_id"], _req(r["at"]),
                   AnswerKind(r["answer"]), r["text"], r["source"])
            for r in rows
        ]  # fmt: skip

    # --- reminders --------------------------------------------------------------------------
    async def plan_reminder(
        self,
        dispute_id: int,
        edge: str,
        due_at: datetime,
        status: str = "pending",
        note: str = "",
        now: datetime | None = None,
    ) -> bool:
        """Store a reminder row unless the dispute already has one for ``edge``."""
        cursor = await self.conn.execute(
            """INSERT OR IGNORE INTO dispute_reminders (dispute_id, edge, due_at, status,
               done_at, note) VALUES (?,?,?,?,?,?)""",
            (dispute_id, edge, ts(due_at), status, ts(now) if status != "pending" else None,
             note),
        )  # fmt: skip
        return cursor.rowcount == 1

    async def reminders(self, dispute_id: int) -> list[StoredReminder]:
        """Every reminder row of a dispute in firing order."""
        rows = await self._all(
            "SELECT * FROM dispute_reminders WHERE dispute_id=? ORDER BY due_at, id", dispute_id
        )
        return [_reminder(r) for r in rows]

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[StoredReminder]:
        """Pending reminders whose time has come, oldest first (an index scan)."""
        rows = await self._all(
            """SELECT * FROM dispute_reminders WHERE status='pending' AND due_at<=?
               ORDER BY due_at, id LIMIT ?""",
            ts(now), limit,
        )  # fmt: skip
        return [_reminder(r) for r in rows]

    async def finish_reminder(
        self, reminder_id: int, status: str, now: datetime, note: str = ""
    ) -> bool:
        """Mark a pending reminder ``sent`` or ``skipped``; False if it was not pending."""
        cursor = await self.conn.execute(
            """UPDATE dispute_reminders SET status=?, done_at=?, note=?
               WHERE id=? AND status='pending'""",
            (status, ts(now), note, reminder_id),
        )
        return cursor.rowcount == 1

    # --- evidence ---------------------------------------------------------------------------
    async def transcript(self, order_id: str) -> list[TranscriptLine]:
        """Every stored message of every conversation about the order, in order."""
        rows = await self._all(
            """SELECT m.* FROM messages m JOIN conversations c ON c.id=m.conversation_id
               WHERE c.order_id=? ORDER BY m.created_at, m.id""",
            order_id,
        )
        return [
            TranscriptLine(_req(r["created_at"]), Direction(r["direction"]), r["kind"], r["text"],
                           r["intent"])
            for r in rows
        ]  # fmt: skip

    async def choices(self, order_id: str) -> list[ChoiceRecord]:
        """Options the buyer chose on replies about the order."""
        rows = await self._all(
            """SELECT ch.chosen_at, ch.action_status, o.kind, o.amount, o.currency
               FROM choices ch JOIN drafts d ON d.id=ch.draft_id
               JOIN draft_options o ON o.draft_id=ch.draft_id AND o.idx=ch.option_idx
               JOIN conversations c ON c.id=d.conversation_id
               WHERE c.order_id=? ORDER BY ch.chosen_at, ch.id""",
            order_id,
        )
        return [
            ChoiceRecord(_req(r["chosen_at"]), r["kind"], _money(r["amount"], r["currency"]),
                         r["action_status"])
            for r in rows
        ]  # fmt: skip

    async def first_message_at(self, conversation_id: int, intent: str) -> datetime | None:
        """When the buyer first wrote with ``intent`` in the conversation."""
        row = await self._one(
            """SELECT MIN(created_at) AS at FROM messages WHERE conversation_id=?
               AND direction='in' AND intent=?""",
            conversation_id, intent,
        )  # fmt: skip
        return dt(row["at"]) if row else None

    # --- metrics ----------------------------------------------------------------------------
    async def metric_data(self, since: datetime) -> MetricData:
        """Orders, conversations and disputes for the metrics (conversations and disputes
        opened after ``since``; all orders, whose times may carry any offset)."""
        refunded = {
            r["order_id"]
            for r in await self._all(
                """SELECT DISTINCT c.order_id FROM choices ch JOIN drafts d ON d.id=ch.draft_id
                   JOIN draft_options o ON o.draft_id=ch.draft_id AND o.idx=ch.option_idx
                   JOIN conversations c ON c.id=d.conversation_id
                   WHERE ch.action_status='done' AND o.kind LIKE '%refund%'
                   AND c.order_id IS NOT NULL"""
            )
        }
        orders = []
        for r in await self._all("SELECT order_id, status, paid_at, shipped_at FROM orders"):
            shipped = dt(r["shipped_at"])
            if shipped is None and r["status"] in ("shipped", "delivered", "completed",
                                                   "refunded"):  # fmt: skip
                shipped = dt(r["paid_at"])
            orders.append(OrderRecord(
                r["order_id"], shipped.astimezone(UTC) if shipped else None,
                r["status"] == "refunded" or r["order_id"] in refunded,
            ))  # fmt: skip
        conversations = [
            ConversationRecord(
                order_id=r["order_id"],
                intent=r["intent"],
                opened_at=_req(r["opened_at"]),
                intents=frozenset(filter(None, (r["intents"] or "").split(","))),
                first_in_at=dt(r["first_in"]),
                first_reply_at=dt(r["first_reply"]),
                resolved_at=dt(r["closed_at"]) if r["status"] == "resolved" else None,
            )
            for r in await self._all(
                """SELECT c.id, c.order_id, c.intent, c.opened_at, c.status, c.closed_at,
                   f.first_in,
                   (SELECT MIN(o.created_at) FROM messages o WHERE o.conversation_id=c.id
                    AND o.direction='out' AND o.created_at>=f.first_in) AS first_reply,
                   (SELECT GROUP_CONCAT(DISTINCT i.intent) FROM messages i
                    WHERE i.conversation_id=c.id AND i.intent IS NOT NULL) AS intents
                   FROM conversations c LEFT JOIN (
                       SELECT conversation_id, MIN(created_at) AS first_in FROM messages
                       WHERE direction='in' GROUP BY conversation_id
                   ) f ON f.conversation_id=c.id
                   WHERE c.opened_at>=?""",
                ts(since),
            )
        ]
        disputes = [
            DisputeRecord(r["order_id"], _req(r["opened_at"]), DisputeState(r["state"]),
                          dt(r["agreed_at"]), dt(r["escalated_at"]), dt(r["finished_at"]))
            for r in await self._all("SELECT * FROM disputes WHERE opened_at>=?", ts(since))
        ]  # fmt: skip
        return MetricData(tuple(orders), tuple(conversations), tuple(disputes))

    async def alert(self, name: str) -> bool | None:
        """Whether the named metric was above its threshold at the last check (None: never)."""
        row = await self._one("SELECT above FROM metric_alerts WHERE name=?", name)
        return bool(row["above"]) if row else None

    async def set_alert(self, name: str, above: bool, value: float | None, now: datetime) -> None:
        """Remember the named metric's side of its threshold."""
        await self.conn.execute(
            """INSERT INTO metric_alerts VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE SET
               above=excluded.above, value=excluded.value, changed_at=excluded.changed_at""",
            (name, int(above), value, ts(now)),
        )


def _dispute(row: aiosqlite.Row) -> Dispute:
    return Dispute(
        id=row["id"],
        order_id=row["order_id"],
        state=DisputeState(row["state"]),
        opened_at=_req(row["opened_at"]),
        source=row["source"],
        amount=_money(row["amount"], row["currency"]),
        reason=row["reason"],
        conversation_id=row["conversation_id"],
        responded_at=dt(row["responded_at"]),
        agreed_at=dt(row["agreed_at"]),
        escalated_at=dt(row["escalated_at"]),
        finished_at=dt(row["finished_at"]),
    )


def _reminder(row: aiosqlite.Row) -> StoredReminder:
    return StoredReminder(
        id=row["id"],
        dispute_id=row["dispute_id"],
        edge=row["edge"],
        due_at=_req(row["due_at"]),
        status=row["status"],
        done_at=dt(row["done_at"]),
        note=row["note"],
    )
