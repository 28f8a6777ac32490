"""Outer middlewares: what every handler of a message or button press gets injected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.telegram.filters import chat_of, sender


class SenderMiddleware(BaseMiddleware):
    """Injects ``sender``: the :class:`~bot.domain.models.Sender` acting in the update's chat,
    named after the person who wrote or pressed (a seller chat for the seller, the buyer's
    own chat for a buyer). Runs before the filters, which only decide *whether* that sender
    may act there (:mod:`bot.telegram.filters`)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message | CallbackQuery):
            chat = chat_of(event)
            if chat is not None:
                data["sender"] = sender(chat.id, event.from_user)
        return await handler(event, data)
