"""Dispute use cases: open, advance, record offers and answers, remind, export evidence.

How a dispute starts:

- an order event (``refund_requested`` / ``dispute_opened``) →
  :meth:`DisputeService.open_from_order_event` (idempotent: a second event for an order with
  an open dispute changes nothing);
- the seller's ``/dispute ORDER_ID [date] [amount] [reason]`` → :meth:`DisputeService.command`;
- a buyer's ``dispute_followup`` message the seller confirms (a button carrying
  :func:`bot.domain.disputes.open_data`) → :meth:`DisputeService.open_from_conversation`;
- ``parley dispute open`` on the command line → :meth:`DisputeService.open`.

Reminders: opening a dispute stores one ``dispute_reminders`` row per edge (answer deadline,
window opens, N days before the window closes, last day, escalation). The scheduler only
wakes :meth:`DisputeService.run_due`, which handles each due row in its own transaction:
the row is marked ``sent`` (or ``skipped`` when the dispute no longer needs it) in the same
transaction that writes the outbox message and, at the escalation edge, the escalation.
A crash before the commit leaves the row pending (it fires at the next run); after the commit
it is never fired again; the outbox then delivers at least once. Rows already past when a
dispute is recorded (a dispute entered late) are stored as ``skipped``, except the
escalation, which still happens at the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.disputes import (
    Answer,
    AnswerKind,
    BadCommand,
    Dispute,
    DisputeEvent,
    DisputeState,
    EdgeKind,
    Offer,
    OfferStatus,
    Party,
    ReminderAction,
    StoredReminder,
    best_offer,
    edge_kind,
    events_after_answer,
    events_after_offer,
    is_return,
    offer_kind,
    parse_answer,
    parse_command,
    parse_offer,
    parse_open,
    plan_reminders,
    reminder_action,
    return_reminder,
    transition,
)
from bot.domain.errors import NotAllowed, NotFound, ParleyError, StaleAction
from bot.domain.models import Option, Order, OutMessage, Sender
from bot.domain.money import Money
from bot.domain.ports import Clock, Store, UnitOfWork
from bot.services import dispute_texts as texts
from bot.services import refusals
from bot.services.dispute_config import (
    DISPUTE_FOLLOWUP,
    ORDER_EVENTS,
    DisputeConfig,
    event_facts,
    seller_timezone,
)
from bot.services.dispute_texts import DisputeView
from bot.services.evidence import Evidence
from bot.services.presenter import Presenter

log = logging.getLogger(__name__)

__all__ = [
    "DISPUTE_FOLLOWUP",
    "ORDER_EVENTS",
    "DisputeConfig",
    "DisputeService",
    "seller_timezone",
]


def _card_ref(dispute_id: int) -> str:
    return f"dispute:{dispute_id}"


class DisputeService:
    """The dispute clock. Seller-facing calls check the chat is a configured seller chat."""

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
    def _check(self, seller: Sender) -> None:
        if seller.chat_id not in self.config.seller_chat_ids:
            raise NotAllowed("only the seller can do this", key="seller_only")

    async def _view(self, uow: UnitOfWork, dispute: Dispute) -> DisputeView:
        order = await uow.orders.get(dispute.order_id)
        return DisputeView(dispute, order, tuple(await uow.disputes.offers(dispute.id)))

    async def _cards(
        self, uow: UnitOfWork, dispute: Dispute, now: datetime, new_in: Collection[int]
    ) -> None:
        """Send the card as a new message to ``new_in`` chats, update it in the others."""
        view = await self._view(uow, dispute)
        text = texts.card(view, self.rules, self.tz, now, self.presenter)
        keyboard = texts.buttons(dispute, self.presenter)
        for chat in self.config.seller_chat_ids:
            await uow.outbox.add(
                OutMessage(chat, text, keyboard, _card_ref(dispute.id), edit=chat not in new_in),
                now,
            )

    async def _tell(self, chat_id: int, text: str) -> None:
        async with self.store.transaction() as uow:
            await uow.outbox.add(OutMessage(chat_id, text), self.clock.now())

    async def _apply(
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
            dispute = await self._create(
                uow, order, opened_at or now, amount, reason, source,
                cause or f"recorded from {source}", conversation_id, now,
            )  # fmt: skip
            return dispute, True

    async def _create(
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
        await self._cards(uow, dispute, now, new_in=self.config.seller_chat_ids)
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
        return await self._create(uow, order, min(at, now), amount, reason,
                                  f"event:{event_type}", f"order event {event_type}", None,
                                  now)  # fmt: skip

    async def open_from_conversation(self, seller: Sender, conversation_id: int) -> str:
        """The seller confirms that a buyer's ``dispute_followup`` message means a dispute is
        open: record it on the conversation's order, opened when the buyer first said so
        (else now). Returns a short answer for the button press."""
        self._check(seller)
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
                await self._cards(uow, active, now, new_in={seller.chat_id})
                return texts.word("already_open", self.presenter, order=order.order_id)
            said = await uow.disputes.first_message_at(conversation_id, DISPUTE_FOLLOWUP)
            await self._create(
                uow, order, min(said or now, now), None, "", "buyer",
                f"buyer's message, confirmed by {seller.label}", conversation_id, now,
            )  # fmt: skip
            return texts.word("recorded", self.presenter, order=order.order_id)

    # --- seller commands --------------------------------------------------------------------
    async def command(self, seller: Sender, args: str | None) -> None:
        """``/dispute …``: open, show, or record an offer / the buyer's answer. Problems are
        answered in the seller chat (nothing is changed)."""
        self._check(seller)
        try:
            await self._command(seller, args)
        except ParleyError as exc:
            log.info("/dispute by %s refused: %s", seller.chat_id, exc)
            await self._tell(seller.chat_id, self._refusal(exc))

    def _refusal(self, exc: ParleyError) -> str:
        """A problem with a command, in the seller console's language."""
        return refusals.command(self.presenter.renderer, self.presenter.seller_language, exc)

    async def _command(self, seller: Sender, args: str | None) -> None:
        cmd = parse_command(args)
        now = self.clock.now()
        cause = f"/dispute by {seller.label}"
        async with self.store.transaction() as uow:
            order = await uow.orders.get(cmd.order_id)
            active = await uow.disputes.active_for(cmd.order_id)
            if cmd.action is not None and active is None:
                raise NotFound(f"order {cmd.order_id} has no open dispute",
                               key="no_open_dispute", order_id=cmd.order_id)  # fmt: skip
            if cmd.action == "offer" and active is not None:
                request = parse_offer(cmd.words[1:])
                kind = offer_kind(request.note, request.amount)
                money = self._money(order, request.amount)
                dispute = await self._offer(
                    uow, active, Party.SELLER, [(kind, money, request.note)], "command", cause, now
                )
            elif cmd.action == "buyer" and active is not None:
                answer = parse_answer(cmd.words[1:])
                money = self._money(order, answer.amount)
                dispute = await self._answer(
                    uow, active, answer.answer, answer.note, money, "command", cause, now
                )
            elif active is not None:
                if cmd.words:
                    raise BadCommand(
                        f"order {cmd.order_id} already has an open dispute",
                        key="already_open", order_id=cmd.order_id,
                        opened=texts.local(active.opened_at, self.tz),
                    )  # fmt: skip
                dispute = active
            else:
                if order is None:
                    raise NotFound(f"order {cmd.order_id} is not imported",
                                   key="order_not_imported", order_id=cmd.order_id)  # fmt: skip
                opening = parse_open(cmd.words, now, self.tz)
                await self._create(uow, order, opening.opened_at or now, opening.amount,
                                   opening.reason, "command", cause, None, now)  # fmt: skip
                return
            await self._cards(uow, dispute, now, new_in={seller.chat_id})

    @staticmethod
    def _money(order: Order | None, amount: Decimal | None) -> Money | None:
        if amount is None:
            return None
        return Money(amount, order.unit_price.currency if order else "USD")

    async def list_open(self, seller: Sender) -> None:
        """``/disputes``: open disputes, nearest deadline first, with days left."""
        self._check(seller)
        text = await self.listing_text()
        await self._tell(seller.chat_id, text)

    async def listing_text(self, limit: int | None = texts.LISTING_LIMIT) -> str:
        """The ``/disputes`` text (``limit`` None: every open dispute, for the CLI)."""
        now = self.clock.now()
        views = await self.open_views()
        return texts.listing(views, self.rules, self.tz, now, limit, presenter=self.presenter)

    async def open_views(self) -> list[DisputeView]:
        """Every open dispute with its order and offers."""
        async with self.store.transaction() as uow:
            return [await self._view(uow, d) for d in await uow.disputes.active()]

    async def step(self, seller: Sender, dispute_id: int, event: DisputeEvent) -> str:
        """A button on the dispute card: record ``event`` (e.g. agreed, escalated)."""
        self._check(seller)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.get(dispute_id)
            if dispute is None:
                raise NotFound(f"dispute {dispute_id}", key="unknown_dispute",
                               dispute_id=dispute_id)  # fmt: skip
            label = texts.EVENT_LABELS[event]
            dispute = await self._apply(uow, dispute, [event], f"{label} by {seller.label}", now)
            await self._cards(uow, dispute, now, new_in=())
            state = texts.state_label(dispute.state, self.presenter)
            return texts.word("stepped", self.presenter, order=dispute.order_id, state=state)

    # --- offers and answers -----------------------------------------------------------------
    async def _offer(
        self,
        uow: UnitOfWork,
        dispute: Dispute,
        party: Party,
        offers: Sequence[tuple[str, Money | None, str]],
        source: str,
        cause: str,
        now: datetime,
    ) -> Dispute:
        events = events_after_offer(dispute.state, party)
        ids = []
        for kind, amount, note in offers:
            offer = await uow.disputes.add_offer(dispute.id, party, kind, amount, note, source,
                                                 now)  # fmt: skip
            ids.append(f"#{offer.id}")
        return await self._apply(uow, dispute, events, cause, now,
                                 f"{party.value} offer {', '.join(ids)}")  # fmt: skip

    async def _answer(
        self,
        uow: UnitOfWork,
        dispute: Dispute,
        answer: AnswerKind,
        note: str,
        amount: Money | None,
        source: str,
        cause: str,
        now: datetime,
        target: Offer | None = None,
    ) -> Dispute:
        events = events_after_answer(dispute.state, answer)
        if target is None:
            open_ = [o for o in await uow.disputes.offers(dispute.id)
                     if o.party is Party.SELLER and o.status is OfferStatus.OPEN]  # fmt: skip
            target = max(open_, key=lambda o: (o.at, o.id)) if open_ else None
        if answer is AnswerKind.ACCEPT and target is None:
            raise NotFound("no open offer to accept", key="no_offer_to_accept",
                           order_id=dispute.order_id)  # fmt: skip
        if target is not None:
            status = OfferStatus.ACCEPTED if answer is AnswerKind.ACCEPT else OfferStatus.REJECTED
            await uow.disputes.set_offer_status(target.id, status)
        if answer is AnswerKind.COUNTER:
            await uow.disputes.add_offer(dispute.id, Party.BUYER,
                                         offer_kind(note, amount.amount if amount else None),
                                         amount, note, source, now)  # fmt: skip
        await uow.disputes.add_answer(
            dispute.id, target.id if target else None, answer, note, source, now
        )
        return await self._apply(uow, dispute, events, cause, now, f"buyer {answer.value}")

    async def offer(
        self,
        order_id: str,
        amount: Decimal | None,
        note: str = "",
        *,
        kind: str | None = None,
        source: str = "cli",
        cause: str = "",
    ) -> Offer:
        """Record the seller's offer on the order's open dispute."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            dispute = await self._active(uow, order_id)
            order = await uow.orders.get(order_id)
            money = self._money(order, amount)
            dispute = await self._offer(
                uow, dispute, Party.SELLER, [(kind or offer_kind(note, amount), money, note)],
                source, cause or f"offer from {source}", now,
            )  # fmt: skip
            await self._cards(uow, dispute, now, new_in=())
            return (await uow.disputes.offers(dispute.id))[-1]

    async def buyer_answer(
        self,
        order_id: str,
        answer: AnswerKind,
        note: str = "",
        amount: Decimal | None = None,
        *,
        source: str = "cli",
        cause: str = "",
    ) -> Answer:
        """Record the buyer's answer (accept / reject / counter) to the latest open offer."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            dispute = await self._active(uow, order_id)
            order = await uow.orders.get(order_id)
            dispute = await self._answer(
                uow, dispute, answer, note, self._money(order, amount), source,
                cause or f"answer from {source}", now,
            )  # fmt: skip
            await self._cards(uow, dispute, now, new_in=())
            return (await uow.disputes.answers(dispute.id))[-1]

    async def _active(self, uow: UnitOfWork, order_id: str) -> Dispute:
        dispute = await uow.disputes.active_for(order_id)
        if dispute is None:
            raise NotFound(f"order {order_id} has no open dispute", key="no_open_dispute",
                           order_id=order_id)  # fmt: skip
        return dispute

    async def note_options_offered(
        self, uow: UnitOfWork, order_id: str | None, options: Sequence[Option], now: datetime
    ) -> None:
        """Inside the caller's transaction: a reply with these options went to the buyer of
        ``order_id``; if the order has a negotiable dispute, they are the seller's offers."""
        if not order_id or not options:
            return
        dispute = await uow.disputes.active_for(order_id)
        if dispute is None or not dispute.state.negotiable:
            return
        offered = [(o.kind, o.amount, "") for o in options if o.enabled]
        if offered:
            dispute = await self._offer(
                uow, dispute, Party.SELLER, offered, "playbook", "reply sent to the buyer", now
            )
            await self._cards(uow, dispute, now, new_in=())

    async def note_option_chosen(
        self, uow: UnitOfWork, order_id: str | None, option: Option, now: datetime
    ) -> None:
        """Inside the caller's transaction: the buyer picked ``option``; on a negotiable
        dispute that is the buyer accepting that offer (agreement)."""
        if not order_id:
            return
        dispute = await uow.disputes.active_for(order_id)
        if dispute is None or not dispute.state.negotiable:
            return
        offers = await uow.disputes.offers(dispute.id)
        same = [o for o in offers if o.party is Party.SELLER and o.status is OfferStatus.OPEN
                and o.kind == option.kind and o.amount == option.amount]  # fmt: skip
        if not same:
            dispute = await self._offer(uow, dispute, Party.SELLER,
                                        [(option.kind, option.amount, "")], "playbook",
                                        "option chosen by the buyer", now)  # fmt: skip
            same = [o for o in await uow.disputes.offers(dispute.id) if o.kind == option.kind]
        target = max(same, key=lambda o: (o.at, o.id))
        dispute = await self._answer(uow, dispute, AnswerKind.ACCEPT, "chose it on Parley's "
                                     "reply", option.amount, "playbook", "buyer's choice", now,
                                     target)  # fmt: skip
        await self._cards(uow, dispute, now, new_in=())

    # --- reminders --------------------------------------------------------------------------
    async def run_due(self, limit: int = 100) -> int:
        """Fire every due reminder once (each in its own transaction); returns how many were
        sent (skipped ones are not counted)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            rows = await uow.disputes.due_reminders(now, limit)
        sent = 0
        for row in rows:
            sent += await self._fire(row)
        return sent

    async def _fire(self, row: StoredReminder) -> bool:
        now = self.clock.now()
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.get(row.dispute_id)
            if dispute is None:  # pragma: no cover - rows reference disputes
                return False
            action = reminder_action(edge_kind(row.edge), dispute.state)
            if action is ReminderAction.SKIP:
                await uow.disputes.finish_reminder(
                    row.id, "skipped", now, f"not needed: dispute is {dispute.state.value}"
                )
                return False
            if not await uow.disputes.finish_reminder(row.id, "sent", now):
                return False  # already handled
            if action is ReminderAction.ESCALATE:
                dispute = await self._apply(
                    uow, dispute, [DisputeEvent.ESCALATE],
                    f"day {self.rules.escalation_day} without agreement (automatic)", now,
                )  # fmt: skip
                await self._cards(uow, dispute, now, new_in=())
            view = await self._view(uow, dispute)
            text = texts.reminder(row, view, self.rules, self.tz, now, self.presenter)
            for chat in self.config.seller_chat_ids:
                await uow.outbox.add(OutMessage(chat, text), now)
            log.info("dispute %s: reminder %s sent", dispute.id, row.edge)
            return True

    # --- reading ----------------------------------------------------------------------------
    async def timeline_text(self, order_id: str) -> str | None:
        """The card text of the order's latest dispute (for ``/order``), or None."""
        async with self.store.transaction() as uow:
            dispute = await uow.disputes.latest_for(order_id)
            if dispute is None:
                return None
            view = await self._view(uow, dispute)
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
