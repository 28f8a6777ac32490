"""Disputes, their transitions, offers, answers and reminder rows: implements
``DisputeRepository`` (its evidence and metric reads are in
:mod:`bot.storage.sql.evidence`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.disputes import (
    Answer,
    AnswerKind,
    Dispute,
    DisputeEvent,
    DisputeLogEntry,
    DisputeState,
    Offer,
    OfferStatus,
    Party,
    StoredReminder,
)
from bot.domain.money import Money
from bot.storage.sql.evidence import EvidenceReads, money
from bot.storage.sql.tables import (
    dispute_answers,
    dispute_events,
    dispute_offers,
    dispute_reminders,
    disputes,
)
from bot.storage.sql.types import Stamp

_STAMP = {
    DisputeState.RESPONDED: "responded_at",
    DisputeState.AGREED: "agreed_at",
    DisputeState.ESCALATED: "escalated_at",
}
_DI, _R = disputes.c, dispute_reminders.c


def _amount(value: Money | None) -> dict[str, str | None]:
    return {
        "amount": str(value.amount) if value else None,
        "currency": value.currency if value else None,
    }


class DisputeRepo(EvidenceReads):
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
            sa.insert(disputes).values(
                order_id=order_id,
                state=DisputeState.OPENED.value,
                source=source,
                opened_at=opened_at,
                reason=reason,
                conversation_id=conversation_id,
                created_at=now,
                updated_at=now,
                **_amount(amount),
            )
        )
        await self._log(dispute_id, opened_at, DisputeEvent.OPEN, None, DisputeState.OPENED, cause)
        dispute = await self.get(dispute_id)
        assert dispute is not None
        return dispute

    async def get(self, dispute_id: int) -> Dispute | None:
        """A dispute by id."""
        row = await self._one(sa.select(disputes).where(_DI.id == dispute_id))
        return _dispute(row) if row else None

    async def active_for(self, order_id: str) -> Dispute | None:
        """The order's dispute that is not finished, if any (there is at most one)."""
        row = await self._one(
            sa.select(disputes).where(_DI.order_id == order_id, _DI.finished_at.is_(None))
        )
        return _dispute(row) if row else None

    async def latest_for(self, order_id: str) -> Dispute | None:
        """The order's most recent dispute, finished or not."""
        row = await self._one(
            sa.select(disputes)
            .where(_DI.order_id == order_id)
            .order_by(_DI.opened_at.desc(), _DI.id.desc())
            .limit(1)
        )
        return _dispute(row) if row else None

    async def active(self) -> list[Dispute]:
        """Every dispute not finished yet, oldest first."""
        rows = await self._all(
            sa.select(disputes).where(_DI.finished_at.is_(None)).order_by(_DI.opened_at, _DI.id)
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
        values: dict[str, Any] = {"state": to_state.value, "updated_at": at}
        if to_state in _STAMP:
            column = _DI[_STAMP[to_state]]
            values[column.name] = sa.func.coalesce(column, sa.literal(at, Stamp()))
        if to_state.terminal:
            values["finished_at"] = at
        moved = await self._count(
            sa.update(disputes)
            .where(_DI.id == dispute_id, _DI.state == from_state.value)
            .values(values)
        )
        if moved != 1:
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
            sa.insert(dispute_events).values(
                dispute_id=dispute_id,
                at=at,
                event=event.value,
                from_state=from_state.value if from_state else None,
                to_state=to_state.value,
                cause=cause,
                note=note,
            )
        )

    async def events(self, dispute_id: int) -> list[DisputeLogEntry]:
        """Every transition of a dispute, oldest first."""
        rows = await self._all(
            sa.select(dispute_events)
            .where(dispute_events.c.dispute_id == dispute_id)
            .order_by(dispute_events.c.id)
        )
        return [
            DisputeLogEntry(
                at=r.at,
                event=DisputeEvent(r.event),
                from_state=DisputeState(r.from_state) if r.from_state else None,
                to_state=DisputeState(r.to_state),
                cause=r.cause,
                note=r.note,
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
            sa.insert(dispute_offers).values(
                dispute_id=dispute_id,
                at=at,
                party=party.value,
                kind=kind,
                note=note,
                source=source,
                status="open",
                **_amount(amount),
            )
        )
        return Offer(offer_id, dispute_id, at.astimezone(UTC), party, kind, amount, note, source)

    async def offers(self, dispute_id: int) -> list[Offer]:
        """Every offer of a dispute, oldest first."""
        rows = await self._all(
            sa.select(dispute_offers)
            .where(dispute_offers.c.dispute_id == dispute_id)
            .order_by(dispute_offers.c.id)
        )
        return [
            Offer(
                id=r.id,
                dispute_id=r.dispute_id,
                at=r.at,
                party=Party(r.party),
                kind=r.kind,
                amount=money(r.amount, r.currency),
                note=r.note,
                source=r.source,
                status=OfferStatus(r.status),
            )
            for r in rows
        ]

    async def set_offer_status(self, offer_id: int, status: OfferStatus) -> None:
        """Mark an offer accepted or rejected."""
        await self.conn.execute(
            sa.update(dispute_offers)
            .where(dispute_offers.c.id == offer_id)
            .values(status=status.value)
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
            sa.insert(dispute_answers).values(
                dispute_id=dispute_id,
                offer_id=offer_id,
                at=at,
                answer=answer.value,
                text=text,
                source=source,
            )
        )
        return Answer(answer_id, dispute_id, offer_id, at.astimezone(UTC), answer, text, source)

    async def answers(self, dispute_id: int) -> list[Answer]:
        """Every answer of the buyer, oldest first."""
        rows = await self._all(
            sa.select(dispute_answers)
            .where(dispute_answers.c.dispute_id == dispute_id)
            .order_by(dispute_answers.c.id)
        )
        return [
            Answer(r.id, r.dispute_id, r.offer_id, r.at, AnswerKind(r.answer), r.text, r.source)
            for r in rows
        ]

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
        return (
            await self._count(
                self._upsert(dispute_reminders)
                .values(
                    dispute_id=dispute_id,
                    edge=edge,
                    due_at=due_at,
                    status=status,
                    done_at=now if status != "pending" else None,
                    note=note,
                )
                .on_conflict_do_nothing(index_elements=[_R.dispute_id, _R.edge])
            )
            == 1
        )

    async def reminders(self, dispute_id: int) -> list[StoredReminder]:
        """Every reminder row of a dispute in firing order."""
        rows = await self._all(
            sa.select(dispute_reminders)
            .where(_R.dispute_id == dispute_id)
            .order_by(_R.due_at, _R.id)
        )
        return [_reminder(r) for r in rows]

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[StoredReminder]:
        """Pending reminders whose time has come, oldest first (an index scan; on PostgreSQL
        rows another transaction holds are skipped)."""
        stmt = (
            sa.select(dispute_reminders)
            .where(_R.status == "pending", _R.due_at <= now)
            .order_by(_R.due_at, _R.id)
            .limit(limit)
        )
        return [_reminder(r) for r in await self._all(self._claim(stmt))]

    async def finish_reminder(
        self, reminder_id: int, status: str, now: datetime, note: str = ""
    ) -> bool:
        """Mark a pending reminder ``sent`` or ``skipped``; False if it was not pending."""
        return (
            await self._count(
                sa.update(dispute_reminders)
                .where(_R.id == reminder_id, _R.status == "pending")
                .values(status=status, done_at=now, note=note)
            )
            == 1
        )


def _dispute(row: Row[Any]) -> Dispute:
    return Dispute(
        id=row.id,
        order_id=row.order_id,
        state=DisputeState(row.state),
        opened_at=row.opened_at,
        source=row.source,
        amount=money(row.amount, row.currency),
        reason=row.reason,
        conversation_id=row.conversation_id,
        responded_at=row.responded_at,
        agreed_at=row.agreed_at,
        escalated_at=row.escalated_at,
        finished_at=row.finished_at,
    )


def _reminder(row: Row[Any]) -> StoredReminder:
    return StoredReminder(
        id=row.id,
        dispute_id=row.dispute_id,
        edge=row.edge,
        due_at=row.due_at,
        status=row.status,
        done_at=row.done_at,
        note=row.note,
    )
