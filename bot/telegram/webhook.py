"""Webhook mode's Telegram side: register the webhook URL with its secret token."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot


async def set_webhook(bot: Bot, url: str, secret: str, allowed_updates: Sequence[str]) -> None:
    """Point Telegram at ``url``; it will send ``secret`` in X-Telegram-Bot-Api-Secret-Token.

    Pending updates are kept (Telegram delivers them to the webhook). Going back to long
    polling later removes the webhook automatically (see :class:`bot.telegram.polling.Poller`).
    """
    await bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=list(allowed_updates),
        drop_pending_updates=False,
    )
