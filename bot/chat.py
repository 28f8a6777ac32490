"""``parley chat``: play the buyer and the seller yourself, offline, on the real services.

Real Dispatcher, real services, a real SQLite file; Telegram is the in-memory Bot API, and
both chats are printed as they happen. Lines you type:

    <text>            the buyer writes <text>
    s <text>          the seller writes <text> (e.g. ``s /inbox``)
    bt <label>        the buyer taps the button whose label contains <label>
    st <label>        the seller taps the button whose label contains <label>
    photo [caption]   the buyer sends a photo
    help, quit
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.app import build_app
from bot.demo import BUYER, CATALOG_CSV, DEMO_SECRET, ORDERS_CSV, SELLER, Transcript
from bot.offline.fake_api import FakeBotAPI
from bot.services.clock import SystemClock
from bot.services.linking import LinkService
from bot.settings import Settings
from bot.telegram.offline_session import OfflineSession
from bot.wiring import load_content

HELP = __doc__.split("Lines you type:", 1)[1].rstrip() if __doc__ else ""
DEMO_ORDER = "8175342209981234"


async def run_chat(database: Path, stdin: TextIO = sys.stdin) -> int:
    """Read lines until EOF or ``quit``; returns the exit code."""
    settings = Settings(
        bot_token="123456:OFFLINE-CHAT",
        link_secret=DEMO_SECRET,
        seller_chat_ids=[SELLER],
        database=database,
    )
    fake = FakeBotAPI()
    fake.user(SELLER, "Li", "en", "li_shoes")
    fake.user(BUYER, "Anna", "en")
    out = Transcript()
    fake.listeners.append(out.on_event)
    app = await build_app(
        settings, clock=SystemClock(), session=OfflineSession(fake), content=load_content(settings)
    )
    offset: int | None = None
    try:
        async with app.db.transaction() as uow:
            seeded = await uow.orders.get(DEMO_ORDER) is not None
        if not seeded:
            folder = database.parent
            (folder / "chat-orders.csv").write_text(ORDERS_CSV)
            (folder / "chat-catalog.csv").write_text(CATALOG_CSV)
            await app.imports.orders(folder / "chat-orders.csv")
            await app.imports.catalog(folder / "chat-catalog.csv")
        payload = await LinkService(app.db, DEMO_SECRET.encode()).payload(DEMO_ORDER)
        print(f"parley chat — database {database}. You play Anna (buyer) and Li (seller).{HELP}")
        for text in ("/start",):
            fake.says(SELLER, text)
        fake.says(BUYER, f"/start {payload}")
        offset = await app.poller.poll_once(offset)
        for raw in stdin:
            line = raw.strip()
            if not line:
                continue
            if line in ("quit", "exit"):
                break
            if line == "help":
                print(HELP)
                continue
            try:
                _act(fake, out, line)
            except LookupError as exc:
                print(f"  ! {exc}")
                continue
            offset = await app.poller.poll_once(offset)
    finally:
        await app.close()
    return 0


def _act(fake: FakeBotAPI, out: Transcript, line: str) -> None:
    head, _, rest = line.partition(" ")
    if head == "s" and rest:
        out.say(SELLER, rest)
        fake.says(SELLER, rest)
    elif head in ("bt", "st") and rest:
        chat = BUYER if head == "bt" else SELLER
        out.say(chat, f"taps [{rest}]")
        fake.taps(chat, rest)
    elif head == "photo":
        out.say(BUYER, f"(photo) {rest}".strip())
        fake.sends(BUYER, "photo", caption=rest)
    else:
        out.say(BUYER, line)
        fake.says(BUYER, line)
