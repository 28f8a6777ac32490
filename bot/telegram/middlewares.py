"""Outer middlewares: what every handler of a message or button press gets injected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.services.team import TeamService
from bot.telegram.filters import chat_of, sender


class SenderMiddleware(BaseMiddleware):
    """Injects ``sender``: the :class:`~bot.domain.models.Sender` acting in the update's chat,
    named after the person who wrote or pressed (a seller chat for the seller, the buyer's
    own chat for a buyer). Runs before the filters, which only decide *whether* that sender
    may act there (:mod:`bot.telegram.filters`). In the team group, ``sender`` is the buyer's
    topic the person acted in (``team`` knows which), so answers go back there."""

    def __init__(self, team: TeamService | None = None) -> None:
        self.team = team

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message | CallbackQuery):
            chat = chat_of(event)
            if chat is not None:
                place = None
                if self.team is not None and chat.id == self.team.console.group_id:
                    place = await self.team.place(chat.id, _thread(event))
                data["sender"] = sender(chat.id, event.from_user, place)
        return await handler(event, data)


def _thread(event: Message | CallbackQuery) -> int | None:
    """The forum topic an update sits in (its message's ``message_thread_id``), if any."""
    message = event if isinstance(event, Message) else event.message
    if not isinstance(message, Message) or not message.is_topic_message:
        return None
    return message.message_thread_id
