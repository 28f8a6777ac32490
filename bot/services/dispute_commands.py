"""The interpreter of the seller's ``/dispute …`` command: parse the words (see
:mod:`bot.domain.disputes.command`), dispatch them to the dispute use cases, and answer a
problem in the seller chat, in the console's language (nothing is changed then).

- ``/dispute ORDER_ID [date] [amount] [reason]`` opens a dispute (or shows the open one);
- ``/dispute ORDER_ID offer AMOUNT [what]`` records the seller's offer;
- ``/dispute ORDER_ID buyer accept|reject|counter [AMOUNT] [words]`` records the buyer's answer.
"""

from __future__ import annotations

import logging

from bot.domain.disputes import (
    BadCommand,
    Party,
    offer_kind,
    parse_answer,
    parse_command,
    parse_offer,
    parse_open,
)
from bot.domain.errors import NotFound, ParleyError
from bot.domain.models import Sender
from bot.services import dispute_texts as texts
from bot.services import refusals
from bot.services.dispute_offers import DisputeNegotiation

log = logging.getLogger(__name__)


class DisputeCommands:
    """Runs ``/dispute …`` for a seller on the dispute use cases."""

    def __init__(self, cases: DisputeNegotiation) -> None:
        self.cases = cases

    async def command(self, seller: Sender, args: str | None) -> None:
        """``/dispute …``: open, show, or record an offer / the buyer's answer. Problems are
        answered in the seller chat (nothing is changed)."""
        self.cases.check_seller(seller)
        try:
            await self._command(seller, args)
        except ParleyError as exc:
            log.info("/dispute by %s refused: %s", seller.chat_id, exc)
            await self.cases.tell(seller.chat_id, self._refusal(exc))

    def _refusal(self, exc: ParleyError) -> str:
        """A problem with a command, in the seller console's language."""
        presenter = self.cases.presenter
        return refusals.command(presenter.renderer, presenter.seller_language, exc)

    async def _command(self, seller: Sender, args: str | None) -> None:
        c = self.cases
        cmd = parse_command(args)
        now = c.clock.now()
        cause = f"/dispute by {seller.label}"
        async with c.store.transaction() as uow:
            order = await uow.orders.get(cmd.order_id)
            active = await uow.disputes.active_for(cmd.order_id)
            if cmd.action is not None and active is None:
                raise NotFound(f"order {cmd.order_id} has no open dispute",
                               key="no_open_dispute", order_id=cmd.order_id)  # fmt: skip
            if cmd.action == "offer" and active is not None:
                request = parse_offer(cmd.words[1:])
                kind = offer_kind(request.note, request.amount)
                money = c.money(order, request.amount)
                dispute = await c.record_offers(
                    uow, active, Party.SELLER, [(kind, money, request.note)], "command", cause, now
                )
            elif cmd.action == "buyer" and active is not None:
                answer = parse_answer(cmd.words[1:])
                money = c.money(order, answer.amount)
                dispute = await c.record_answer(
                    uow, active, answer.answer, answer.note, money, "command", cause, now
                )
            elif active is not None:
                if cmd.words:
                    raise BadCommand(
                        f"order {cmd.order_id} already has an open dispute",
                        key="already_open", order_id=cmd.order_id,
                        opened=texts.local(active.opened_at, c.tz),
                    )  # fmt: skip
                dispute = active
            else:
                if order is None:
                    raise NotFound(f"order {cmd.order_id} is not imported",
                                   key="order_not_imported", order_id=cmd.order_id)  # fmt: skip
                opening = parse_open(cmd.words, now, c.tz)
                await c.create(uow, order, opening.opened_at or now, opening.amount,
                               opening.reason, "command", cause, None, now)  # fmt: skip
                return
            await c.send_cards(uow, dispute, now, new_in={seller.chat_id})
