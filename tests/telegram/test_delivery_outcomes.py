"""Delivery outcomes are honest and logged, and log lines carry the update they belong to.

Telegram is faked at the session level (an aiogram session over the in-memory Bot API) that
can answer a send with an unreadable 2xx body or fail to connect — what a flaky proxy or a
Bot API outage looks like to aiogram.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.app import build_app
from bot.content.loader import Content
from bot.logs import ContextFilter, make_handler
from bot.telegram.offline_session import OfflineSession
from tests.conftest import BUYER, SELLER, World, shared_matcher

COMPLAINT = "The price dropped right after I ordered, I want the difference back"


class FlakySession(OfflineSession):
    """The in-memory Bot API, except that sends can be made to misbehave."""

    garble = 0  # the next N sends are delivered, but answered with an unreadable 2xx body
    refuse = 0  # the next N sends cannot connect (nothing is delivered)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage) and self.refuse:
            self.refuse -= 1
            raise TelegramNetworkError(method, "ClientConnectorError: connection refused")
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendMessage) and self.garble:
            self.garble -= 1
            self.check_response(bot, method, 200, "<html><body>OK</body></html>")
        return result


@pytest.fixture
async def flaky(tmp_path: Path, content: Content) -> AsyncIterator[tuple[World, FlakySession]]:
    world = World(tmp_path, content, (SELLER,))
    session = FlakySession(world.fake)
    matcher = shared_matcher(content, "en")
    world._app = await build_app(world.settings, clock=world.clock, session=session,
                                 content=content, matcher=matcher)  # fmt: skip

    async def no_wait(_: float) -> None:
        return None

    world.app.relay.sleep = no_wait
    yield world, session
    await world.app.close()


async def test_an_unreadable_ok_is_probably_delivered_and_never_sent_again(
    flaky: tuple[World, FlakySession], caplog: pytest.LogCaptureFixture
) -> None:
    world, session = flaky
    await world.linked_buyer()
    session.garble = 1
    with caplog.at_level(logging.WARNING):
        await world.act(world.fake.says(BUYER, COMPLAINT))  # the acknowledgement is garbled
    await world.app.relay.flush()
    await world.app.relay.flush()
    acks = [t for t in world.fake.texts(BUYER) if "reply shortly" in t]
    assert len(acks) == 1  # Telegram has it once; Parley did not send it again
    assert any("recorded as sent, not sent again" in r.getMessage() for r in caplog.records)
    async with world.app.db.transaction() as uow:
        result = await uow.conn.execute(
            sa.text("SELECT status, error FROM outbox WHERE chat_id=:chat AND error IS NOT NULL"),
            {"chat": BUYER},
        )
        rows = [tuple(r) for r in result.all()]
    assert len(rows) == 1 and rows[0][0] == "sent"
    assert rows[0][1].startswith("probably delivered")


async def test_a_bot_api_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    flaky: tuple[World, FlakySession], caplog: pytest.LogCaptureFixture
) -> None:
    world, session = flaky
    await world.linked_buyer()
    session.refuse = 3  # three tries in a row fail to connect, the fourth goes through
    with caplog.at_level(logging.INFO):
        await world.act(world.fake.says(BUYER, COMPLAINT))
        world.clock.advance(minutes=1)
        await world.app.relay.flush()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Bot API unavailable" in m for m in messages) == 1
    assert sum("Bot API available again" in m for m in messages) == 1
    retries = [m for m in messages if m.startswith("outbox") and "unreachable" in m]
    assert len(retries) == 3  # every retry says why
    assert len([t for t in world.fake.texts(BUYER) if "reply shortly" in t]) == 1


async def test_log_lines_carry_the_update_chat_and_conversation(world: World) -> None:
    stream = io.StringIO()
    handler = make_handler("json", stream)
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        await world.act(world.fake.says(BUYER, "/start not-a-valid-payload"))
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = next(line for line in lines if "refused deep link" in line["message"])
    assert refused["chat_id"] == BUYER and isinstance(refused["update_id"], int)
