"""An aiogram session answered by the in-memory Bot API (demo, `parley chat`, tests): no network."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.offline.fake_api import ApiError, FakeBotAPI
from bot.telegram.session import StatusAwareMixin


class OfflineSession(StatusAwareMixin, BaseSession):
    """Every Bot API call is answered by the in-memory API, with Telegram's error semantics."""

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__()
        self.fake = api

    async def close(self) -> None:
        """Nothing to close."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        """Answer ``method`` from the fake API, through aiogram's own response checks."""
        files: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared is not None:
                params[key] = prepared
        if files:  # uploads (sendPhoto): the bytes travel beside the attach:// references
            params["_files"] = {
                key: b"".join([chunk async for chunk in file.read(bot)])
                for key, file in files.items()
            }
        try:
            body: dict[str, Any] = {"ok": True, "result": self.fake.call(
                method.__api_method__, params)}  # fmt: skip
            status = 200
        except ApiError as exc:
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            status = exc.status
        response = self.check_response(bot, method, status, json.dumps(body))
        return cast(TelegramType, response.result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """Files are not part of the offline world."""
        yield b""
