"""Proactive follow-ups: order events in, one planned row per (order, rule).

:class:`FollowupPlanner` records order events (from the HTTP API and from re-imports) and
keeps one ``followups`` row per (order, rule) in line with :func:`bot.domain.followups.plan`;
:class:`bot.services.followup_runner.FollowupRunner` sends the rows that have come due.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.followups import (
    RULES,
    Action,
    Decision,
    FollowupRow,
    FollowupRules,
    OrderFacts,
    QuietHours,
    RowStatus,
    Timing,
    buyer_zone,
    plan,
)
from bot.domain.models import Order
from bot.domain.orderevents import (
    EventConflict,
    OrderEvent,
    apply_event,
    check_event_for,
    events_from_change,
    same_event,
)
from bot.domain.playbook import COMPLAINTS
from bot.domain.ports import (
    Clock,
    Store,
    UnitOfWork,
)
from bot.services.disputes import DisputeService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanningConfig:
    """What planning needs from settings and ``followups.toml``."""

    rules: FollowupRules = field(default_factory=FollowupRules)
    quiet: QuietHours | None = None
    fallback_zone: str = "UTC"
    complaint_intents: frozenset[str] = COMPLAINTS


@dataclass(frozen=True)
class EventResult:
    """What ``POST /api/orders/{id}/events`` did."""

    event: OrderEvent
    duplicate: bool
    order: Order
    followups: list[FollowupRow]


@dataclass(frozen=True)
class OrderSnapshot:
    """An order with its events and follow-ups (``GET /api/orders/{id}``)."""

    order: Order
    events: list[OrderEvent]
    followups: list[FollowupRow]
    buyer_chat: int | None


class FollowupPlanner:
    """Records order events and (re-)plans follow-up rows."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: PlanningConfig,
        disputes: DisputeService | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.disputes = disputes  # refund_requested / dispute_opened events open a dispute

    @property
    def rules(self) -> FollowupRules:
        """The seller's rules."""
        return self.config.rules

    def timing(self, order: Order) -> Timing:
        """Quiet hours in the buyer's local time zone."""
        return Timing(self.config.quiet, buyer_zone(order.buyer_country, self.config.fallback_zone))

    async def facts(self, uow: UnitOfWork, order: Order) -> OrderFacts:
        """Everything planning looks at for ``order``."""
        events = await uow.followups.events(order.order_id)
        complaint = await uow.followups.complaint_open(
            order.order_id, self.config.complaint_intents
        )
        return OrderFacts(order, tuple(events), complaint)

    async def replan(self, uow: UnitOfWork, order: Order, now: datetime) -> None:
        """Bring the order's pending rows in line with its current facts."""
        decisions = plan(await self.facts(uow, order), self.rules, self.timing(order), now)
        existing = {row.rule: row for row in await uow.followups.for_order(order.order_id)}
        for name, decision in decisions.items():
            row = existing.get(name)
            if row is not None and row.status is not RowStatus.PENDING:
                continue  # sending or finished: one message per (order, rule), ever
            await _store(uow, order.order_id, decision, now)
        for name, row in existing.items():
            if row.status is RowStatus.PENDING and name not in decisions:
                await uow.followups.plan(order.order_id, name, RowStatus.SKIPPED, None,
                                         "no longer applies", now)  # fmt: skip

    async def order_changed(
        self,
        uow: UnitOfWork,
        before: Order | None,
        after: Order,
        now: datetime,
        source: str = "import",
    ) -> int:
        """An order was imported or upserted: record the events the change implies and
        re-plan. Runs inside the caller's transaction; returns how many events were new."""
        new = 0
        for event in events_from_change(before, after, now, source):
            new += await uow.followups.add_event(event, now)
        if new or before is None or before != after:
            await self.replan(uow, after, now)
        return new

    async def upsert_orders(self, orders: Iterable[Order]) -> int:
        """Upsert orders (API) and plan their follow-ups, all in one transaction."""
        now = self.clock.now()
        count = 0
        async with self.store.transaction() as uow:
            for order in orders:
                before = await uow.orders.get(order.order_id)
                await uow.orders.upsert(order, now)
                await self.order_changed(uow, before, order, now, source="api")
                count += 1
        return count

    async def add_event(self, order_id: str, event: OrderEvent) -> EventResult:
        """Record one event (idempotent by event id), update the order and re-plan.

        The same id with the same content is a duplicate (nothing changes); with different
        content it is :class:`EventConflict`. An event that contradicts the order (shipped
        before paid…) is :class:`InvalidInput`.
        """
        now = self.clock.now()
        async with self.store.transaction() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(f"order {order_id} is not known (POST /api/orders first)")
            stored = await uow.followups.event(event.event_id)
            if stored is not None:
                if not same_event(stored, event):
                    raise EventConflict(stored, event)
                rows = await uow.followups.for_order(order_id)
                return EventResult(stored, True, order, rows)
            check_event_for(order, event)
            if not await uow.followups.add_event(event, now):
                raise EventConflict(await uow.followups.event(event.event_id) or event, event)
            updated = apply_event(order, event)
            if updated != order:
                await uow.orders.upsert(updated, now)
            if self.disputes is not None:
                await self.disputes.note_order_event(
                    uow, updated, str(event.type), event.at, event.data, now
                )
            await self.replan(uow, updated, now)
            rows = await uow.followups.for_order(order_id)
        return EventResult(event, False, updated, rows)

    async def snapshot(self, order_id: str) -> OrderSnapshot:
        """The order, its events and follow-ups."""
        async with self.store.transaction() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(f"order {order_id} is not known")
            return OrderSnapshot(
                order,
                await uow.followups.events(order_id),
                await uow.followups.for_order(order_id),
                await uow.orders.buyer_chat(order_id),
            )

    async def next_due(self) -> datetime | None:
        """When the earliest pending follow-up is due (an index lookup; health checks)."""
        async with self.store.transaction() as uow:
            return await uow.followups.next_due()

    async def counts(self) -> dict[str, int]:
        """Follow-up rows per status (for benchmarks and reports; scans every row)."""
        async with self.store.transaction() as uow:
            return await uow.followups.counts()


async def _store(uow: UnitOfWork, order_id: str, decision: Decision, now: datetime) -> None:
    if decision.action is Action.SKIP:
        await uow.followups.plan(order_id, decision.rule, RowStatus.SKIPPED, None,
                                 decision.reason, now)  # fmt: skip
    else:
        await uow.followups.plan(order_id, decision.rule, RowStatus.PENDING, decision.at,
                                 decision.reason, now)  # fmt: skip


TEMPLATES: tuple[tuple[str, str], ...] = (
    *(("buyer", f"followup/{rule}") for rule in RULES),
    ("seller", "followup_note"),
)
"""(audience, name) of every template follow-ups render (:mod:`bot.services.followup_runner`),
required at start-up."""
