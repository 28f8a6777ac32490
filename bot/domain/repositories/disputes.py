"""Disputes: their transitions, offers, answers and timeline reminders, the evidence read
for them and the metric alerts (:class:`DisputeRepository`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

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
from bot.domain.metrics import MetricData
from bot.domain.money import Money


class DisputeRepository(Protocol):
    """Disputes, their transitions, offers and answers, and one reminder row per timeline edge
    (each fires once)."""

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
        ...

    async def get(self, dispute_id: int) -> Dispute | None:
        """A dispute by id."""
        ...

    async def active_for(self, order_id: str) -> Dispute | None:
        """The order's dispute that is not finished, if any (there is at most one)."""
        ...

    async def latest_for(self, order_id: str) -> Dispute | None:
        """The order's most recent dispute, finished or not."""
        ...

    async def active(self) -> list[Dispute]:
        """Every dispute not finished yet, oldest first."""
        ...

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
        ...

    async def events(self, dispute_id: int) -> list[DisputeLogEntry]:
        """Every transition of a dispute, oldest first."""
        ...

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
        ...

    async def offers(self, dispute_id: int) -> list[Offer]:
        """Every offer of a dispute, oldest first."""
        ...

    async def set_offer_status(self, offer_id: int, status: OfferStatus) -> None:
        """Mark an offer accepted or rejected."""
        ...

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
        ...

    async def answers(self, dispute_id: int) -> list[Answer]:
        """Every answer of the buyer, oldest first."""
        ...

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
        ...

    async def reminders(self, dispute_id: int) -> list[StoredReminder]:
        """Every reminder row of a dispute in firing order."""
        ...

    async def due_reminders(self, now: datetime, limit: int = 100) -> list[StoredReminder]:
        """Pending reminders whose time has come, oldest first (an index scan)."""
        ...

    async def finish_reminder(
        self, reminder_id: int, status: str, now: datetime, note: str = ""
    ) -> bool:
        """Mark a pending reminder ``sent`` or ``skipped``; False if it was not pending."""
        ...

    async def transcript(self, order_id: str) -> list[TranscriptLine]:
        """Every stored message of every conversation about the order, in order."""
        ...

    async def choices(self, order_id: str) -> list[ChoiceRecord]:
        """Options the buyer chose on replies about the order."""
        ...

    async def first_message_at(self, conversation_id: int, intent: str) -> datetime | None:
        """When the buyer first wrote with ``intent`` in the conversation."""
        ...

    async def metric_data(self, since: datetime) -> MetricData:
        """Orders, conversations and disputes for the metrics (conversations and disputes opened
        after ``since``; all orders, whose times may carry any offset)."""
        ...

    async def alert(self, name: str) -> bool | None:
        """Whether the named metric was above its threshold at the last check (None: never)."""
        ...

    async def set_alert(self, name: str, above: bool, value: float | None, now: datetime) -> None:
        """Remember the named metric's side of its threshold."""
        ...
