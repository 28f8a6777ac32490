"""The ``Notifier`` port over an aiogram ``Bot``: HTML messages with inline keyboards.

A message to an internal business chat id (:mod:`bot.domain.business`) goes to the Telegram
chat behind it with its ``business_connection_id``; ``route`` (the Business service's) says
where, or raises :class:`~bot.domain.ports.Undeliverable` when nothing may be sent there now
(the connection disabled, no reply right, the 24-hour window closed), so the row fails with
that reason and is not retried."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
)

from bot.domain.business import is_business
from bot.domain.models import OutMessage
from bot.domain.ports import (
    Blocked,
    MaybeSent,
    ProbablySent,
    RateLimited,
    RetryLater,
    Undeliverable,
)
from bot.services.business import Route
from bot.telegram.session import UnreadableSuccess

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(message: OutMessage) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a message, if it has buttons."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row]
            for row in message.buttons
        ]
    )


class TelegramNotifier:
    """Sends and edits messages; maps Bot API failures to the port's delivery errors."""

    def __init__(self, bot: Bot, route: Callable[[int], Awaitable[Route]] | None = None) -> None:
        self.bot = bot
        self.route = route

    async def _target(self, chat_id: int) -> dict[str, Any]:
        """``chat_id`` (and ``business_connection_id``) of the Bot API call for ``chat_id``."""
        if not is_business(chat_id):
            return {"chat_id": chat_id}
        if self.route is None:
            raise Undeliverable(f"chat {chat_id} is a business chat and Business mode is off")
        route = await self.route(chat_id)
        return {"chat_id": route.chat_id, "business_connection_id": route.connection_id}

    async def send(self, message: OutMessage) -> int:
        """Send; returns Telegram's message id."""
        target = await self._target(message.chat_id)
        try:
            sent = await self.bot.send_message(
                **target,
                text=message.text,
                parse_mode="HTML",
                reply_markup=keyboard(message),
                link_preview_options=NO_PREVIEW,
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return sent.message_id

    async def send_photo(self, message: OutMessage) -> int:
        """Send ``message.photo`` (PNG bytes) with ``message.text`` as its caption."""
        assert message.photo is not None
        target = await self._target(message.chat_id)
        try:
            sent = await self.bot.send_photo(
                **target,
                photo=BufferedInputFile(message.photo, filename="chart.png"),
                caption=message.text[:1024] or None,
                parse_mode="HTML",
                reply_markup=keyboard(message),
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return sent.message_id

    async def copy(self, message: OutMessage) -> int:
        """Copy a buyer's message (photo, voice, sticker…) into ``message.chat_id``."""
        assert message.copy_of is not None
        if is_business(message.chat_id) or is_business(message.copy_of[0]):
            raise Undeliverable("a bot cannot copy messages into or out of a business chat")
        try:
            copied = await self.bot.copy_message(
                chat_id=message.chat_id,
                from_chat_id=message.copy_of[0],
                message_id=message.copy_of[1],
            )
        except Exception as exc:
            raise _translate(exc) from exc
        return copied.message_id

    async def edit(self, message: OutMessage, message_id: int) -> None:
        """Replace the text and keyboard of a message sent earlier."""
        target = await self._target(message.chat_id)
        try:
            await self.bot.edit_message_text(
                **target,
                message_id=message_id,
                text=message.text,
                parse_mode="HTML",
                reply_markup=keyboard(message),
                link_preview_options=NO_PREVIEW,
            )
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
            raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, UnreadableSuccess):
        return ProbablySent(f"Bot API accepted it but its answer was unreadable ({exc.message})")
    if isinstance(exc, ClientDecodeError):
        return RetryLater(5.0, f"Bot API answered something unreadable ({exc.message})")
    if isinstance(exc, TelegramRetryAfter):
        return RateLimited(float(exc.retry_after), f"rate limited for {exc.retry_after}s")
    if isinstance(exc, TelegramForbiddenError):
        return Blocked(str(exc))
    if isinstance(exc, TelegramNotFound | TelegramBadRequest):
        return Undeliverable(str(exc))
    if isinstance(exc, TelegramNetworkError) and "ClientConnectorError" not in exc.message:
        return MaybeSent(5.0, f"Bot API did not answer: {exc}")
    if isinstance(exc, TelegramNetworkError | TelegramServerError | TimeoutError | OSError):
        return RetryLater(5.0, f"Bot API unreachable: {exc}")
    return RetryLater(5.0, f"unexpected {type(exc).__name__}: {exc}")
