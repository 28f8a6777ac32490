"""The ``Notifier`` port over an aiogram ``Bot``: HTML messages with inline keyboards.

A message to an internal business chat id (:mod:`bot.domain.business`) goes to the Telegram
chat behind it with its ``business_connection_id``; ``route`` (the Business service's) says
where, or raises :class:`~bot.domain.ports.Undeliverable` when nothing may be sent there now
(the connection disabled, no reply right, the 24-hour window closed), so the row fails with
that reason and is not retried.

A message to an internal topic chat id (:mod:`bot.domain.team`) goes to the team group with
the topic's ``message_thread_id``; the forum topic is created on its first message
(``createForumTopic``). Should Telegram refuse to create it (the group is no forum, the bot
lacks the "Manage topics" right) the message goes to the group's General topic instead, so no
card is lost; a topic someone deleted is forgotten and made again on the next try."""

from __future__ import annotations

import logging
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
    EditTargetGone,
    MaybeSent,
    ProbablySent,
    RateLimited,
    RetryLater,
    Undeliverable,
)
from bot.domain.team import TopicAction, is_topic
from bot.services.business import Route
from bot.services.team import TeamService
from bot.telegram.session import UnreadableSuccess

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
log = logging.getLogger(__name__)


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

    def __init__(
        self,
        bot: Bot,
        route: Callable[[int], Awaitable[Route]] | None = None,
        team: TeamService | None = None,
    ) -> None:
        self.bot = bot
        self.route = route
        self.team = team

    async def _target(self, chat_id: int, *, thread: bool = True) -> dict[str, Any]:
        """``chat_id`` (and ``business_connection_id`` or ``message_thread_id``) of the Bot API
        call for ``chat_id``; ``thread`` False for calls that take no thread (edits)."""
        if is_topic(chat_id):
            return await self._topic_target(chat_id, thread)
        if not is_business(chat_id):
            return {"chat_id": chat_id}
        if self.route is None:
            raise Undeliverable(f"chat {chat_id} is a business chat and Business mode is off")
        route = await self.route(chat_id)
        return {"chat_id": route.chat_id, "business_connection_id": route.connection_id}

    async def _topic_target(self, chat_id: int, thread: bool) -> dict[str, Any]:
        if self.team is None:
            raise Undeliverable(f"chat {chat_id} is a team topic and the team console is off")
        route = await self.team.route(chat_id, named=thread)
        thread_id = route.thread_id
        if thread and route.rename and thread_id is not None:
            await self._rename(chat_id, route.group_id, thread_id, route.name)
        if thread and thread_id is None:
            try:
                made = await self.bot.create_forum_topic(chat_id=route.group_id, name=route.name)
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                log.warning("team group %s: no topic made (%s); writing to General",
                            route.group_id, exc.message)  # fmt: skip
                return {"chat_id": route.group_id}
            except Exception as exc:
                raise _translate(exc) from exc
            thread_id = made.message_thread_id
            await self.team.made(chat_id, thread_id, route.name)
        if not thread or thread_id is None:
            return {"chat_id": route.group_id}
        return {"chat_id": route.group_id, "message_thread_id": thread_id}

    async def _rename(self, chat_id: int, group_id: int, thread_id: int, name: str) -> None:
        """Rename a topic whose buyer's latest order changed. A refusal only costs the new
        name (logged, not tried again; the message still goes out); a deleted topic is left
        to the send, which makes a new one."""
        assert self.team is not None
        try:
            await self.bot.edit_forum_topic(
                chat_id=group_id, message_thread_id=thread_id, name=name
            )
        except TelegramBadRequest as exc:
            if "NOT_MODIFIED" not in exc.message.upper():
                log.warning("team group %s: topic %s not renamed (%s)",
                            group_id, thread_id, exc.message)  # fmt: skip
        except Exception as exc:
            raise _translate(exc) from exc
        await self.team.named(chat_id, name)

    async def _lost_topic(self, chat_id: int, exc: Exception) -> Exception:
        """What a failed call into a topic becomes: a deleted topic is forgotten (a new one is
        made on the retry), anything else is translated as usual."""
        if (
            is_topic(chat_id)
            and self.team is not None
            and isinstance(exc, TelegramBadRequest)
            and "thread not found" in exc.message.lower()
        ):
            await self.team.gone(chat_id)
            return RetryLater(1.0, "the topic was deleted; a new one is made")
        return _translate(exc)

    async def topic(self, message: OutMessage) -> None:
        """Close or reopen the forum topic behind ``message.chat_id``."""
        if self.team is None or not is_topic(message.chat_id):
            raise Undeliverable(f"chat {message.chat_id} is not a team topic")
        route = await self.team.route(message.chat_id)
        if route.thread_id is None:
            return  # never made: nothing to close or reopen
        call = (
            self.bot.close_forum_topic
            if message.action == TopicAction.CLOSE
            else self.bot.reopen_forum_topic
        )
        try:
            await call(chat_id=route.group_id, message_thread_id=route.thread_id)
        except TelegramBadRequest as exc:
            text = exc.message.upper()
            if "TOPIC_NOT_MODIFIED" in text or "NOT MODIFIED" in text:
                return  # already so: a person closed or reopened it by hand
            if "THREAD NOT FOUND" in text or "TOPIC_ID_INVALID" in text:
                await self.team.gone(message.chat_id)
                return
            raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc

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
            raise await self._lost_topic(message.chat_id, exc) from exc
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
            raise await self._lost_topic(message.chat_id, exc) from exc
        return sent.message_id

    async def copy(self, message: OutMessage) -> int:
        """Copy a buyer's message (photo, voice, sticker…) into ``message.chat_id``."""
        assert message.copy_of is not None
        if is_business(message.chat_id) or is_business(message.copy_of[0]):
            raise Undeliverable("a bot cannot copy messages into or out of a business chat")
        target = await self._target(message.chat_id)
        try:
            copied = await self.bot.copy_message(
                **target,
                from_chat_id=message.copy_of[0],
                message_id=message.copy_of[1],
            )
        except Exception as exc:
            raise await self._lost_topic(message.chat_id, exc) from exc
        return copied.message_id

    async def edit(self, message: OutMessage, message_id: int) -> None:
        """Replace the text and keyboard of a message sent earlier."""
        target = await self._target(message.chat_id, thread=False)
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
            if any(gone in exc.message.lower() for gone in EDIT_TARGET_GONE):
                raise EditTargetGone(str(exc)) from exc
            raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc


# Telegram's refusals of an edit whose message is gone (deleted by hand, with its topic, or
# too old to edit): "message to edit not found", "message can't be edited", MESSAGE_ID_INVALID
EDIT_TARGET_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


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
