"""The dispute repository's reads over other aggregates — the evidence of a dispute (transcript,
choices) and the data of the seller metrics — and the metric alerts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from bot.domain.disputes import ChoiceRecord, DisputeState, TranscriptLine
from bot.domain.metrics import ConversationRecord, DisputeRecord, MetricData, OrderRecord
from bot.domain.models import Direction
from bot.domain.money import Money
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import (
    choices,
    conversations,
    draft_options,
    drafts,
    messages,
    metric_alerts,
    orders,
)
from bot.storage.sql.tables import disputes as disputes_table

_C, _M, _CH, _O = conversations.c, messages.c, choices.c, draft_options.c
_SHIPPED = ("shipped", "delivered", "completed", "refunded")


def money(amount: str | None, currency: str | None) -> Money | None:
    """Stored amount text and currency back as Money (None when either is missing)."""
    return Money(Decimal(amount), currency) if amount is not None and currency else None


def _chosen() -> sa.FromClause:
    """choices ⋈ drafts ⋈ the chosen option ⋈ conversations."""
    return (
        choices.join(drafts, drafts.c.id == _CH.draft_id)
        .join(draft_options, sa.and_(_O.draft_id == _CH.draft_id, _O.idx == _CH.option_idx))
        .join(conversations, _C.id == drafts.c.conversation_id)
    )


class EvidenceReads(Repo):
    """Reads for dispute evidence and the seller metrics; metric alert state."""

    async def transcript(self, order_id: str) -> list[TranscriptLine]:
        """Every stored message of every conversation about the order, in order."""
        rows = await self._all(
            sa.select(messages)
            .join(conversations, _C.id == _M.conversation_id)
            .where(_C.order_id == order_id)
            .order_by(_M.created_at, _M.id)
        )
        return [
            TranscriptLine(r.created_at, Direction(r.direction), r.kind, r.text, r.intent)
            for r in rows
        ]

    async def choices(self, order_id: str) -> list[ChoiceRecord]:
        """Options the buyer chose on replies about the order."""
        rows = await self._all(
            sa.select(_CH.chosen_at, _CH.action_status, _O.kind, _O.amount, _O.currency)
            .select_from(_chosen())
            .where(_C.order_id == order_id)
            .order_by(_CH.chosen_at, _CH.id)
        )
        return [
            ChoiceRecord(r.chosen_at, r.kind, money(r.amount, r.currency), r.action_status)
            for r in rows
        ]

    async def first_message_at(self, conversation_id: int, intent: str) -> datetime | None:
        """When the buyer first wrote with ``intent`` in the conversation."""
        row = await self._one(
            sa.select(sa.func.min(_M.created_at).label("at")).where(
                _M.conversation_id == conversation_id, _M.direction == "in", _M.intent == intent
            )
        )
        return row.at if row else None

    async def metric_data(self, since: datetime) -> MetricData:
        """Orders, conversations and disputes for the metrics (conversations and disputes
        opened after ``since``; all orders, whose times may carry any offset)."""
        refunded = {
            r.order_id
            for r in await self._all(
                sa.select(_C.order_id)
                .distinct()
                .select_from(_chosen())
                .where(
                    _CH.action_status == "done", _O.kind.like("%refund%"), _C.order_id.is_not(None)
                )
            )
        }
        order_records = []
        for r in await self._all(
            sa.select(orders.c.order_id, orders.c.status, orders.c.paid_at, orders.c.shipped_at)
        ):
            shipped = r.shipped_at
            if shipped is None and r.status in _SHIPPED:
                shipped = r.paid_at
            order_records.append(
                OrderRecord(
                    r.order_id,
                    shipped.astimezone(UTC) if shipped else None,
                    r.status == "refunded" or r.order_id in refunded,
                )
            )
        return MetricData(
            tuple(order_records),
            tuple(await self._conversation_records(since)),
            tuple(await self._dispute_records(since)),
        )

    async def _conversation_records(self, since: datetime) -> list[ConversationRecord]:
        first_in = (
            sa.select(_M.conversation_id, sa.func.min(_M.created_at).label("first_in"))
            .where(_M.direction == "in")
            .group_by(_M.conversation_id)
            .subquery("f")
        )
        out = messages.alias("o")
        first_reply = (
            sa.select(sa.func.min(out.c.created_at))
            .where(
                out.c.conversation_id == _C.id,
                out.c.direction == "out",
                out.c.created_at >= first_in.c.first_in,
            )
            .scalar_subquery()
        )
        rows = await self._all(
            sa.select(
                _C.id,
                _C.order_id,
                _C.intent,
                _C.opened_at,
                _C.status,
                _C.closed_at,
                _C.assignee_name,
                first_in.c.first_in,
                first_reply.label("first_reply"),
            )
            .select_from(conversations.outerjoin(first_in, first_in.c.conversation_id == _C.id))
            .where(_C.opened_at >= since)
        )
        intents: dict[int, set[str]] = defaultdict(set)
        for r in await self._all(  # GROUP_CONCAT(DISTINCT …) is not portable: a second read
            sa.select(_M.conversation_id, _M.intent)
            .distinct()
            .join(conversations, _C.id == _M.conversation_id)
            .where(_C.opened_at >= since, _M.intent.is_not(None))
        ):
            intents[int(r.conversation_id)].add(str(r.intent))
        return [
            ConversationRecord(
                order_id=r.order_id,
                intent=r.intent,
                opened_at=r.opened_at,
                intents=frozenset(intents.get(int(r.id), ())),
                first_in_at=r.first_in,
                first_reply_at=r.first_reply,
                resolved_at=r.closed_at if r.status == "resolved" else None,
                assignee=r.assignee_name,
            )
            for r in rows
        ]

    async def _dispute_records(self, since: datetime) -> list[DisputeRecord]:
        rows = await self._all(sa.select(disputes_table).where(disputes_table.c.opened_at >= since))
        return [
            DisputeRecord(
                r.order_id,
                r.opened_at,
                DisputeState(r.state),
                r.agreed_at,
                r.escalated_at,
                r.finished_at,
            )
            for r in rows
        ]

    async def alert(self, name: str) -> bool | None:
        """Whether the named metric was above its threshold at the last check (None: never)."""
        row = await self._one(sa.select(metric_alerts.c.above).where(metric_alerts.c.name == name))
        return bool(row.above) if row else None

    async def set_alert(self, name: str, above: bool, value: float | None, now: datetime) -> None:
        """Remember the named metric's side of its threshold."""
        stmt = self._upsert(metric_alerts).values(
            name=name, above=above, value=value, changed_at=now
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[metric_alerts.c.name],
                set_={
                    "above": stmt.excluded.above,
                    "value": stmt.excluded.value,
                    "changed_at": stmt.excluded.changed_at,
                },
            )
        )
