"""The repository port of second-fact linking: one :class:`Attempt` per (chat, order)."""

from __future__ import annotations

from typing import Protocol

from bot.domain.verification import Attempt


class LinkAttemptRepository(Protocol):
    """Linking attempts (rules in :mod:`bot.domain.verification`), kept across restarts."""

    async def get(self, chat_id: int, order_id: str) -> Attempt | None:
        """The stored attempt of ``order_id`` for ``chat_id``, or None."""
        ...

    async def pending(self, chat_id: int) -> Attempt | None:
        """The chat's attempt with an open question (``pending_since`` set), or None; at most
        one exists (:meth:`save` closes the others)."""
        ...

    async def save(self, attempt: Attempt) -> None:
        """Insert or replace the attempt of (chat, order); when its question is open, the
        chat's other attempts lose theirs (their counts and locks stay)."""
        ...

    async def delete(self, chat_id: int, order_id: str) -> None:
        """Forget the attempt of (chat, order) (the order is linked); no error if none."""
        ...
