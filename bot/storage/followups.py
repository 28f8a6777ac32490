"""Order events, follow-up rows and unreachable buyers (implements ``FollowupRepository``).

Times are stored as fixed-width UTC ISO strings (``2026-05-01T09:30:00.000000+00:00``), so
string order is time order and ``due_at <= ?`` on the ``followups_due`` index
``(status, due_at)`` is a range scan: finding due work costs the same with 100 or 100,000
pending rows. A row leaves ``pending`` only through the guarded updates below
(``WHERE status = …``), so a stale decision can never resurrect or resend a finished row.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime

import aiosqlite

from bot.domain.followups import FollowupRow, RowStatus
from bot.domain.orderevents import EventType, OrderEvent

DUE_SQL = """SELECT f.id, f.order_id, f.rule, f.status, f.due_at, f.reason, f.attempts,
    f.updated_at, COALESCE(f.chat_id, l.chat_id) AS chat_id
    FROM followups f LEFT JOIN order_links l ON l.order_id=f.order_id
    WHERE f.status='pending' AND f.due_at<=? ORDER BY f.due_at LIMIT ?"""
"""The due-work lookup (parameters: now, limit): a range scan of ``followups_due``."""


def utc(value: datetime) -> str:
    """Fixed-width UTC text for a timestamp (sorts like the time it names)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _row(row: aiosqlite.Row) -> FollowupRow:
    return FollowupRow(
        id=row["id"],
        order_id=row["order_id"],
        rule=row["rule"],
        status=RowStatus(row["status"]),
        due_at=_dt(row["due_at"]),
        reason=row["reason"],
        attempts=row["attempts"],
        chat_id=row["chat_id"],
        updated_at=_dt(row["updated_at"]),
    )


class FollowupRepo:
    """Repository over one open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _all(self, sql: str, *args: object) -> list[aiosqlite.Row]:
        cursor = await self.conn.execute(sql, args)
        return list(await cursor.fetchall())

    # --- order events ------------------------------------------------------------------------
    async def add_event(self, event: OrderEvent, now: datetime) -> bool:
        """Store an event; False if an event with this id is already stored."""
        cursor = await self.conn.execute(
            """INSERT OR IGNORE INTO order_events (event_id, order_id, type, at, data, source,
               received_at) VALUES (?,?,?,?,?,?,?)""",
            (event.event_id, event.order_id, event.type.value, utc(event.at),
             json.dumps(dict(event.data), ensure_ascii=False, sort_keys=True), event.source,
             utc(now)),
        )  # fmt: skip
        return cursor.rowcount == 1

    async def event(self, event_id: str) -> OrderEvent | None:
        """A stored event by id."""
        rows = await self._all("SELECT * FROM order_events WHERE event_id=?", event_id)
        return _event(rows[0]) if rows else None

    async def events(self, order_id: str) -> list[OrderEvent]:
        """An order's events, oldest first."""
        rows = await self._all(
            "SELECT * FROM order_events WHERE order_id=? ORDER BY at, id", order_id
        )
        return [_event(r) for r in rows]

    # --- follow-up rows ----------------------------------------------------------------------
    async def plan(
        self,
        order_id: str,
        rule: str,
        status: RowStatus,
        due_at: datetime | None,
        reason: str,
        now: datetime,
    ) -> None:
        """Create the (order, rule) row, or re-plan it if it is still pending.

        Only ``pending`` or ``skipped`` may be written here; a row that is sending or
        finished is left exactly as it is.
        """
        assert status in (RowStatus.PENDING, RowStatus.SKIPPED)
        done = utc(now) if status is RowStatus.SKIPPED else None
        due = utc(due_at) if due_at and status is RowStatus.PENDING else None
        await self.conn.execute(
            """INSERT INTO followups (order_id, rule, status, due_at, reason, planned_at,
               updated_at, done_at) VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT(order_id, rule) DO UPDATE SET status=excluded.status,
               due_at=excluded.due_at, reason=excluded.reason, updated_at=excluded.updated_at,
               done_at=excluded.done_at
               WHERE followups.status='pending' AND (followups.status IS NOT excluded.status
               OR followups.due_at IS NOT excluded.due_at
               OR followups.reason IS NOT excluded.reason)""",
            (order_id, rule, status.value, due, reason, utc(now), utc(now), done),
        )

    async def for_order(self, order_id: str) -> list[FollowupRow]:
        """Every follow-up row of an order."""
        rows = await self._all("SELECT * FROM followups WHERE order_id=? ORDER BY id", order_id)
        return [_row(r) for r in rows]

    async def get(self, row_id: int) -> FollowupRow | None:
        """One row by id."""
        rows = await self._all("SELECT * FROM followups WHERE id=?", row_id)
        return _row(rows[0]) if rows else None

    async def due(self, now: datetime, limit: int = 200) -> list[FollowupRow]:
        """Pending rows due by ``now``, earliest first (an index range scan), with the chat
        the order is linked to (if any) as ``chat_id``."""
        rows = await self._all(DUE_SQL, utc(now), limit)
        return [_row(r) for r in rows]

    async def next_due(self) -> datetime | None:
        """When the earliest pending row is due."""
        rows = await self._all(
            "SELECT due_at FROM followups WHERE status='pending' ORDER BY due_at LIMIT 1"
        )
        return _dt(rows[0]["due_at"]) if rows else None

    async def reschedule(
        self, row_id: int, due_at: datetime, reason: str, now: datetime, *, retry: bool = False
    ) -> None:
        """Keep a pending (or interrupted-by-429 sending) row for later."""
        await self.conn.execute(
            """UPDATE followups SET status='pending', due_at=?, reason=?, updated_at=?,
               attempts=attempts+? WHERE id=? AND status IN ('pending', 'sending')""",
            (utc(due_at), reason, utc(now), int(retry), row_id),
        )

    async def mark_sending(self, row_id: int, chat_id: int, now: datetime) -> bool:
        """Claim a pending row right before the Bot API call; False if it is not pending."""
        cursor = await self.conn.execute(
            """UPDATE followups SET status='sending', chat_id=?, updated_at=?,
               attempts=attempts+1 WHERE id=? AND status='pending'""",
            (chat_id, utc(now), row_id),
        )
        return cursor.rowcount == 1

    async def finish(
        self,
        row_id: int,
        status: RowStatus,
        reason: str,
        now: datetime,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> bool:
        """Move a pending or sending row to a final status; False if it already was final."""
        assert status in (RowStatus.SENT, RowStatus.SKIPPED, RowStatus.FAILED)
        cursor = await self.conn.execute(
            """UPDATE followups SET status=?, reason=?, tg_message_id=COALESCE(?, tg_message_id),
               chat_id=COALESCE(?, chat_id), due_at=NULL, updated_at=?, done_at=?
               WHERE id=? AND status IN ('pending', 'sending')""",
            (status.value, reason, message_id, chat_id, utc(now), utc(now), row_id),
        )
        return cursor.rowcount == 1

    async def interrupted(self, reason: str, now: datetime) -> list[FollowupRow]:
        """Rows left ``sending`` by a crash become ``failed`` with ``reason``; returns them."""
        rows = [_row(r) for r in await self._all("SELECT * FROM followups WHERE status='sending'")]
        await self.conn.execute(
            """UPDATE followups SET status='failed', reason=?, due_at=NULL, updated_at=?,
               done_at=? WHERE status='sending'""",
            (reason, utc(now), utc(now)),
        )
        return rows

    async def skip_pending_for_chat(self, chat_id: int, reason: str, now: datetime) -> int:
        """Skip every pending follow-up of the orders linked to a chat."""
        cursor = await self.conn.execute(
            """UPDATE followups SET status='skipped', reason=?, due_at=NULL, updated_at=?,
               done_at=? WHERE status='pending'
               AND order_id IN (SELECT order_id FROM order_links WHERE chat_id=?)""",
            (reason, utc(now), utc(now), chat_id),
        )
        return cursor.rowcount

    async def counts(self) -> dict[str, int]:
        """How many rows are in each status."""
        rows = await self._all("SELECT status, COUNT(*) AS n FROM followups GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    # --- facts about buyers ------------------------------------------------------------------
    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        """The chat blocked the bot (HTTP 403)."""
        await self.conn.execute(
            """INSERT INTO unreachable_chats VALUES (?,?,?) ON CONFLICT(chat_id) DO UPDATE SET
               since=excluded.since, reason=excluded.reason""",
            (chat_id, utc(now), reason),
        )

    async def unreachable(self, chat_id: int) -> bool:
        """Whether the chat blocked the bot and has not written to it since."""
        rows = await self._all(
            """SELECT u.since, c.updated_at FROM unreachable_chats u
               LEFT JOIN chats c ON c.chat_id=u.chat_id WHERE u.chat_id=?""",
            chat_id,
        )
        if not rows:
            return False
        since, seen = _dt(rows[0]["since"]), _dt(rows[0]["updated_at"])
        assert since is not None
        return seen is None or seen <= since

    async def complaint_open(self, order_id: str, intents: Collection[str]) -> bool:
        """Whether a conversation about the order is open with a complaint intent."""
        if not intents:
            return False
        marks = ",".join("?" * len(intents))
        rows = await self._all(
            f"""SELECT 1 FROM conversations WHERE order_id=?
                AND status NOT IN ('resolved', 'dismissed') AND intent IN ({marks}) LIMIT 1""",
            order_id, *sorted(intents),
        )  # fmt: skip
        return bool(rows)

    async def buyer_profile(self, chat_id: int) -> tuple[str, str]:
        """(Telegram's language hint, display name) of a chat ('' when unknown)."""
        rows = await self._all("SELECT language_code, name FROM chats WHERE chat_id=?", chat_id)
        if not rows:
            return "", ""
        return str(rows[0]["language_code"] or ""), str(rows[0]["name"] or "")


def _event(row: aiosqlite.Row) -> OrderEvent:
    at = _dt(row["at"])
    assert at is not None
    return OrderEvent(
        event_id=row["event_id"],
        order_id=row["order_id"],
        type=EventType(row["type"]),
        at=at,
        data=json.loads(row["data"]),
        source=row["source"],
    )
