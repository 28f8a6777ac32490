"""A local HTTP server that speaks the Telegram Bot API (``/bot<token>/<method>``) on 127.0.0.1.

It serves :class:`FakeBotAPI` over real HTTP, so the real ``parley run`` process can be
pointed at it with ``PARLEY_TELEGRAM_API``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from bot.offline.fake_api import ApiError, FakeBotAPI


class BotAPIServer:
    """Serves one bot token; any other token gets 401 like Telegram."""

    def __init__(self, fake: FakeBotAPI, token: str) -> None:
        self.fake = fake
        self.token = token
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        """Start on a free port; returns the base URL."""
        app = web.Application(client_max_size=2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            self.fake.wake()  # end pending long polls so the server can close at once
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        method = request.match_info["method"]
        if method.lower() == "getupdates":
            timeout = float(params.get("timeout") or 0)
            await self.fake.wait_update(min(timeout, 30.0))
        try:
            result = self.fake.call(method, params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.status,
                                    "description": exc.description}  # fmt: skip
            if exc.parameters:
                body["parameters"] = exc.parameters
            return _answer(exc.status, body)
        return _answer(200, {"ok": True, "result": result})


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


async def wait_until(condition: Any, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``condition()`` until it is true, or fail after ``timeout`` seconds (a generous
    deadline: a ``parley run`` child starting on a shared 2-core machine can take 20 s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
