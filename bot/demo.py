"""``parley demo``: the source's price-drop case played offline, as a readable transcript.

Real Dispatcher, real services, real SQLite; only Telegram is replaced by the in-memory Bot
API. Parley is restarted halfway through to show that every step lives in the database.
"""

from __future__ import annotations

import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.offline.fake_api import FakeBotAPI, plain
from bot.services.clock import ManualClock
from bot.services.linking import LinkService
from bot.settings import Settings
from bot.telegram.offline_session import OfflineSession
from bot.wiring import load_content

SELLER, BUYER = 7000001, 5550001
DEMO_SECRET = "demo-link-secret-not-for-production"
ORDERS_CSV = """order_id,buyer_name,item_title,sku,quantity,unit_price,currency,paid_at,status,carrier,tracking_number,shipped_at,promised_delivery_by,delivered_at,buyer_country,buyer_language
8175342209981234,Anna,Handmade cloth shoes (black; EU 38),CS-BLK-38,1,29.90,USD,2026-04-29T10:15:00Z,paid,,,,2026-05-25,,US,en
"""  # noqa: E501
CATALOG_CSV = """sku,title,price,currency,promotion,promotion_ends
CS-BLK-38,Handmade cloth shoes,21.90,USD,May Day Labor Day sale,2026-05-05
"""
NAMES = {SELLER: "Li (seller)", BUYER: "Anna (buyer)"}


class Transcript:
    """Prints both chats as they happen."""

    def __init__(self) -> None:
        self.lines = 0

    def say(self, chat_id: int, text: str) -> None:
        """A person's action."""
        self._block(f"{NAMES[chat_id]} ▶ bot", text)

    def on_event(self, event: str, data: dict[str, Any]) -> None:
        """Listener for the fake Bot API."""
        chat = int(data["chat"]["id"])
        if event == "toast":
            self._block(f"bot ▶ {NAMES[chat]} (pop-up)", str(data["text"]))
            return
        head = f"bot ▶ {NAMES[chat]}" + (" (message updated)" if event == "edit" else "")
        body = plain(str(data["text"]))
        markup = data.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            body += "\n" + "  ".join(f"[{b['text']}]" for b in row)
        self._block(head, body)

    def note(self, text: str) -> None:
        """A narrator line."""
        print(f"\n—— {text} ——")

    def _block(self, head: str, body: str) -> None:
        print(f"\n{head}:")
        for line in body.splitlines() or [""]:
            print(textwrap.indent(textwrap.fill(line, 92), "  │ ") if line else "  │")
        self.lines += 1


async def _start(settings: Settings, fake: FakeBotAPI, clock: ManualClock) -> App:
    return await build_app(
        settings, clock=clock, session=OfflineSession(fake), content=load_content(settings)
    )


async def run_demo(database: Path | None = None) -> int:
    """Play the whole case; returns the process exit code."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="parley-demo-") as tmp:
        folder = Path(tmp)
        settings = Settings(
            bot_token="123456:OFFLINE-DEMO", link_secret=DEMO_SECRET,
            seller_chat_ids=[SELLER], database=database or folder / "demo.sqlite3",
        )  # fmt: skip
        fake = FakeBotAPI()
        fake.user(SELLER, "Li", "en", "li_shoes")
        fake.user(BUYER, "Anna", "en")
        out = Transcript()
        fake.listeners.append(out.on_event)
        clock = ManualClock(datetime(2026, 5, 1, 9, 30, tzinfo=UTC))
        app = await _start(settings, fake, clock)
        offset: int | None = None

        async def step(update: dict[str, Any]) -> None:
            nonlocal offset
            offset = await app.poller.poll_once(offset)

        (folder / "orders.csv").write_text(ORDERS_CSV)
        (folder / "catalog.csv").write_text(CATALOG_CSV)
        out.note("The seller imports orders and the catalog (parley orders/catalog import)")
        print(f"  orders: {await app.imports.orders(folder / 'orders.csv')} · "
              f"catalog: {await app.imports.catalog(folder / 'catalog.csv')}")  # fmt: skip
        payload = await LinkService(app.db, DEMO_SECRET.encode()).payload("8175342209981234")
        print(
            f"  deep link for the buyer: https://t.me/{fake.bot_user['username']}?start={payload}"
        )

        out.note("The seller opens the console")
        out.say(SELLER, "/start")
        await step(fake.says(SELLER, "/start"))
        out.note("The buyer opens the link from the order message")
        out.say(BUYER, f"/start {payload}")
        await step(fake.says(BUYER, f"/start {payload}"))

        clock.advance(minutes=12)
        complaint = (
            "Hello, I ordered the cloth shoes two days ago for $29.90 and now the "
            "price dropped to $21.90!! That's not fair, I want the difference back."
        )
        out.note("The buyer complains about the price drop")
        out.say(BUYER, complaint)
        await step(fake.says(BUYER, complaint))

        out.note("Parley restarts here (everything so far is in SQLite)")
        await app.close()
        app = await _start(settings, fake, clock)

        clock.advance(minutes=20)
        out.note("The seller approves the draft from the phone")
        out.say(SELLER, "taps [Send]")
        await step(fake.taps(SELLER, "Send"))
        clock.advance(minutes=5)
        out.note("The buyer picks an option")
        out.say(BUYER, "taps [Refund the price difference]")
        await step(fake.taps(BUYER, "Refund the price difference"))
        clock.advance(hours=1)
        out.note("The seller refunds US$8.00 on the marketplace and confirms")
        out.say(SELLER, "taps [Done]")
        await step(fake.taps(SELLER, "Done"))
        await app.close()
        out.note(f"Case resolved. Demo finished in {time.perf_counter() - started:.1f} s")
    return 0
