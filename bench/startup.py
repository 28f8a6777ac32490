"""Start-up time of ``parley run``: process start until the bot answers its first update.

Runs the real ``parley run`` against a local Bot API server on 127.0.0.1 and prints, over
several runs, the time until "ready" (seller /start answered) and the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.offline.fake_api import FakeBotAPI
from tests.support.fake_server import BotAPIServer, wait_until

TOKEN = "123456:BENCH-startup"
SELLER = 42
RUNS = 5


async def one_run(folder: Path) -> float:
    fake = FakeBotAPI()
    server = BotAPIServer(fake, TOKEN)
    url = await server.start()
    env = {
        **os.environ,
        "PARLEY_BOT_TOKEN": TOKEN,
        "PARLEY_TELEGRAM_API": url,
        "PARLEY_SELLER_CHAT_IDS": str(SELLER),
        "PARLEY_LINK_SECRET": "bench-secret-0123456789",
        "PARLEY_DATABASE": str(folder / "bench.sqlite3"),
        "PARLEY_LOG_LEVEL": "WARNING",
    }
    fake.says(SELLER, "/start")
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=folder
    )
    try:
        await wait_until(lambda: bool(fake.texts(SELLER)), timeout=60, what="first answer")
        return time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await server.stop()


async def main() -> None:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            times.append(await one_run(Path(tmp)))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        "parley run: process start → first update answered: "
        f"median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, {RUNS} runs); peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    asyncio.run(main())
