"""Telegram Business with the real ``parley run`` process over HTTP (the local Bot API server):
long polling asks for the business updates, a buyer's message in the seller's own chat is
answered there with ``business_connection_id``, and a disabled connection stops it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.offline.fake_api import FakeBotAPI
from tests.conftest import BUYER, SELLER
from tests.e2e.test_parley_run import TOKEN, Process
from tests.support.fake_server import BotAPIServer, wait_until

CONN = "biz-e2e"


@pytest.mark.engines  # also with PARLEY_DATABASE=postgresql://… (tests/conftest.py)
async def test_parley_run_answers_in_a_business_chat(tmp_path: Path, database: Path | str) -> None:
    api = FakeBotAPI(username="shoe_store_bot")
    api.user(SELLER, "Li", "en", "li_shoes")
    api.user(BUYER, "Anna", "en")
    server = BotAPIServer(api, TOKEN)
    parley = Process(tmp_path, await server.start(), database)
    business = api.business
    try:
        await parley.start()
        api.says(SELLER, "/start")
        await wait_until(lambda: bool(api.texts(SELLER)), what="seller console")
        business.connect(CONN, SELLER)
        await wait_until(lambda: "connected to Li" in api.texts(SELLER)[-1], what="notice")

        business.says(CONN, BUYER, "The price dropped right after I ordered, refund please!")
        await wait_until(lambda: api.buttons(SELLER)[:1] == ["Send"], what="approval card")
        assert "will reply shortly" in business.texts(CONN, BUYER)[-1]
        api.taps(SELLER, "Send")
        await wait_until(lambda: len(business.texts(CONN, BUYER)) == 2, what="the reply")
        assert api.texts(BUYER) == []  # nothing in the bot chat

        business.connect(CONN, SELLER, enabled=False)
        await wait_until(lambda: "turned off" in api.texts(SELLER)[-1], what="disabled notice")
        assert await parley.stop() == 0
        polls = [params for name, params in api.calls if name == "getUpdates"]
        asked = str(polls[-1].get("allowed_updates"))
        assert "business_message" in asked and "business_connection" in asked
        sends = [params for name, params in api.calls if name == "sendMessage"]
        to_business = [p for p in sends if p.get("business_connection_id") == CONN]
        assert len(to_business) == 2 and all(int(p["chat_id"]) == BUYER for p in to_business)
        assert not business.refused
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()
