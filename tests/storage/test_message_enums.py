"""Direction and MessageKind are stored as the plain strings they always were."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.domain.models import WORD_KINDS, Direction, MessageKind, Sender
from bot.domain.ports import StoredMessage
from bot.storage.sql import Database

NOW = datetime(2026, 5, 1, tzinfo=UTC)
CHAT = 5550001


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "store.sqlite3")
    yield database
    await database.close()


async def test_messages_keep_their_plain_strings_and_read_back_as_enums(
    db: Database, tmp_path: Path
) -> None:
    async with db.transaction() as uow:
        await uow.chats.remember(Sender(CHAT, "Anna"), "buyer", NOW)
        conversation = await uow.conversations.create(CHAT, None, "en", NOW)
        sent = [
            StoredMessage(conversation.id, CHAT, Direction.IN, MessageKind.TEXT, "hi"),
            StoredMessage(conversation.id, CHAT, Direction.IN, MessageKind.PHOTO, "look"),
            StoredMessage(conversation.id, CHAT, Direction.IN, "dice", ""),  # any content type
            StoredMessage(conversation.id, CHAT, Direction.OUT, MessageKind.TEXT, "hello"),
        ]
        ids = [await uow.conversations.add_message(m, NOW) for m in sent]
    async with aiosqlite.connect(tmp_path / "store.sqlite3") as conn:
        cursor = await conn.execute("SELECT direction, kind FROM messages ORDER BY id")
        rows = await cursor.fetchall()
    assert [tuple(r) for r in rows] == [
        ("in", "text"), ("in", "photo"), ("in", "dice"), ("out", "text")
    ]  # fmt: skip
    async with db.transaction() as uow:
        read = [await uow.conversations.message(i) for i in ids]
    assert read == sent
    assert all(m is not None and isinstance(m.direction, Direction) for m in read)


def test_enum_members_are_the_stored_strings() -> None:
    assert [d.value for d in Direction] == ["in", "out"]
    kind: str = MessageKind.TEXT  # what StoredMessage.kind holds
    assert kind == "text" and f"[{MessageKind.VOICE}]" == "[voice]"
    assert set(WORD_KINDS) == {"text", "choice"}
