"""Three ``parley run --webhook`` workers on one PostgreSQL database (issue 13): 1,000 updates
from 100 buyers posted over the three webhooks, some twice, one worker SIGKILLed halfway and
restarted. Every buyer message is handled once and in its chat's order, no buyer-facing
reply or seller card goes out twice, and no follow-up is sent twice.

Each buyer posts its 10 messages one after the other (the next once a webhook has taken the
previous), to the workers in turn; the buyers post concurrently. A post to the dead worker
goes to the next one, as a load balancer would send it. The buyers have paid orders linked
to their chats: a thank-you follow-up is due at start, and a "shipped" event posted through
the order API while the worker is dead brings a second follow-up to every buyer.

The seller's cards go out at Telegram's 1 message/s per chat (100 cards: 100 s), so the test
waits for the buyers' side only; the cards are checked by their outbox rows (one per draft)
and by those the seller has already been shown (none twice).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.offline.fake_api import FakeBotAPI
from bot.storage.sql import Database
from tests.conftest import SELLER
from tests.support.fake_server import BotAPIServer
from tests.support.fleet import (
    API_TOKEN,
    TOKEN,
    Fleet,
    Worker,
    count,
    order_id,
    rows,
    shop,
    until,
)

pytestmark = pytest.mark.engines  # the PostgreSQL half runs; SQLite has one worker

BUYERS = 100
MESSAGES = 10  # per buyer
FIRST_CHAT = 6_200_000
CONCURRENT_BUYERS = 50  # buyers posting at the same moment
# What every buyer writes: a complaint (never answered automatically, no "which topic?"
# question), so each buyer's first message opens a conversation with one acknowledgement
# and one approval card, and the nine others bring that card up to date.
COMPLAINT = "The scarf arrived torn, there is a hole in the silk. Message {n} of 10"


def says(api: FakeBotAPI, buyer: int, n: int) -> dict[str, Any]:
    update = api.says(FIRST_CHAT + buyer, COMPLAINT.format(n=n))
    api.updates.clear()  # Telegram pushes it to a webhook
    return update


async def test_three_workers_handle_1000_updates_once_in_order_through_a_sigkill(
    tmp_path: Path, database: Path | str
) -> None:
    if not str(database).startswith("postgres"):
        pytest.skip("several workers share a PostgreSQL database")
    api = FakeBotAPI(username="shoe_store_bot")
    api.user(SELLER, "Li", "en", "li_shoes")
    for b in range(BUYERS):
        api.user(FIRST_CHAT + b, f"Buyer {b}", "en")
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    fleet = Fleet([Worker(tmp_path / name, url, database, SELLER) for name in "abc"])
    db = await Database.open(str(database))
    # update_id order per buyer: round by round, each buyer's n-th message after its (n-1)-th
    updates = [[says(api, b, n) for n in range(1, MESSAGES + 1)] for b in range(BUYERS)]
    ordered = sorted((u for mine in updates for u in mine), key=lambda u: u["update_id"])
    assert [u["update_id"] for u in ordered] == list(range(1, BUYERS * MESSAGES + 1))
    twice = set(random.Random(13).sample(range(1, BUYERS * MESSAGES + 1), 100))
    posted = 0
    halfway = asyncio.Event()
    try:
        await fleet.start()
        async with aiohttp.ClientSession() as http:
            await shop(fleet.workers[0], db, BUYERS, FIRST_CHAT)  # while the workers start
            health = await fleet.up(http)
            assert sorted(h["sender"] for h in health) == [False, False, True]  # one sender
            victim = next(w for w, h in zip(fleet.workers, health, strict=True) if not h["sender"])
            gate = asyncio.Semaphore(CONCURRENT_BUYERS)

            async def buyer(b: int) -> None:
                nonlocal posted
                async with gate:
                    for n, update in enumerate(updates[b]):
                        took = await fleet.update(http, update, b + n)
                        if update["update_id"] in twice:  # Telegram delivers it again
                            await fleet.update(http, update, took + 1)
                        posted += 1
                        if posted == BUYERS * MESSAGES // 2:
                            halfway.set()

            async def kill_and_restart() -> None:
                await halfway.wait()
                assert victim.run is not None
                pid = victim.run.pid
                await victim.kill()  # leases it holds stay until they expire
                held = "SELECT count(*) FROM inbox WHERE status = 'pending' AND claimed_by LIKE "
                assert await count(db, f"{held} '%:{pid}:%'") > 0  # others must take them over
                shipped = [ship(http, fleet, n) for n in range(BUYERS)]
                await asyncio.gather(*shipped)  # the order API, on the workers left
                await victim.start()  # same folder, same port
                await fleet.up(http)

            await asyncio.gather(kill_and_restart(), *(buyer(b) for b in range(BUYERS)))
            for update_id in sorted(twice)[:20]:  # late repeats of updates long handled
                await fleet.update(http, ordered[update_id - 1], update_id)

            async def settled() -> bool:  # the seller's cards trickle on at 1 message/s
                return await count(db, f"""SELECT (SELECT count(*) FROM inbox WHERE status =
                    'pending') + (SELECT count(*) FROM outbox WHERE status = 'pending' AND
                    chat_id <> {SELLER}) + (SELECT count(*) FROM followups WHERE status IN
                    ('pending', 'sending') AND due_at <= now())""") == 0  # fmt: skip

            await until(settled, "every update handled, every buyer's message sent")
        await check_handling(db)
        await check_buyers(db, api)
        await check_seller(db, api)
        assert await asyncio.gather(*(w.stop() for w in fleet.workers)) == [0, 0, 0]
    finally:
        fleet.cleanup()
        await db.close()
        await server.stop()


async def ship(http: aiohttp.ClientSession, fleet: Fleet, n: int) -> None:
    body = {"id": f"ship-{n}", "type": "shipped", "at": datetime.now(UTC).isoformat(),
            "data": {"carrier": "YunExpress", "tracking_number": f"YT{n:08d}"}}  # fmt: skip
    await fleet.post(http, f"/api/orders/{order_id(n)}/events", body, n,
                     Authorization=f"Bearer {API_TOKEN}")  # fmt: skip


async def check_handling(db: Database) -> None:
    """Each update stored once and handled; each buyer's messages stored in the order sent."""
    total = BUYERS * MESSAGES
    assert await count(db, "SELECT count(DISTINCT update_id) FROM inbox") == total
    assert await count(db, "SELECT count(*) FROM inbox") == total
    assert await count(db, "SELECT count(*) FROM inbox WHERE status = 'done'") == total
    stored = await rows(db, "SELECT chat_id, text FROM messages WHERE direction = 'in' "
                            "ORDER BY id")  # fmt: skip
    said: dict[int, list[str]] = {}
    for chat, text in stored:
        said.setdefault(int(chat), []).append(str(text))
    expected = [COMPLAINT.format(n=n) for n in range(1, MESSAGES + 1)]
    wrong = {chat: [t.rsplit(" ", 3)[-3] for t in texts] for chat, texts in said.items()
             if texts != expected}  # fmt: skip
    assert not wrong  # each buyer: message 1, 2, … 10, each once
    assert sorted(said) == [FIRST_CHAT + b for b in range(BUYERS)]
    drafts = await rows(db, "SELECT c.chat_id, d.buyer_text FROM drafts d JOIN conversations c "
                            "ON c.id = d.conversation_id")  # fmt: skip
    assert sorted(int(chat) for chat, _ in drafts) == [FIRST_CHAT + b for b in range(BUYERS)]
    for _, text in drafts:  # the card quotes the latest messages, in the order sent
        quoted = [line for line in str(text).splitlines() if line != "…"]
        assert quoted == expected[-len(quoted) :]


async def check_buyers(db: Database, api: FakeBotAPI) -> None:
    """Every buyer got one acknowledgement and each follow-up at most once (once when its row
    says sent); whatever the outbox recorded as sent reached the buyer once."""
    queued = Counter(int(c) for (c,) in await rows(
        db, "SELECT chat_id FROM outbox WHERE status = 'sent' AND NOT edit"))  # fmt: skip
    followups = await rows(db, "SELECT order_id, rule, status FROM followups WHERE rule IN "
                               "('thank_you', 'shipped')")  # fmt: skip
    assert {status for _, _, status in followups} <= {"sent", "skipped"}  # none interrupted
    words = {"thank_you": "Thank you for your order", "shipped": "has shipped"}
    for b in range(BUYERS):
        chat = FIRST_CHAT + b
        texts = api.texts(chat)
        assert max(Counter(texts).values()) == 1, texts  # nothing twice
        assert sum("reply shortly" in t for t in texts) == 1
        sent = 0
        for order, rule, status in followups:
            if order == order_id(b):
                got = sum(words[rule] in t for t in texts)
                assert got == (status == "sent"), (rule, status, texts)
                sent += got
        assert sum(r == "shipped" for o, r, _ in followups if o == order_id(b)) == 1
        assert len(texts) == queued[chat] + sent  # each recorded message reached them once


async def check_seller(db: Database, api: FakeBotAPI) -> None:
    """One approval card per draft; each card the outbox recorded as sent reached the seller
    once, and no other card did (the rest are still queued at 1 message/s)."""
    cards = await rows(db, f"SELECT ref, status, tg_message_id FROM outbox WHERE chat_id = "
                           f"{SELLER} AND NOT edit AND ref LIKE 'draft:%'")  # fmt: skip
    drafts = {f"draft:{i}" for (i,) in await rows(db, "SELECT id FROM drafts")}
    assert sorted(ref for ref, _, _ in cards) == sorted(drafts)  # one card row per draft
    shown: Counter[str] = Counter()  # cards the seller got, by draft (their Send button)
    ids: dict[str, int] = {}
    for message in api.inbox(SELLER):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["callback_data"].startswith("send:"):
                    ref = f"draft:{button['callback_data'].split(':')[1]}"
                    shown[ref] += 1
                    ids[ref] = message["message_id"]
    assert set(shown) <= drafts
    assert all(n == 1 for n in shown.values())  # no card twice
    for ref, status, message_id in cards:  # a card still queued may be in flight
        if status == "sent":
            assert ids[ref] == message_id
