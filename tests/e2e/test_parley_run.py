"""The real ``parley run`` process against a local HTTP Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from bot.offline.fake_api import FakeBotAPI, FloodControl
from tests.conftest import BUYER, CATALOG_CSV, ORDER_ID, ORDERS_CSV, SECRET, SELLER
from tests.support.fake_server import BotAPIServer, wait_until
from tests.support.fleet import parley

TOKEN = "987654:ABCdefGhIJKlmNoPQRsTUVwxyZ-e2e"


class Process:
    """``parley`` subcommands and the long-running ``parley run``, with their logs."""

    def __init__(self, folder: Path, api_url: str, database: Path | str | None = None) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "PARLEY_BOT_TOKEN": TOKEN,
            "PARLEY_TELEGRAM_API": api_url,
            "PARLEY_SELLER_CHAT_IDS": str(SELLER),
            "PARLEY_DATABASE": str(database or folder / "parley.sqlite3"),
            "PARLEY_LINK_SECRET": SECRET,
            "PARLEY_CONFIG": str(folder / "absent.toml"),
        }
        self.run: asyncio.subprocess.Process | None = None
        self.log = folder / "run.log"

    async def command(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            *parley(), *args, env=self.env, cwd=self.folder,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode().strip()

    async def start(self, *args: str) -> None:
        """``parley run`` with ``args``, its output appended to :attr:`log`."""
        with self.log.open("a") as log:  # the child has its own copy of the descriptor
            self.run = await asyncio.create_subprocess_exec(
                *parley(), "run", *args, env=self.env, cwd=self.folder, stdout=log, stderr=log
            )

    async def stop(self) -> int:
        assert self.run is not None
        self.run.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.run.wait(), 20)


@pytest.fixture
async def api() -> FakeBotAPI:
    fake = FakeBotAPI(username="shoe_store_bot")
    fake.user(SELLER, "Li", "en", "li_shoes")
    fake.user(BUYER, "Anna", "en")
    return fake


@pytest.mark.engines  # also with PARLEY_DATABASE=postgresql://… (tests/conftest.py)
async def test_parley_run_plays_the_case_as_buyer_and_seller(
    tmp_path: Path, api: FakeBotAPI, database: Path | str
) -> None:
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    parley = Process(tmp_path, url, database)
    try:
        (tmp_path / "orders.csv").write_text(ORDERS_CSV)
        (tmp_path / "catalog.csv").write_text(CATALOG_CSV)
        assert "imported 2" in await parley.command("orders", "import", "orders.csv")
        assert "imported 2" in await parley.command("catalog", "import", "catalog.csv")
        link = await parley.command("link", ORDER_ID)
        assert link.startswith("https://t.me/shoe_store_bot?start=")
        payload = await parley.command("link", ORDER_ID, "--payload")
        assert link.endswith(payload)

        await parley.start()
        api.says(SELLER, "/start")
        await wait_until(lambda: any("seller console" in t for t in api.texts(SELLER)),
                         what="seller console")  # fmt: skip
        api.says(BUYER, f"/start {payload}")
        await wait_until(lambda: any("linked" in t for t in api.texts(BUYER)), what="link")
        api.says(BUYER, "The price dropped right after I ordered, I paid 29.90 and now 21.90!")
        await wait_until(lambda: api.buttons(SELLER)[:1] == ["Send"], what="approval card")
        assert "price_drop" in api.texts(SELLER)[-1]

        # SIGTERM between two steps: nothing is lost.
        assert await parley.stop() == 0
        await parley.start()

        api.taps(SELLER, "Send")
        await wait_until(lambda: len(api.buttons(BUYER)) >= 2, what="options for the buyer")
        api.taps(BUYER, "Refund the price difference")
        await wait_until(lambda: api.buttons(SELLER) == ["Done"], what="action card")
        assert "Refund US$8.00" in api.texts(SELLER)[-1]
        api.taps(SELLER, "Done")
        await wait_until(
            lambda: "refunded the price difference of US$8.00" in api.texts(BUYER)[-1],
            what="buyer told",
        )
        assert await parley.stop() == 0
        methods = {name for name, _ in api.calls}
        assert {"getMe", "getUpdates", "sendMessage", "editMessageText"} <= methods
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()


async def test_parley_run_names_a_missing_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env["PARLEY_CONFIG"] = str(tmp_path / "absent.toml")
    proc = await asyncio.create_subprocess_exec(
        *parley(), "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    assert proc.returncode == 2
    assert err.decode().strip() == (
        "parley: PARLEY_BOT_TOKEN: missing (the token BotFather gave the bot)"
    )


async def test_a_buyer_is_answered_past_a_seller_backlog_and_sigterm_leaves_it_queued(
    tmp_path: Path, api: FakeBotAPI
) -> None:
    """Telegram's limits enforced; 300 seller alerts queued before start; an update aiogram
    cannot read arrives first. The buyer is answered while the alerts still trickle out at
    the seller chat's 1 message/s; the broken update fails alone; SIGTERM exits at once and
    leaves the rest of the alerts queued for the next start."""
    api.limits = FloodControl()
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    parley = Process(tmp_path, url)
    try:
        (tmp_path / "orders.csv").write_text(ORDERS_CSV)
        await parley.command("orders", "import", "orders.csv")
        payload = await parley.command("link", ORDER_ID, "--payload")
        database = tmp_path / "parley.sqlite3"
        with sqlite3.connect(database) as conn:
            conn.executemany(
                "INSERT INTO outbox (chat_id, text, status, created_at) VALUES (?,?,?,?)",
                [(SELLER, f"alert {i}", "pending", "2026-05-01T00:00:00+00:00")
                 for i in range(300)],
            )  # fmt: skip
        api.updates.append(
            {
                "update_id": 900,
                "message": {"message_id": 1, "date": 0, "text": "a message without a chat"},
            }
        )
        await parley.start()
        api.says(BUYER, f"/start {payload}")
        api.says(BUYER, "The price dropped right after I ordered, I want the difference back")
        await wait_until(lambda: any("reply shortly" in t for t in api.texts(BUYER)), 60,
                         "the buyer's acknowledgement")  # fmt: skip
        assert len(api.texts(SELLER)) < 100  # the alerts are still trickling out
        assert await parley.stop() == 0
        with sqlite3.connect(database) as conn:
            pending = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status='pending'").fetchone()[0]  # fmt: skip
            broken = conn.execute(
                "SELECT status, payload FROM inbox WHERE update_id=900").fetchone()  # fmt: skip
            handled = conn.execute(
                "SELECT COUNT(*) FROM inbox WHERE status='done'").fetchone()[0]  # fmt: skip
        assert pending > 100  # left for the next start, not sent in a hurry or dropped
        assert broken[0] == "failed" and "without a chat" in broken[1]
        assert handled == 2
        assert api.limits.rejected == 0  # never a 429
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()
