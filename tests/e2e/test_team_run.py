"""The team console with the real ``parley run`` process over HTTP (the local Bot API server):
the command menu is set for the group, a buyer's first card opens a topic through
``createForumTopic``, a listed member's press in the topic answers the buyer, an unlisted
member's press is refused, and Done closes the topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.offline.fake_api import FakeBotAPI
from tests.conftest import (
    BUYER,
    CATALOG_CSV,
    ORDER_ID,
    ORDERS_CSV,
    SELLER,
    SELLER_2,
    STRANGER,
)
from tests.e2e.test_parley_run import TOKEN, Process
from tests.support.fake_server import BotAPIServer, wait_until

GROUP = -1009876543210
COMPLAINT = "The price dropped right after I ordered, refund the difference please!"


@pytest.mark.engines  # also with PARLEY_DATABASE=postgresql://… (tests/conftest.py)
async def test_parley_run_works_the_case_in_a_forum_topic(
    tmp_path: Path, database: Path | str
) -> None:
    api = FakeBotAPI(username="shoe_store_bot")
    api.user(SELLER, "Li", "en", "li_shoes")
    api.user(BUYER, "Anna", "en")
    api.user(STRANGER, "Mallory", "en")
    api.forum.group(GROUP, "Shoe shop team")
    forum = api.forum
    server = BotAPIServer(api, TOKEN)
    parley = Process(tmp_path, await server.start(), database)
    parley.env.update({
        "PARLEY_SELLER_CHAT_IDS": "", "PARLEY_SELLER_GROUP_ID": str(GROUP),
        "PARLEY_SELLER_USER_IDS": f"{SELLER},{SELLER_2}",
    })  # fmt: skip
    try:
        (tmp_path / "orders.csv").write_text(ORDERS_CSV)
        (tmp_path / "catalog.csv").write_text(CATALOG_CSV)
        await parley.command("orders", "import", "orders.csv")
        await parley.command("catalog", "import", "catalog.csv")
        link = await parley.command("link", ORDER_ID, "--payload")
        await parley.start()
        api.says(BUYER, f"/start {link}")
        await wait_until(lambda: bool(api.texts(BUYER)), what="the buyer linked")
        api.says(BUYER, COMPLAINT)
        await wait_until(lambda: bool(forum.threads(GROUP)), what="a topic")
        thread = forum.thread_named(GROUP, "Anna")
        await wait_until(lambda: "Send" in forum.buttons(GROUP, thread), what="the card")
        assert forum.threads(GROUP)[thread].name == f"Anna · {ORDER_ID}"

        forum.taps(GROUP, STRANGER, "Send", thread)
        await wait_until(lambda: bool(api.toasts(STRANGER)), what="the refusal")
        assert len(api.texts(BUYER)) == 2  # welcome and acknowledgement only

        forum.taps(GROUP, SELLER, "Send", thread)
        await wait_until(lambda: len(api.texts(BUYER)) == 3, what="the reply")
        api.taps(BUYER, "Refund the price difference")
        await wait_until(lambda: "Done" in forum.buttons(GROUP, thread), what="action card")
        forum.taps(GROUP, SELLER, "Done", thread)
        await wait_until(lambda: forum.threads(GROUP)[thread].closed, what="topic closed")
        assert await parley.stop() == 0

        menus = [p for name, p in api.calls if name == "setMyCommands" and "scope" in p]
        assert any(str(GROUP) in str(p["scope"]) for p in menus)
        assert [name for name, _ in api.calls].count("createForumTopic") == 1
        assert api.texts(SELLER) == [] and forum.texts(GROUP, None) == []
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()
