"""setMyCommands: the command menu, described in the reader's language.

``/start`` for buyers: English by default, and in each buyer language for Telegram users
with that ``language_code``; the console commands in each seller chat, in the console
language. The words are templates (:mod:`bot.services.commands`). A nicety: a failure is
logged and the bot works without a menu.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat

from bot.domain.ports import Renderer
from bot.domain.text import LANGUAGES
from bot.services.commands import BUYER, SELLER, descriptions

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en"  # what users whose language has no templates see


def _menu(renderer: Renderer, audience: str, language: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=text)
        for name, text in descriptions(renderer, audience, language)
    ]


async def register_commands(
    bot: Bot,
    seller_chat_ids: Iterable[int],
    *,
    renderer: Renderer,
    seller_language: str = "en",
    buyer_languages: Iterable[str] = LANGUAGES,
) -> None:
    """Set the command menus: buyers' default and per language, then each seller chat's."""
    try:
        await bot.set_my_commands(_menu(renderer, BUYER, DEFAULT_LANGUAGE))
        for language in buyer_languages:
            await bot.set_my_commands(_menu(renderer, BUYER, language), language_code=language)
        console = _menu(renderer, SELLER, seller_language)
        for chat_id in seller_chat_ids:
            await bot.set_my_commands(console, scope=BotCommandScopeChat(chat_id=chat_id))
    except Exception as exc:  # noqa: BLE001 - commands are a nicety; the bot works without
        log.warning("setMyCommands failed: %s", exc)
