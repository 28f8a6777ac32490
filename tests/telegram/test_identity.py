"""``parley link`` learns the bot's username with one plain getMe request (no aiogram)."""

from __future__ import annotations

import pytest

from bot.offline.fake_api import FakeBotAPI
from bot.telegram.identity import UnknownBot, ask_username
from tests.support.fake_server import BotAPIServer
from tests.support.fleet import free_port

TOKEN = "123456:IDENTITY-token"


async def test_the_username_comes_from_get_me_and_a_wrong_token_is_explained() -> None:
    server = BotAPIServer(FakeBotAPI(username="shoe_store_bot"), TOKEN)
    url = await server.start()
    try:
        assert await ask_username(url, TOKEN) == "shoe_store_bot"
        with pytest.raises(UnknownBot, match="Unauthorized"):
            await ask_username(url, "123456:WRONG")
    finally:
        await server.stop()


async def test_an_unreachable_bot_api_is_explained_without_the_token() -> None:
    with pytest.raises(UnknownBot) as caught:
        await ask_username(f"http://127.0.0.1:{free_port()}", TOKEN, timeout=5)
    assert "Connect" in str(caught.value) and TOKEN not in str(caught.value)
    with pytest.raises(UnknownBot) as caught:
        await ask_username(f"http://127.0.0.1:{free_port()}:{TOKEN}", TOKEN, timeout=5)
    assert TOKEN not in str(caught.value)
