"""Dispute use cases: open, advance, read (offers and answers: :mod:`.dispute_offers`).

How a dispute starts:

- an order event (``refund_requested`` / ``dispute_opened``) →
  :meth:`DisputeCases.open_from_order_event` (idempotent: a second event for an order with
  an open dispute changes nothing);
- the seller's ``/dispute ORDER_ID [date] [amount] [reason]`` →
  :class:`~bot.services.dispute_commands.DisputeCommands` (the interpreter of seller
  commands) → :meth:`DisputeCases.create`;
- a buyer's ``dispute_followup`` message the seller confirms (a button carrying
  :func:`bot.domain.disputes.open_data`) → :meth:`DisputeCases.open_from_conversation`;
- ``parley dispute open`` on the command line → :meth:`DisputeCases.open`.

Opening a dispute plans its reminders (:mod:`bot.services.dispute_reminders` fires them).
The methods taking a ``uow`` work inside the caller's transaction; they are the building
blocks the negotiation use cases, the command interpreter and the reminder runner share.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.disputes import (
    BadCommand,
    Dispute,
    DisputeEvent,
    DisputeState,
    EdgeKind,
    OfferStatus,
    best_offer,
    is_return,
    plan_reminders,
    return_reminder,
    transition,
)
from bot.domain.errors import NotAllowed, NotFound, StaleAction
from bot.domain.models import Order, OutMessage, Sender
from bot.domain.money import Money
from bot.domain.ports import Clock, Store, UnitOfWork
from bot.services import dispute_texts as texts
from bot.services.dispute_config import (
    DISPUTE_FOLLOWUP,
    ORDER_EVENTS,
    DisputeConfig,
    event_facts,
)
from bot.services.dispute_texts import DisputeView
from bot.services.evidence import Evidence
from bot.services.presenter import Presenter

log = logging.getLogger(__name__)


def _card_ref(dispute_id: int) -> str:
    return f"dispute:{dispute_id}"


class DisputeCases:
    """The dispute clock's use cases. Seller-facing calls check the chat is a configured
    seller chat."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: DisputeConfig,
        presenter: Presenter,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.rules = config.rules
        self.tz = config.timezone
        self.presenter = presenter  # the seller console's language

    # --- helpers ----------------------------------------------------------------------------
    def check_seller(self, seller: Sender) -> None:
        """:class:`NotAllowed` unless ``seller`` writes from a configured seller chat."""
        if not self.config.allows(seller):
            raise NotAllowed("only the seller can do this", key="seller_only")

    async def view(self, uow: UnitOfWork, dispute: Dispute) -> DisputeView:
        """The dispute with its order and offers, as the console shows it."""
        order = await uow.orders.get(dispute.order_id)
        return DisputeView(dispute, order, tuple(await uow.disputes.offers(dispute.id)))

    async def send_cards(
        self, uow: UnitOfWork, dispute: Dispute, now: datetime, new_in: Collection[int]
    ) -> None:
        """Send the card as a new message to ``new_in`` chats, update it in the others."""
        view = await self.view(uow, dispute)
        text = texts.card(view, self.rules, self.tz, now, self.presenter)
        keyboard = texts.buttons(dispute, self.presenter)
        for chat in self.config.seller_chat_ids:
            await uow.outbox.add(
                OutMessage(chat, text, keyboard, _card_ref(dispute.id), edit=chat not in new_in),
                now,
            )

    async def tell(self, chat_id: int, text: str) -> None:
        """Queue ``text`` for ``chat_id`` in a transaction of its own."""
        async with self.store.transaction() as uow:
            await uow.outbox.add(OutMessage(chat_id, text), self.clock.now())

    async def apply(
        self,
        uow: UnitOfWork,
        dispute: Dispute,
        events: Sequence[DisputeEvent],
        cause: str,
        now: datetime,
        note: str = "",
    ) -> Dispute:
        """Take ``events`` in order, logging each with its cause; returns the new record."""
        state = dispute.state
        for event in events:
            target = transition(state, event)
            if not await uow.disputes.record(dispute.id, event, state, target, cause, now, note):
                raise StaleAction("the dispute changed meanwhile", key="dispute_changed")
            state = target
            if target is DisputeState.AGREED:
                await self._on_agreed(uow, dispute.id, now)
        fresh = await uow.disputes.get(dispute.id)
        assert fresh is not None
        return fresh

    async def _on_agreed(self, uow: UnitOfWork, dispute_id: int, now: datetime) -> None:
        """Agreement: the best open offer is the one agreed; a return starts its clock."""
        offers = await uow.disputes.offers(dispute_id)
        agreed = best_offer(offers)
        if agreed is not None and agreed.status is OfferStatus.OPEN:
            await uow.disputes.set_offer_status(agreed.id, OfferStatus.ACCEPTED)
        if agreed is not None and is_return(agreed.kind):
            planned = return_reminder(now, self.rules)
            await uow.disputes.plan_reminder(dispute_id, planned.edge, planned.due_at)

    # --- opening ----------------------------------------------------------------------------
    async def open(
        self,
        order_id: str,
        *,
        opened_at: datetime | None = None,
        amount: Decimal | None = None,
        reason: str = "",
        source: str = "cli",
        cause: str = "",
        conversation_id: int | None = None,
    ) -> tuple[Dispute, bool]:
        """Record a dispute on an order (opened ``opened_at``, default now). Returns the
        dispute and whether it was created (False: the order already had an open one)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            order = await uow.orders.get(order_id)
            if order is None:
                raise NotFound(f"order {order_id} is not imported (parley orders import)",
                               key="order_not_imported", order_id=order_id)  # fmt: skip
            active = await uow.disputes.active_for(order_id)
            if active is not None:
                return active, False
            dispute = await self.create(
                uow, order, opened_at or now, amount, reason, source,
                cause or f"recorded from {source}", conversation_id, now,
            )  # fmt: skip
            return dispute, True

    async def create(
        self,
        uow: UnitOfWork,
        order: Order,
        opened_at: datetime,
        amount: Decimal | None,
        reason: str,
        source: str,
        cause: str,
        conversation_id: int | None,
        now: datetime,
    ) -> Dispute:
        """Record a dispute on ``order`` with its reminders and send its card to every seller
        chat (inside the caller's transaction)."""
        if opened_at.tzinfo is None:
            raise ValueError("opened_at must be timezone-aware")
        if opened_at > now:
            raise BadCommand("a dispute cannot be opened in the future", key="opened_in_future")
        money = Money(amount, order.unit_price.currency) if amount is not None else None
        dispute = await uow.disputes.create(
            order.order_id, opened_at, source, money, reason, conversation_id, cause, now
        )
        for planned in plan_reminders(opened_at, self.rules):
            past = planned.due_at <= now and planned.kind is not EdgeKind.ESCALATION
            await uow.disputes.plan_reminder(
                dispute.id, planned.edge, planned.due_at, "skipped" if past else "pending",
                "already past when the dispute was recorded" if past else "", now,
            )  # fmt: skip
        await self.send_cards(uow, dispute, now, new_in=self.config.seller_chat_ids)
        log.info("dispute %s opened on order %s (%s)", dispute.id, order.order_id, cause)
        return dispute

    async def open_from_order_event(
        self, order_id: str, event_type: str, at: datetime, data: Mapping[str, Any] | None = None
    ) -> Dispute:
        """An order event ``refund_requested`` / ``dispute_opened`` (CSV import or order-event
        API). ``data`` may carry ``amount`` and ``reason``. Idempotent per open dispute."""
        amount, reason = event_facts(event_type, at, data)
        dispute, _ = await self.open(
            order_id, opened_at=min(at, self.clock.now()), amount=amount, reason=reason,
            source=f"event:{event_type}", cause=f"order event {event_type}",
        )  # fmt: skip
        return dispute

    async def note_order_event(
        self,
        uow: UnitOfWork,
        order: Order,
        event_type: str,
        at: datetime,
        data: Mapping[str, Any] | None,
        now: datetime,
    ) -> Dispute | None:
        """Inside the caller's transaction (e.g. the order-event intake storing the event):
        open a dispute for ``refund_requested`` / ``dispute_opened``; other event types and
        orders that already have an open dispute change nothing. Returns the new dispute."""
        if event_type not in ORDER_EVENTS or await uow.disputes.active_for(order.order_id):
            return None
        amount, reason = event_facts(event_type, at, data)
        return await self.create(uow, order, min(at, now), amount, reason,
                                 f"event:{event_type}", f"order event {event_type}", None,
                                 now)  # fmt: skip

    async def open_from_conversation(self, seller: Sender, conversation_id: int) -> str:
        """The seller confirms that a buyer's ``dispute_followup`` message means a dispute is
        open: record it on the conversation's order, opened when the buyer first said so
        (else now). Returns a short answer for the button press."""
        self.check_seller(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            conversation = await uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFound(f"conversation {conversation_id}", key="unknown_conversation",
                               conversation_id=conversation_id)  # fmt: skip
            if conversation.order_id is None:
                raise BadCommand("this conversation is not about a known order",
                                 key="no_order_in_conversation")  # fmt: skip
            order = await uow.orders.get(conversation.order_id)
            if order is None:
                raise NotFound(f"order {conversation.order_id}", key="unknown_order",
                               order_id=conversation.order_id)  # fmt: skip
            active = await uow.disputes.active_for(order.order_id)
            if active is not None:
                await self.send_cards(uow, active, now, new_in={seller.chat_id})
                return texts.word("already_open", self.presenter, order=order.order_id)
            said = await uow.disputes.first_message_at(conversation_id, DISPUTE_FOLLOWUP)
            await self.create(
                uow, order, min(said or now, now), None, "", "buyer",
                f"buyer's message, confirmed by {seller.label}", conversation_id, now,
            )  # fmt: skip
            return texts.word("recorded", self.presenter, order=order.order_id)

    async def step(self, seller: Sender, dispute_id: int, event: DisputeEvent) -> str:
        """A button on the dispute card: record ``event`` (e.g. agreed, escalated)."""
        self.check_seller(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.get(dispute_id)
            if dispute is None:
                raise NotFound(f"dispute {dispute_id}", key="unknown_dispute",
                               dispute_id=dispute_id)  # fmt: skip
            label = texts.EVENT_LABELS[event]
            dispute = await self.apply(uow, dispute, [event], f"{label} by {seller.label}", now)
            await self.send_cards(uow, dispute, now, new_in=())
            state = texts.state_label(dispute.state, self.presenter)
            return texts.word("stepped", self.presenter, order=dispute.order_id, state=state)

    # --- reading ----------------------------------------------------------------------------
    async def list_open(self, seller: Sender) -> None:
        """``/disputes``: open disputes, nearest deadline first, with days left."""
        self.check_seller(seller)
        text = await self.listing_text()
        await self.tell(seller.chat_id, text)

    async def listing_text(self, limit: int | None = texts.LISTING_LIMIT) -> str:
        """The ``/disputes`` text (``limit`` None: every open dispute, for the CLI)."""
        now = self.clock.now()
        views = await self.open_views()
        return texts.listing(views, self.rules, self.tz, now, limit, presenter=self.presenter)

    async def open_views(self) -> list[DisputeView]:
        """Every open dispute with its order and offers."""
        async with self.store.transaction() as uow:
            return [await self.view(uow, d) for d in await uow.disputes.active()]

    async def timeline_text(self, order_id: str) -> str | None:
        """The card text of the order's latest dispute (for ``/order``), or None."""
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.latest_for(order_id)
            if dispute is None:
                return None
            view = await self.view(uow, dispute)
        return texts.card(view, self.rules, self.tz, self.clock.now(), self.presenter)

    async def evidence(self, order_id: str) -> Evidence:
        """Everything for the evidence summary of the order's latest dispute."""
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.latest_for(order_id)
            if dispute is None:
                raise NotFound(f"no dispute recorded for order {order_id}")
            return Evidence(
                dispute=dispute,
                order=await uow.orders.get(order_id),
                events=await uow.disputes.events(dispute.id),
                offers=await uow.disputes.offers(dispute.id),
                answers=await uow.disputes.answers(dispute.id),
                choices=await uow.disputes.choices(order_id),
                transcript=await uow.disputes.transcript(order_id),
                reminders=await uow.disputes.reminders(dispute.id),
                generated_at=self.clock.now(),
                rules=self.rules,
            )
