"""A burst of due follow-ups against a local Bot API server that enforces Telegram's limits.

Builds ``--count`` due follow-ups (default 10,000; ``--per-buyer`` of them per buyer chat, so
the per-chat limit matters), runs the real ``parley run`` against a local Bot API server that
answers 429 with ``retry_after`` above 30 messages/s, 1 message/s per chat or 20/min per
group, and reports the rate, the 429 count (target 0) and the smallest gap between two
messages to the same chat (target ≥ 1 s). At ~29 messages/s, 10,000 take about 6 minutes.

Usage: ``python bench/followups_burst.py [--count 10000] [--per-buyer 2]``
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from followups_startup import SELLER, TOKEN, build_db, parley_env

from bot.offline.fake_api import FakeBotAPI, FloodControl
from tests.support.fake_server import BotAPIServer, wait_until


async def burst(folder: Path, count: int) -> dict[str, float]:
    fake = FakeBotAPI()
    limits = FloodControl()
    fake.limits = limits
    server = BotAPIServer(fake, TOKEN)
    url = await server.start()
    sent: list[float] = []

    def listen(event: str, data: dict[str, Any]) -> None:
        if event == "send" and data["chat"]["id"] != SELLER:
            sent.append(time.perf_counter())

    fake.listeners.append(listen)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=parley_env(folder, url), cwd=folder
    )
    last_report = time.perf_counter()
    try:
        await wait_until(lambda: bool(sent), timeout=60, what="first follow-up")
        while len(sent) < count:
            await asyncio.sleep(1.0)
            if proc.returncode is not None:
                raise RuntimeError(f"parley run exited with {proc.returncode}")
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                print(f"  … {len(sent):,}/{count:,} sent, 429s so far: {limits.rejected}",
                      flush=True)  # fmt: skip
        elapsed = sent[-1] - sent[0]
        return {
            "sent": len(sent),
            "elapsed": elapsed,
            "rate": (len(sent) - 1) / elapsed if elapsed else 0.0,
            "rejected": limits.rejected,
            "min_gap": limits.min_gap() or float("nan"),
            "peak": limits.peak_per_second(),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="due follow-ups")
    parser.add_argument("--per-buyer", type=int, default=2, help="follow-ups per buyer chat")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_db(folder / "bench.sqlite3", args.count, per_buyer=args.per_buyer)
        print(f"{args.count:,} due follow-ups for {-(-args.count // args.per_buyer):,} buyers; "
              f"sending at the limiter's rate (about {args.count / 29 / 60:.1f} min)…",
              flush=True)  # fmt: skip
        result = asyncio.run(burst(folder, args.count))
        with sqlite3.connect(folder / "bench.sqlite3") as conn:
            states = Counter(dict(conn.execute(
                "SELECT status, COUNT(*) FROM followups GROUP BY status").fetchall()))  # fmt: skip
    print(
        f"burst of {int(result['sent']):,} follow-ups: {result['elapsed']:.0f} s, "
        f"{result['rate']:.1f} messages/s (peak {int(result['peak'])} in any 1 s window); "
        f"429 answers: {int(result['rejected'])}; smallest gap between two messages to the "
        f"same chat: {result['min_gap']:.3f} s; rows: {dict(states)}"
    )


if __name__ == "__main__":
    main()
