"""Gauges: the counts ``/metrics`` reads at scrape time (:class:`GaugeRepository`,
:class:`GaugeSnapshot`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class GaugeSnapshot:
    """What ``/metrics`` reads from the database at scrape time."""

    outbox_depth: dict[str, int]  # pending rows by kind: "buyer" / "seller"
    outbox_age: dict[str, float]  # seconds the oldest pending row of each kind has waited
    followups: dict[str, int]  # follow-up rows by status
    open_disputes: int
    intents: dict[str, int]  # buyer messages by recognised intent
    inbox: dict[str, int]  # updates by status (pending / done / failed)


class GaugeRepository(Protocol):
    """Aggregate counts for monitoring; read-only."""

    async def snapshot(self, now: datetime, seller_chats: frozenset[int]) -> GaugeSnapshot:
        """Counts as of ``now``; rows to ``seller_chats`` (or any group) count as "seller"."""
        ...
