"""Counts for ``/metrics``: one snapshot per scrape."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.domain.business import is_business
from bot.domain.ports import GaugeSnapshot
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import disputes, followups, inbox, messages, outbox


class GaugeRepo(Repo):
    """A handful of ``GROUP BY`` counts over indexed columns."""

    async def snapshot(self, now: datetime, seller_chats: frozenset[int]) -> GaugeSnapshot:
        """Outbox depth and age per kind, follow-ups per status, open disputes, buyer messages
        per intent, inbox updates per status."""
        n = sa.func.count().label("n")
        depth: dict[str, int] = {"buyer": 0, "seller": 0}
        age: dict[str, float] = {"buyer": 0.0, "seller": 0.0}
        for r in await self._all(
            sa.select(outbox.c.chat_id, n, sa.func.min(outbox.c.created_at).label("oldest"))
            .where(outbox.c.status == "pending")
            .group_by(outbox.c.chat_id)
        ):
            console = r.chat_id < 0 and not is_business(r.chat_id)  # groups and team topics
            kind = "seller" if r.chat_id in seller_chats or console else "buyer"
            depth[kind] += int(r.n)
            if r.oldest is not None:
                age[kind] = max(age[kind], (now - r.oldest).total_seconds())
        followup_counts = {
            str(r.status): int(r.n)
            for r in await self._all(sa.select(followups.c.status, n).group_by(followups.c.status))
        }
        row = await self._one(
            sa.select(sa.func.count().label("n")).where(disputes.c.finished_at.is_(None))
        )
        open_disputes = int(row.n) if row else 0
        intents = {
            str(r.intent): int(r.n)
            for r in await self._all(
                sa.select(messages.c.intent, n)
                .where(messages.c.direction == "in", messages.c.intent.is_not(None))
                .group_by(messages.c.intent)
            )
        }
        updates = {
            str(r.status): int(r.n)
            for r in await self._all(sa.select(inbox.c.status, n).group_by(inbox.c.status))
        }
        return GaugeSnapshot(depth, age, followup_counts, open_disputes, intents, updates)
