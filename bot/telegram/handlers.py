"""Routers and handlers. Thin: parse the update, call one service, answer what it returns.

Services arrive through aiogram's dependency injection (``Dispatcher(buyers=..., sellers=...)``).
Every word a handler shows by itself (refusals, error answers, toasts) comes from a template,
through :class:`~bot.telegram.texts.Texts` (``texts``), in the reader's audience and language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot.domain import callbacks
from bot.domain.errors import ParleyError
from bot.domain.models import Sender
from bot.domain.team import Console
from bot.domain.text import strip_html
from bot.services.buyers import BuyerService
from bot.services.csat import CsatService
from bot.services.refusals import MESSAGE_LIMIT
from bot.services.sellers import SellerService
from bot.services.topics import TopicService
from bot.telegram.filters import (
    OTHER_CHAT,
    InSellerChat,
    OwnChat,
    Press,
    SellerGate,
    chat_of,
    refuse,
)
from bot.telegram.texts import Texts

log = logging.getLogger(__name__)


def _content_kind(message: Message) -> str:
    return str(message.content_type).removeprefix("ContentType.").lower()


async def _chosen(texts: Texts, query: CallbackQuery, label: str) -> str:
    """The toast confirming what a buyer picked (``label`` is rendered text already)."""
    reader = await texts.buyer(query.from_user)
    return texts.toast(texts.text(reader, "toast/chosen", label=strip_html(label)))


def build_routers(seller_chat_ids: Console | tuple[int, ...]) -> list[Router]:
    """The errors router, the seller-chat guard, the seller router and the buyer router.

    Who may do what is decided by :mod:`bot.telegram.filters`: the guard turns away every
    update in a seller chat from someone who may not act as the seller there (so it never
    reaches the buyer side either); the seller router then acts for ``sender`` as the seller,
    the buyer router for the person in their own private chat. ``sender`` is injected by
    :class:`~bot.telegram.middlewares.SenderMiddleware`.
    """
    gate = SellerGate(seller_chat_ids)

    guard = Router(name="seller-guard")
    guard.message.filter(InSellerChat(seller_chat_ids), ~gate)
    guard.callback_query.filter(InSellerChat(seller_chat_ids), ~gate)

    @guard.message()
    async def not_a_seller_message(message: Message, texts: Texts) -> None:
        await refuse(message, "in a seller chat from a non-seller", texts)

    @guard.callback_query()
    async def not_a_seller_press(query: CallbackQuery, texts: Texts) -> None:
        await refuse(query, "in a seller chat from a non-seller", texts)

    seller = Router(name="seller")
    seller.message.filter(gate)
    seller.callback_query.filter(gate, Press(callbacks.SELLER_VERBS))

    @seller.message(CommandStart())
    @seller.message(Command("help"))
    async def seller_start(message: Message, sender: Sender, sellers: SellerService) -> None:
        await sellers.register(sender)

    @seller.message(Command("cancel"))
    async def seller_cancel(message: Message, sender: Sender, sellers: SellerService) -> None:
        await sellers.cancel_edit(sender)
        await sellers.text(sender, "")  # shows the help again

    @seller.message(Command("inbox"))
    async def seller_inbox(
        message: Message, command: CommandObject, sender: Sender, sellers: SellerService
    ) -> None:
        await sellers.inbox(sender, command.args or "")

    @seller.message(Command("order"))
    async def seller_order(
        message: Message, command: CommandObject, sender: Sender, sellers: SellerService
    ) -> None:
        await sellers.order(sender, command.args or "")

    @seller.message(Command("end"))
    async def seller_end(message: Message, sender: Sender, sellers: SellerService) -> None:
        await sellers.end(sender)

    @seller.message(F.text)
    async def seller_text(message: Message, sender: Sender, sellers: SellerService) -> None:
        await sellers.text(sender, message.text or "")

    @seller.message()
    async def seller_other(message: Message, sender: Sender, sellers: SellerService) -> None:
        await sellers.text(sender, message.caption or "")

    @seller.callback_query(Press({"topic"}))
    async def seller_topics(
        query: CallbackQuery, press: callbacks.Callback, sender: Sender, topics: TopicService
    ) -> None:
        await query.answer(await topics.show(sender, press.target))

    @seller.callback_query(Press({"retopic"}))
    async def seller_retopic(
        query: CallbackQuery, press: callbacks.Callback, sender: Sender, topics: TopicService
    ) -> None:
        await query.answer(await topics.choose(sender, press.target, press.name), show_alert=True)

    @seller.callback_query()
    async def seller_button(
        query: CallbackQuery, press: callbacks.Callback, sender: Sender, sellers: SellerService
    ) -> None:
        if press.verb == "tog":
            await query.answer(await sellers.toggle(sender, press.target, press.index))
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
            "asgn": sellers.assign,
        }
        await query.answer(await actions[press.verb](sender, press.target))

    buyer = Router(name="buyer")
    buyer.message.filter(F.chat.type == "private")

    @buyer.message(~OwnChat())
    async def not_own_chat(message: Message, texts: Texts) -> None:
        await refuse(message, "in a private chat that is not the sender's", texts)

    @buyer.message(CommandStart(), OwnChat())
    async def buyer_start(
        message: Message, command: CommandObject, sender: Sender, buyers: BuyerService
    ) -> None:
        await buyers.start(sender, command.args)

    @buyer.message(F.text, OwnChat())
    async def buyer_text(message: Message, sender: Sender, buyers: BuyerService) -> None:
        await buyers.message(sender, message.text or "")

    @buyer.message(OwnChat())
    async def buyer_other(message: Message, sender: Sender, buyers: BuyerService) -> None:
        await buyers.message(
            sender,
            message.caption or "",
            kind=_content_kind(message),
            message_id=message.message_id,
        )

    @buyer.callback_query(Press({"pick"}), OwnChat())
    async def buyer_pick(
        query: CallbackQuery,
        press: callbacks.Callback,
        sender: Sender,
        buyers: BuyerService,
        texts: Texts,
    ) -> None:
        label = await buyers.pick(sender, press.target, press.name or press.index)
        await query.answer(await _chosen(texts, query, label))

    @buyer.callback_query(Press({"clar"}), OwnChat())
    async def buyer_clarify(
        query: CallbackQuery,
        press: callbacks.Callback,
        sender: Sender,
        buyers: BuyerService,
        texts: Texts,
    ) -> None:
        topic = await buyers.clarify(sender, press.target, press.name or press.index)
        await query.answer(await _chosen(texts, query, topic))

    @buyer.callback_query(Press({"csat"}), OwnChat())
    async def buyer_rate(
        query: CallbackQuery,
        press: callbacks.Callback,
        sender: Sender,
        csat: CsatService,
        texts: Texts,
    ) -> None:
        await query.answer(texts.toast(await csat.rate(sender, press.target, press.index)))

    @buyer.callback_query(Press(callbacks.BUYER_VERBS))
    async def not_own_press(query: CallbackQuery, texts: Texts) -> None:
        await refuse(query, "on a buyer message not in the presser's chat", texts, OTHER_CHAT)

    @buyer.callback_query()
    async def foreign_button(query: CallbackQuery, texts: Texts) -> None:
        await refuse(query, "not ours or seller-only", texts)

    errors = Router(name="errors")

    # Only ParleyError is answered here. Any other exception must leave the Dispatcher (an
    # error handler's answer, even False, would swallow it): the inbox records an unexpected
    # one as failed and leaves the update pending on UpdateTaken or StorageUnavailable.
    @errors.error(ExceptionTypeFilter(ParleyError))
    async def on_error(event: ErrorEvent, texts: Texts) -> bool:
        """A typed error from a service: tell the person who acted why, in their audience
        and language (``refusal/<key>``, see :mod:`bot.services.refusals`)."""
        exc = event.exception
        assert isinstance(exc, ParleyError)
        log.info("update %s: %s (%s)", event.update.update_id, exc, exc.key)
        update = event.update
        source: CallbackQuery | Message | None = update.callback_query or update.message
        if source is None:
            return True
        chat = chat_of(source)
        # Only the seller gets past the guard in a seller chat, so an error there is theirs.
        as_seller = chat is not None and gate.console.in_console(chat.id)
        text = texts.refusal(await texts.reader(source.from_user, as_seller=as_seller), exc)
        if isinstance(source, CallbackQuery):
            await source.answer(texts.toast(text), show_alert=True)
        else:
            await source.answer(text[:MESSAGE_LIMIT], parse_mode="HTML")
        return True

    return [errors, guard, seller, buyer]
