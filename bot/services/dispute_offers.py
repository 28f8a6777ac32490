"""Dispute use cases of the negotiation: the seller's offers and the buyer's answers, from
the command line, the ``/dispute`` command and Parley's own replies (their options count as
the seller's offers; the option a buyer picks is the buyer accepting it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from bot.domain.disputes import (
    Answer,
    AnswerKind,
    Dispute,
    Offer,
    OfferStatus,
    Party,
    events_after_answer,
    events_after_offer,
    offer_kind,
)
from bot.domain.errors import NotFound
from bot.domain.models import Option, Order
from bot.domain.money import Money
from bot.domain.ports import UnitOfWork
from bot.services.dispute_cases import DisputeCases


class DisputeNegotiation(DisputeCases):
    """The dispute use cases with offers and answers on top."""

    @staticmethod
    def money(order: Order | None, amount: Decimal | None) -> Money | None:
        """``amount`` in the order's currency (USD without an order); None stays None."""
        if amount is None:
            return None
        return Money(amount, order.unit_price.currency if order else "USD")

    async def record_offers(
        self,
        uow: UnitOfWork,
        dispute: Dispute,
        party: Party,
        offers: Sequence[tuple[str, Money | None, str]],
        source: str,
        cause: str,
        now: datetime,
    ) -> Dispute:
        """Record ``offers`` (kind, amount, note) by ``party`` and the steps they imply."""
        events = events_after_offer(dispute.state, party)
        ids = []
        for kind, amount, note in offers:
            offer = await uow.disputes.add_offer(dispute.id, party, kind, amount, note, source,
                                                 now)  # fmt: skip
            ids.append(f"#{offer.id}")
        return await self.apply(uow, dispute, events, cause, now,
                                f"{party.value} offer {', '.join(ids)}")  # fmt: skip

    async def record_answer(
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
        """Record the buyer's ``answer`` to ``target`` (default: the seller's latest open
        offer) and the steps it implies; a counter-offer is recorded as the buyer's offer."""
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
        return await self.apply(uow, dispute, events, cause, now, f"buyer {answer.value}")

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
            dispute = await self.require_active(uow, order_id)
            order = await uow.orders.get(order_id)
            money = self.money(order, amount)
            dispute = await self.record_offers(
                uow, dispute, Party.SELLER, [(kind or offer_kind(note, amount), money, note)],
                source, cause or f"offer from {source}", now,
            )  # fmt: skip
            await self.send_cards(uow, dispute, now, new_in=())
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
            dispute = await self.require_active(uow, order_id)
            order = await uow.orders.get(order_id)
            dispute = await self.record_answer(
                uow, dispute, answer, note, self.money(order, amount), source,
                cause or f"answer from {source}", now,
            )  # fmt: skip
            await self.send_cards(uow, dispute, now, new_in=())
            return (await uow.disputes.answers(dispute.id))[-1]

    async def require_active(self, uow: UnitOfWork, order_id: str) -> Dispute:
        """The order's open dispute; :class:`NotFound` when it has none."""
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
            dispute = await self.record_offers(
                uow, dispute, Party.SELLER, offered, "playbook", "reply sent to the buyer", now
            )
            await self.send_cards(uow, dispute, now, new_in=())

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
            dispute = await self.record_offers(uow, dispute, Party.SELLER,
                                               [(option.kind, option.amount, "")], "playbook",
                                               "option chosen by the buyer", now)  # fmt: skip
            same = [o for o in await uow.disputes.offers(dispute.id) if o.kind == option.kind]
        target = max(same, key=lambda o: (o.at, o.id))
        dispute = await self.record_answer(uow, dispute, AnswerKind.ACCEPT,
                                           "chose it on Parley's reply", option.amount,
                                           "playbook", "buyer's choice", now, target)  # fmt: skip
        await self.send_cards(uow, dispute, now, new_in=())
