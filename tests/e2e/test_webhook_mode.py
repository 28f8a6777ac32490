"""``parley run --webhook URL``: registers the webhook with its secret, refuses requests without
it, and handles good updates from the inbox exactly like long polling."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from bot.offline.fake_api import FakeBotAPI
from tests.conftest import SELLER
from tests.e2e.test_parley_run import TOKEN, Process
from tests.support.fake_server import BotAPIServer, wait_until
from tests.support.fleet import free_port

SECRET = "webhook-secret-0123456789"


async def test_webhook_mode_checks_the_secret_and_answers_through_the_inbox(
    tmp_path: Path,
) -> None:
    api = FakeBotAPI(username="shoe_store_bot")
    api.user(SELLER, "Li", "en", "li_shoes")
    server = BotAPIServer(api, TOKEN)
    url = await server.start()
    port = free_port()
    hook = f"http://127.0.0.1:{port}/tg/hook"
    parley = Process(tmp_path, url)
    parley.env.update({"PARLEY_WEBHOOK_SECRET": SECRET, "PARLEY_API_PORT": str(port)})
    try:
        await parley.start("--webhook", hook)
        await wait_until(lambda: api.webhook.get("url") == hook, what="setWebhook")
        assert api.webhook["secret_token"] == SECRET
        update = api.says(SELLER, "/start")
        api.updates.clear()  # Telegram pushes it to the webhook instead of getUpdates
        async with aiohttp.ClientSession() as http:
            async with http.post(hook, json=update) as refused:
                assert refused.status == 401
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(hook, data=json.dumps(update), headers=headers) as accepted:
                assert accepted.status == 200
            async with http.post(hook, data=json.dumps(update), headers=headers) as again:
                assert again.status == 200  # a repeated delivery is stored and handled once
        await wait_until(lambda: any("seller console" in t for t in api.texts(SELLER)),
                         what="the seller's /start answered")  # fmt: skip
        assert await parley.stop() == 0
        assert sum("seller console" in t for t in api.texts(SELLER)) == 1
        assert not any(name == "getUpdates" for name, _ in api.calls)
    finally:
        if parley.run and parley.run.returncode is None:
            parley.run.kill()
        await server.stop()
