"""The repository port of the team console: one :class:`~bot.domain.team.Topic` per buyer chat
in the team group (rules in :mod:`bot.domain.team`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.team import Topic


class TopicRepository(Protocol):
    """Forum topics of the team group, kept across restarts and shared by workers."""

    async def for_buyer(self, group_id: int, buyer_chat_id: int, now: datetime) -> Topic:
        """The buyer chat's topic in ``group_id``, created (open, no thread yet) on first sight;
        two transactions asking at once get the same row."""
        ...

    async def find(self, group_id: int, buyer_chat_id: int) -> Topic | None:
        """The buyer chat's topic in ``group_id`` if one was made (reads only)."""
        ...

    async def get(self, chat_id: int) -> Topic | None:
        """A topic by internal chat id (None for any other chat id or an unknown one)."""
        ...

    async def by_thread(self, group_id: int, thread_id: int) -> Topic | None:
        """The topic Telegram knows as ``thread_id`` in ``group_id``, if it is one of ours."""
        ...

    async def set_thread(self, chat_id: int, thread_id: int | None, now: datetime) -> None:
        """Record the ``message_thread_id`` Telegram gave the topic (None: it is gone, make a
        new one next time)."""
        ...

    async def set_name(self, chat_id: int, name: str | None, now: datetime) -> None:
        """Record the name Telegram has for the topic (None: not known, e.g. a new topic is
        to be made)."""
        ...

    async def set_closed(self, chat_id: int, closed: bool, now: datetime) -> bool:
        """Mark the topic closed or open; whether that changed anything (False: it already
        was), so one close or reopen is queued however many callers race."""
        ...
