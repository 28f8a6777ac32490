"""The yardstick for ``bench/burst.py``'s handling rate: a bare aiogram webhook bot.

It runs aiogram's own ``SimpleRequestHandler`` with one handler that echoes the text back as
the webhook answer (no extra HTTP call, no storage), in its own process, and receives the
same workload as ``bench/burst.py`` part 3: 2,000 text messages from 200 chats posted by 8
concurrent clients. Prints updates/s and CPU per update of the bot process.

Usage: ``python bench/bare_aiogram.py [--updates 2000]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

TOKEN = "123456:BENCH-bare"


def serve(port: int) -> None:
    """The bare bot: aiogram Dispatcher + SimpleRequestHandler, echo as the webhook answer."""
    from aiogram import Bot, Dispatcher
    from aiogram.methods import SendMessage
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    bot = Bot(TOKEN)
    dispatcher = Dispatcher()
    handled = 0

    @dispatcher.message()
    async def echo(message: Message) -> SendMessage:
        nonlocal handled
        handled += 1
        return message.answer(message.text or "")

    async def count(_: web.Request) -> web.Response:
        return web.Response(text=str(handled))

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(app, "/tg")
    app.router.add_get("/count", count)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _update(update_id: int, chat: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": f"where is it ({update_id})",
        "chat": {"id": chat, "type": "private", "first_name": "Buyer"},
        "from": {"id": chat, "is_bot": False, "first_name": "Buyer"}}}  # fmt: skip


async def drive(total: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", str(port))  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/count"):
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            queue = [_update(i + 1, 20_000_000 + i % 200) for i in range(total)]
            queue.reverse()
            cpu = _cpu_seconds(process.pid)
            started = time.monotonic()

            async def poster() -> None:
                while queue:
                    async with session.post(f"http://127.0.0.1:{port}/tg", json=queue.pop()):
                        pass

            await asyncio.gather(*(poster() for _ in range(8)))
            took = time.monotonic() - started
            used = _cpu_seconds(process.pid) - cpu
            async with session.get(f"http://127.0.0.1:{port}/count") as response:
                handled = int(await response.text())
        print(f"bare aiogram webhook echo: {handled} updates handled in {took:.1f} s = "
              f"{handled / took:.0f} updates/s; CPU {used * 1000 / handled:.2f} ms per update",
              flush=True)  # fmt: skip
    finally:
        process.terminate()
        await process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        asyncio.run(drive(args.updates))


if __name__ == "__main__":
    main()
