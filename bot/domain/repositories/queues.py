"""The update queues at either end of the bot: the inbox of incoming Telegram updates and the
outbox of messages waiting to be sent (:class:`InboxRepository`, :class:`OutboxRepository`,
:class:`OutboxRow`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.models import OutMessage


@dataclass(frozen=True)
class OutboxRow:
    """A queued message with its outbox id, attempts so far and earliest retry time."""

    id: int
    message: OutMessage
    attempts: int = 0
    not_before: datetime | None = None
    target: int | None = None  # for an edit: Telegram's id of the message it changes


class InboxRepository(Protocol):
    """Incoming updates, stored before they are handled and confirmed to Telegram."""

    async def add(
        self,
        update_id: int,
        payload: str,
        now: datetime,
        worker: str | None = None,
        lease_until: datetime | None = None,
    ) -> int:
        """Store an update; its new inbox id, or 0 if this very update was already there.
        Idempotent by (update_id, content digest): 0 means this very delivery is already
        stored. Given ``worker``, the new row is leased to it until ``lease_until``."""
        ...

    async def claim(
        self, worker: str, now: datetime, until: datetime, limit: int = 100
    ) -> list[tuple[int, str]]:
        """Lease pending updates to ``worker`` until ``until``, in arrival order: those no live
        lease of another worker holds, and of each chat only its oldest pending one."""
        ...

    async def take(self, inbox_id: int, now: datetime, worker: str | None = None) -> bool:
        """Mark an update handled as its handling begins; False (nothing written) when it is
        not ``worker``'s to handle now (see :class:`~bot.domain.ports.UpdateClaim`)."""
        ...

    async def renew(self, worker: str, ids: list[int], until: datetime) -> list[int]:
        """Extend ``worker``'s leases on its pending updates ``ids`` to ``until``; the ids
        renewed (not those handled meanwhile or claimed by another worker since)."""
        ...

    async def release(self, worker: str) -> int:
        """Give up ``worker``'s leases on updates it has not handled."""
        ...

    async def pending(self, limit: int = 100) -> list[tuple[int, str]]:
        """Updates not yet handled, in arrival order, as (inbox id, payload)."""
        ...

    async def finish(
        self, inbox_id: int, now: datetime, error: str | None = None, worker: str | None = None
    ) -> bool:
        """Mark an update handled (or failed, with the error) unless it is no longer pending
        or another worker's live lease holds it; whether it was marked."""
        ...


class OutboxRepository(Protocol):
    """Messages waiting to reach Telegram, per chat in the order they were queued."""

    async def add(self, message: OutMessage, now: datetime) -> int:
        """Queue a message. An edit whose target (or an earlier edit of it) is still pending
        rewrites that row instead and returns 0: one card, one pending message."""
        ...

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows whose retry time has come, oldest first (all chats)."""
        ...

    async def due_chats(self, now: datetime) -> tuple[list[tuple[int, int]], datetime | None]:
        """Chats with at least one due pending row, as (chat id, oldest due row id), and the
        earliest future retry time among pending rows (None if none waits)."""
        ...

    async def queue(self, chat_id: int, limit: int = 20) -> list[OutboxRow]:
        """The pending rows of one chat in queue order, due or not; an edit row carries the
        Telegram message id of its target (``target``) when that was sent: the message id
        of the latest row sent under the same chat and ref that has one (an edit records the
        message it edited, or the new message it was sent as when that one was gone)."""
        ...

    async def sent_message_id(self, chat_id: int, ref: str) -> int | None:
        """Telegram's id of the message sent to ``chat_id`` under ``ref`` (the latest, as for
        :meth:`queue`'s ``target``)."""
        ...

    async def mark_sent(
        self, row_id: int, message_id: int | None, now: datetime, note: str | None = None
    ) -> None:
        """Delivered (``note`` says why we believe so when Telegram's answer was unreadable).
        The message body is dropped: only what later edits need is kept."""
        ...

    async def mark_sent_many(
        self, delivered: list[tuple[int, int | None, str | None]], now: datetime
    ) -> None:
        """Several rows delivered, as (row id, Telegram's message id, note), at once."""
        ...

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        """Not delivered yet; try again at ``at`` (counts an attempt)."""
        ...

    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None:
        """Given up on (blocked, invalid…); the body is dropped, the reason kept."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete finished rows (sent or failed) older than ``before``; returns how many."""
        ...
