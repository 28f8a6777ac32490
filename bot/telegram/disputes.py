"""Seller-only router for the dispute clock and metrics: ``/dispute``, ``/disputes``,
``/stats`` and the dispute card's buttons. Thin: parse, call one service.

It must be included before the routers of :mod:`bot.telegram.handlers`: the seller router's
catch-all text handler would otherwise take these commands, and the buyer router's
catch-all button handler refuses unknown buttons. Updates from someone who may not act as the
seller (:class:`~bot.telegram.filters.SellerGate`) pass through to the seller-chat guard there,
which refuses them.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain import callbacks
from bot.domain.disputes import Press as DisputePress
from bot.domain.disputes import dispute_press
from bot.domain.models import Sender
from bot.domain.team import Console
from bot.services.disputes import DisputeService
from bot.services.stats import StatsService
from bot.telegram.filters import Press, SellerGate


def build_dispute_router(seller_chat_ids: Console | tuple[int, ...]) -> Router:
    """Commands and buttons for whoever may act as the seller in a seller chat."""
    gate = SellerGate(seller_chat_ids)
    router = Router(name="disputes")
    router.message.filter(gate)
    router.callback_query.filter(gate, Press(callbacks.DISPUTE_VERBS, read=dispute_press))

    @router.message(Command("dispute"))
    async def dispute(
        message: Message, command: CommandObject, sender: Sender, disputes: DisputeService
    ) -> None:
        await disputes.command(sender, command.args)

    @router.message(Command("disputes"))
    async def open_disputes(message: Message, sender: Sender, disputes: DisputeService) -> None:
        await disputes.list_open(sender)

    @router.message(Command("stats"))
    async def stats(message: Message, sender: Sender, stats: StatsService) -> None:
        await stats.send(sender)

    @router.callback_query()
    async def dispute_button(
        query: CallbackQuery, press: DisputePress, sender: Sender, disputes: DisputeService
    ) -> None:
        if press.event is None:
            answer = await disputes.open_from_conversation(sender, press.target)
        else:
            answer = await disputes.step(sender, press.target, press.event)
        await query.answer(answer[:200])

    return router
