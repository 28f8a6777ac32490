"""Routers and handlers. Thin: parse the update, call one service, answer what it returns.

Services arrive through aiogram's dependency injection (``Dispatcher(buyers=..., sellers=...)``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from bot.domain import callbacks
from bot.domain.errors import NotAllowed, NotFound, ParleyError, StaleAction
from bot.domain.models import Sender
from bot.services.buyers import BuyerService
from bot.services.sellers import SellerService

log = logging.getLogger(__name__)


def _sender(chat_id: int, user: User | None) -> Sender:
    if user is None:
        return Sender(chat_id)
    return Sender(chat_id, user.full_name, user.username or "", user.language_code or "")


def _message_sender(message: Message) -> Sender:
    return _sender(message.chat.id, message.from_user)


def _callback_sender(query: CallbackQuery) -> Sender:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return _sender(chat_id, query.from_user)


def _content_kind(message: Message) -> str:
    return str(message.content_type).removeprefix("ContentType.").lower()


def build_routers(seller_chat_ids: tuple[int, ...]) -> list[Router]:
    """The seller router (only configured seller chats), the buyer router and error handling."""
    seller = Router(name="seller")
    seller.message.filter(F.chat.id.in_(seller_chat_ids))
    seller.callback_query.filter(
        F.message.chat.id.in_(seller_chat_ids), F.data.func(_is_seller_data)
    )

    @seller.message(CommandStart())
    @seller.message(Command("help"))
    async def seller_start(message: Message, sellers: SellerService) -> None:
        await sellers.register(_message_sender(message))

    @seller.message(Command("cancel"))
    async def seller_cancel(message: Message, sellers: SellerService) -> None:
        await sellers.cancel_edit(_message_sender(message))
        await sellers.text(_message_sender(message), "")  # shows the help again

    @seller.message(Command("inbox"))
    async def seller_inbox(message: Message, sellers: SellerService) -> None:
        await sellers.inbox(_message_sender(message))

    @seller.message(Command("order"))
    async def seller_order(
        message: Message, command: CommandObject, sellers: SellerService
    ) -> None:
        await sellers.order(_message_sender(message), command.args or "")

    @seller.message(Command("end"))
    async def seller_end(message: Message, sellers: SellerService) -> None:
        await sellers.end(_message_sender(message))

    @seller.message(F.text)
    async def seller_text(message: Message, sellers: SellerService) -> None:
        await sellers.text(_message_sender(message), message.text or "")

    @seller.message()
    async def seller_other(message: Message, sellers: SellerService) -> None:
        await sellers.text(_message_sender(message), message.caption or "")

    @seller.callback_query()
    async def seller_button(query: CallbackQuery, sellers: SellerService) -> None:
        press = callbacks.decode(query.data)
        assert press is not None  # guaranteed by the router filter
        who = _callback_sender(query)
        if press.verb == "tog":
            await query.answer(await sellers.toggle(who, press.target, press.index))
            return
        actions: dict[str, Callable[[Sender, int], Awaitable[str]]] = {
            "send": sellers.send,
            "edit": sellers.start_edit,
            "dism": sellers.dismiss,
            "opts": sellers.options,
            "back": sellers.back,
            "take": sellers.take_over,
            "end": sellers.end,
            "esend": sellers.send_edited,
            "ecancel": sellers.cancel_edit,
            "done": sellers.done,
        }
        await query.answer(await actions[press.verb](who, press.target))

    buyer = Router(name="buyer")
    buyer.message.filter(F.chat.type == "private")

    @buyer.message(CommandStart())
    async def buyer_start(message: Message, command: CommandObject, buyers: BuyerService) -> None:
        await buyers.start(_message_sender(message), command.args)

    @buyer.message(F.text)
    async def buyer_text(message: Message, buyers: BuyerService) -> None:
        await buyers.message(_message_sender(message), message.text or "")

    @buyer.message()
    async def buyer_other(message: Message, buyers: BuyerService) -> None:
        await buyers.message(
            _message_sender(message),
            message.caption or "",
            kind=_content_kind(message),
            message_id=message.message_id,
        )

    @buyer.callback_query(F.data.func(_is_pick))
    async def buyer_pick(query: CallbackQuery, buyers: BuyerService) -> None:
        press = callbacks.decode(query.data)
        assert press is not None
        label = await buyers.pick(_callback_sender(query), press.target, press.index)
        await query.answer(f"✔ {label}"[:200])

    @buyer.callback_query(F.data.func(_is_clarification))
    async def buyer_clarify(query: CallbackQuery, buyers: BuyerService) -> None:
        press = callbacks.decode(query.data)
        assert press is not None
        topic = await buyers.clarify(_callback_sender(query), press.target, press.index)
        await query.answer(f"✔ {topic}"[:200])

    @buyer.callback_query()
    async def foreign_button(query: CallbackQuery) -> None:
        log.warning("refused button %r from chat %s", query.data, _callback_sender(query).chat_id)
        await query.answer("Only the seller can use this button.", show_alert=True)

    errors = Router(name="errors")

    @errors.error()
    async def on_error(event: ErrorEvent) -> bool:
        exc = event.exception
        if not isinstance(exc, ParleyError):
            return False  # unexpected: let the inbox record it as failed
        query = event.update.callback_query
        if isinstance(exc, StaleAction | NotFound):
            text = f"Nothing to do: {exc}"
        elif isinstance(exc, NotAllowed):
            text = f"Not allowed: {exc}"
        else:
            text = str(exc)
        log.info("update %s: %s", event.update.update_id, exc)
        if query is not None:
            await query.answer(text[:200], show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text[:4000])
        return True

    return [errors, seller, buyer]


def _is_seller_data(data: str | None) -> bool:
    press = callbacks.decode(data)
    return press is not None and press.verb in callbacks.SELLER_VERBS


def _is_pick(data: str | None) -> bool:
    press = callbacks.decode(data)
    return press is not None and press.verb == "pick"


def _is_clarification(data: str | None) -> bool:
    press = callbacks.decode(data)
    return press is not None and press.verb == "clar"
