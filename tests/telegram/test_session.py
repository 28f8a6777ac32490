"""Parley's aiogram session: an unreadable 2xx answer is told apart, and the Response types
aiogram builds for every answer are built once per process."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.methods import GetMe, SendMessage
from aiogram.types import Message, User

from bot.telegram.session import StatusAwareSession, UnreadableSuccess

ME = {"id": 1, "is_bot": True, "first_name": "Parley"}
SENT = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    session = StatusAwareSession()
    bot = Bot("123456:SESSION-test", session=session)
    yield bot
    await session.close()


def answer(result: object) -> str:
    return json.dumps({"ok": True, "result": result})


async def test_answers_are_read_with_response_types_built_once(bot: Bot) -> None:
    session = bot.session
    me = session.check_response(bot, GetMe(), 200, answer(ME))
    assert isinstance(me.result, User)
    sent = session.check_response(bot, SendMessage(chat_id=5, text="hi"), 200, answer(SENT))
    assert isinstance(sent.result, Message)
    kind = weakref.ref(type(sent))
    del sent, me
    gc.collect()  # pydantic keeps parametrized models weakly: they survive only if held
    assert kind() is not None
    again = session.check_response(bot, SendMessage(chat_id=5, text="hi"), 200, answer(SENT))
    assert type(again) is kind()


async def test_an_unreadable_success_is_told_apart(bot: Bot) -> None:
    with pytest.raises(UnreadableSuccess):
        bot.session.check_response(bot, GetMe(), 200, "<html>gateway</html>")
