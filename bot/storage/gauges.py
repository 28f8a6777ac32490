"""Counts for ``/metrics``: read at scrape time, straight from the rows that are the truth."""

from __future__ import annotations

from datetime import datetime

from bot.domain.ports import GaugeSnapshot
from bot.storage.base import Repo, dt


class GaugeRepo(Repo):
    """A handful of ``GROUP BY`` counts over indexed columns."""

    async def snapshot(self, now: datetime, seller_chats: frozenset[int]) -> GaugeSnapshot:
        """Outbox depth and age per kind, follow-ups per status, open disputes, buyer messages
        per intent, inbox updates per status."""
        depth: dict[str, int] = {"buyer": 0, "seller": 0}
        age: dict[str, float] = {"buyer": 0.0, "seller": 0.0}
        for r in await self._all(
            """SELECT chat_id, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
               WHERE status='pending' GROUP BY chat_id"""
        ):
            kind = "seller" if r["chat_id"] in seller_chats or r["chat_id"] < 0 else "buyer"
            depth[kind] += int(r["n"])
            oldest = dt(r["oldest"])
            if oldest is not None:
                age[kind] = max(age[kind], (now - oldest).total_seconds())
        followups = {
            str(r["status"]): int(r["n"])
            for r in await self._all("SELECT status, COUNT(*) AS n FROM followups GROUP BY status")
        }
        row = await self._one("SELECT COUNT(*) AS n FROM disputes WHERE finished_at IS NULL")
        disputes = int(row["n"]) if row else 0
        intents = {
            str(r["intent"]): int(r["n"])
            for r in await self._all(
                """SELECT intent, COUNT(*) AS n FROM messages WHERE direction='in'
                   AND intent IS NOT NULL GROUP BY intent"""
            )
        }
        inbox = {
            str(r["status"]): int(r["n"])
            for r in await self._all("SELECT status, COUNT(*) AS n FROM inbox GROUP BY status")
        }
        return GaugeSnapshot(depth, age, followups, disputes, intents, inbox)
