"""Seller-only router for the dispute clock and metrics: ``/dispute``, ``/disputes``,
``/stats`` and the dispute card's buttons. Thin: parse, call one service.

It must be included before the seller router of :mod:`bot.telegram.handlers` (whose
catch-all text handler would otherwise take these commands) and before the buyer router
(whose catch-all button handler refuses unknown buttons).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from bot.domain.disputes import decode_press
from bot.domain.models import Sender
from bot.services.disputes import DisputeService
from bot.services.stats import StatsService


def _sender(chat_id: int, user: User | None) -> Sender:
    if user is None:
        return Sender(chat_id)
    return Sender(chat_id, user.full_name, user.username or "", user.language_code or "")


def _is_dispute_data(data: str | None) -> bool:
    return decode_press(data) is not None


def build_dispute_router(seller_chat_ids: tuple[int, ...]) -> Router:
    """Commands and buttons that work only in the configured seller chats."""
    router = Router(name="disputes")
    router.message.filter(F.chat.id.in_(seller_chat_ids))
    router.callback_query.filter(
        F.message.chat.id.in_(seller_chat_ids), F.data.func(_is_dispute_data)
    )

    @router.message(Command("dispute"))
    async def dispute(message: Message, command: CommandObject, disputes: DisputeService) -> None:
        await disputes.command(_sender(message.chat.id, message.from_user), command.args)

    @router.message(Command("disputes"))
    async def open_disputes(message: Message, disputes: DisputeService) -> None:
        await disputes.list_open(_sender(message.chat.id, message.from_user))

    @router.message(Command("stats"))
    async def stats(message: Message, stats: StatsService) -> None:
        await stats.send(_sender(message.chat.id, message.from_user))

    @router.callback_query()
    async def dispute_button(query: CallbackQuery, disputes: DisputeService) -> None:
        press = decode_press(query.data)
        assert press is not None  # guaranteed by the router filter
        chat_id = query.message.chat.id if query.message else query.from_user.id
        who = _sender(chat_id, query.from_user)
        if press.event is None:
            answer = await disputes.open_from_conversation(who, press.target)
        else:
            answer = await disputes.step(who, press.target, press.event)
        await query.answer(answer[:200])

    return router
