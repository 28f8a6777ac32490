"""What Parley adds to aiogram's HTTP layer: raw ``getUpdates`` and honest unreadable answers.

* :class:`GetRawUpdates` returns the updates as plain JSON objects, so one update aiogram
  cannot parse is stored (and later recorded as failed) instead of failing every poll.
* :class:`StatusAwareSession` tells an unreadable answer with a 2xx status (Telegram most
  likely did what was asked) from one with an error status (it did not).
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class GetRawUpdates(TelegramMethod[list[Any]]):
    """``getUpdates`` whose result is left as JSON (each update parsed later, one by one)."""

    __returning__ = list[Any]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class UnreadableSuccess(ClientDecodeError):
    """The Bot API answered 2xx, but the answer could not be read."""


class StatusAwareMixin:
    """Raises :class:`UnreadableSuccess` for an unreadable 2xx answer (mix into a session)."""

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        """aiogram's check, with the status code kept when the body cannot be read."""
        _keep_response_type(method.__returning__)
        try:
            return BaseSession.check_response(
                self,  # type: ignore[arg-type]
                bot,
                method,
                status_code,
                content,
            )
        except ClientDecodeError as exc:
            if 200 <= status_code < 300 and not isinstance(exc, UnreadableSuccess):
                raise UnreadableSuccess(
                    f"HTTP {status_code} with an unreadable answer", exc.original, exc.data
                ) from exc
            raise


_RESPONSE_TYPES: dict[Any, type[Response[Any]]] = {}


def _keep_response_type(returning: Any) -> None:
    """Hold ``Response[returning]`` for the life of the process. aiogram parametrizes
    ``Response`` on every answer and pydantic caches those classes only weakly, so a
    collected one was rebuilt (schema and validator: ~8 ms, about one answer in three)."""
    try:
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]
    except TypeError:  # an unhashable annotation: leave it to aiogram
        return


class StatusAwareSession(StatusAwareMixin, AiohttpSession):
    """aiogram's aiohttp session with :class:`StatusAwareMixin`."""
