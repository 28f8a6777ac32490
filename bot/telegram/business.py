"""Telegram Business updates: the transport edge that turns a business chat into an internal
chat id (see :mod:`bot.domain.business` for why, :mod:`bot.services.business` for the use
cases).

* ``business_connection`` → :meth:`BusinessService.connection` (rights from Bot API 9.0's
  ``rights``, else the deprecated ``can_reply``).
* ``business_message`` → from the buyer (``from.id == chat.id``: in a private chat the other
  person *is* the chat) :meth:`BusinessService.buyer_wrote`; from anyone else — the business
  account's owner, typing by hand — :meth:`BusinessService.seller_wrote`. Messages a business
  bot sent (``sender_business_bot``, our own replies among them) are not the seller's words
  and are ignored.
* A button pressed on a message the bot sent into a business chat arrives as an ordinary
  ``callback_query`` whose message carries ``business_connection_id``;
  :class:`BusinessSenderMiddleware` replaces ``sender`` with the internal chat, so the buyer
  handlers act on the business conversation, not on the bot chat of the same id.

Edited and deleted business messages are not asked for (no handler): an edit does not change
what a conversation already decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware, Dispatcher, Router
from aiogram.types import BusinessConnection, CallbackQuery, Message, TelegramObject

from bot.domain.business import Connection, reply_right
from bot.domain.models import MessageKind, Sender
from bot.domain.ports import Clock, Store
from bot.services.business import BusinessService
from bot.services.buyers import BuyerService
from bot.services.presenter import Presenter
from bot.services.replies import Cards
from bot.telegram.filters import sender


def connection_of(update: BusinessConnection) -> Connection:
    """The domain's view of a ``business_connection`` update."""
    rights = update.rights.model_dump(exclude_none=True) if update.rights is not None else None
    return Connection(
        id=update.id,
        user_id=update.user.id,
        user_chat_id=update.user_chat_id,
        is_enabled=update.is_enabled,
        can_reply=reply_right(update.can_reply, rights),
        rights={k: bool(v) for k, v in (rights or {}).items()},
    )


def build_business_router() -> Router:
    """The router of ``business_connection`` and ``business_message`` updates."""
    router = Router(name="business")

    @router.business_connection()
    async def on_connection(update: BusinessConnection, business: BusinessService) -> None:
        await business.connection(connection_of(update), sender(update.user_chat_id, update.user))

    @router.business_message()
    async def on_message(message: Message, business: BusinessService) -> None:
        user, connection_id = message.from_user, message.business_connection_id
        if user is None or connection_id is None or message.sender_business_bot is not None:
            return
        text = message.text or message.caption or ""
        kind = str(message.content_type).removeprefix("ContentType.").lower()
        if message.text is not None:
            kind = MessageKind.TEXT
        if user.id == message.chat.id:
            await business.buyer_wrote(connection_id, sender(message.chat.id, user), text, kind)
        else:
            who = sender(user.id, user)
            await business.seller_wrote(connection_id, message.chat.id, who, text, kind)

    return router


class BusinessSenderMiddleware(BaseMiddleware):
    """For a button on a business-chat message: ``sender`` is the internal business chat
    (runs after :class:`~bot.telegram.middlewares.SenderMiddleware`)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, CallbackQuery) and isinstance(event.message, Message):
            connection_id = event.message.business_connection_id
            business = data.get("business")
            if connection_id and isinstance(business, BusinessService):
                internal = await business.known_chat_id(connection_id, event.message.chat.id)
                if internal is None:  # nothing of ours was ever sent there
                    return None
                found: Sender = sender(internal, event.from_user)
                data["sender"] = found
        return await handler(event, data)


def install_business(
    dispatcher: Dispatcher,
    store: Store,
    clock: Clock,
    presenter: Presenter,
    cards: Cards,
    buyers: BuyerService,
    seller_chat_ids: Sequence[int],
) -> BusinessService:
    """Wire Business mode into ``dispatcher`` (after the other routers and middlewares): the
    service (injected as ``business``), the callback middleware and the router. The notifier
    needs :meth:`BusinessService.route` of the returned service."""
    service = BusinessService(store, clock, presenter, cards, buyers, seller_chat_ids)
    dispatcher["business"] = service
    dispatcher.callback_query.outer_middleware(BusinessSenderMiddleware())
    dispatcher.include_router(build_business_router())
    return service
