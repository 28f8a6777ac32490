"""Conversations, their messages, drafts, options and the buyer's choices."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import aiosqlite

from bot.domain.models import (
    Choice,
    Conversation,
    ConversationStatus,
    Direction,
    Draft,
    DraftStatus,
    Option,
)
from bot.domain.money import Money
from bot.domain.ports import StoredMessage
from bot.storage.base import Repo, dt, ts


class ConversationRepo(Repo):
    """Conversations and their messages."""

    async def open_for(self, chat_id: int, order_id: str | None) -> Conversation | None:
        """The chat's not-yet-closed conversation about this order, if any."""
        row = await self._one(
            """SELECT * FROM conversations WHERE chat_id=? AND order_id IS ?
               AND status NOT IN ('resolved', 'dismissed') ORDER BY id DESC LIMIT 1""",
            chat_id, order_id,
        )  # fmt: skip
        return _conversation(row) if row else None

    async def create(
        self, chat_id: int, order_id: str | None, language: str, now: datetime
    ) -> Conversation:
        """Start a conversation."""
        cid = await self._insert(
            """INSERT INTO conversations (chat_id, order_id, status, language, opened_at,
               updated_at) VALUES (?,?,?,?,?,?)""",
            chat_id, order_id, ConversationStatus.OPEN.value, language, ts(now), ts(now),
        )  # fmt: skip
        return Conversation(cid, chat_id, order_id, ConversationStatus.OPEN, language, now)

    async def get(self, conversation_id: int) -> Conversation | None:
        """A conversation by id."""
        row = await self._one("SELECT * FROM conversations WHERE id=?", conversation_id)
        return _conversation(row) if row else None

    async def update(
        self,
        conversation_id: int,
        now: datetime,
        *,
        status: ConversationStatus | None = None,
        intent: str | None = None,
        language: str | None = None,
        waiting: bool = False,
    ) -> None:
        """Change status / intent / language; closing stamps ``closed_at``; ``waiting``
        starts the first-response clock like :meth:`wait_for_seller`."""
        sets, args = ["updated_at=?"], [ts(now)]
        if status is not None:
            sets.append("status=?")
            args.append(status.value)
            if status.closed:
                sets.append("closed_at=?")
                args.append(ts(now))
        if intent is not None:
            sets.append("intent=?")
            args.append(intent)
        if language is not None:
            sets.append("language=?")
            args.append(language)
        if waiting:
            sets.append("waiting_since=COALESCE(waiting_since, ?)")
            args.append(ts(now))
        await self.conn.execute(
            f"UPDATE conversations SET {', '.join(sets)} WHERE id=?", (*args, conversation_id)
        )

    async def add_message(self, message: StoredMessage, now: datetime) -> int:
        """Store a message in either direction."""
        return await self._insert(
            """INSERT INTO messages (conversation_id, chat_id, direction, kind, text, intent,
               confidence, created_at) VALUES (?,?,?,?,?,?,?,?)""",
            message.conversation_id, message.chat_id, message.direction, message.kind,
            message.text, message.intent, message.confidence, ts(now),
        )  # fmt: skip

    async def message(self, message_id: int) -> StoredMessage | None:
        """One stored message."""
        row = await self._one("SELECT * FROM messages WHERE id=?", message_id)
        return _message(row) if row else None

    async def set_intent(self, message_id: int, intent: str, confidence: float) -> None:
        """Correct a message's intent (the buyer said what it is about)."""
        await self.conn.execute(
            "UPDATE messages SET intent=?, confidence=? WHERE id=?",
            (intent, confidence, message_id),
        )

    async def relabel_unanswered(self, conversation_id: int, intent: str) -> None:
        """The seller said what the unanswered messages are about: every classified one
        takes ``intent`` with full confidence."""
        await self.conn.execute(
            """UPDATE messages SET intent=?, confidence=1.0 WHERE conversation_id=?
               AND direction='in' AND answered=0 AND intent IS NOT NULL""",
            (intent, conversation_id),
        )

    async def unanswered(self, conversation_id: int) -> list[StoredMessage]:
        """Buyer messages since the last reply the seller sent, oldest first."""
        rows = await self._all(
            """SELECT * FROM messages WHERE conversation_id=? AND direction='in' AND answered=0
               ORDER BY id""",
            conversation_id,
        )
        return [_message(r) for r in rows]

    async def mark_answered(self, conversation_id: int) -> None:
        """All buyer messages so far have been answered."""
        await self.conn.execute(
            "UPDATE messages SET answered=1 WHERE conversation_id=? AND direction='in'",
            (conversation_id,),
        )

    async def wait_for_seller(self, conversation_id: int, now: datetime) -> None:
        """The buyer is waiting for an answer (the clock keeps the earliest unanswered time)."""
        await self.conn.execute(
            "UPDATE conversations SET waiting_since=COALESCE(waiting_since, ?) WHERE id=?",
            (ts(now), conversation_id),
        )

    async def answered(self, conversation_id: int) -> None:
        """The seller answered: stop the first-response clock."""
        await self.conn.execute(
            "UPDATE conversations SET waiting_since=NULL, reminded_at=NULL WHERE id=?",
            (conversation_id,),
        )

    async def waiting_too_long(self, since: datetime) -> list[Conversation]:
        """Conversations waiting for the seller since ``since`` or earlier, not yet reminded."""
        rows = await self._all(
            """SELECT * FROM conversations WHERE status='open' AND waiting_since<=?
               AND reminded_at IS NULL ORDER BY waiting_since""",
            ts(since),
        )
        return [_conversation(r) for r in rows]

    async def mark_reminded(self, conversation_id: int, now: datetime) -> None:
        """A first-response reminder went out for the current wait."""
        await self.conn.execute(
            "UPDATE conversations SET reminded_at=? WHERE id=?", (ts(now), conversation_id)
        )

    async def take_over(self, conversation_id: int, seller_chat: int | None) -> None:
        """A seller talks to the buyer directly (None: hands back to Parley)."""
        await self.conn.execute(
            "UPDATE conversations SET taken_over_by=? WHERE id=?", (seller_chat, conversation_id)
        )

    async def taken_over_by(self, seller_chat: int) -> Conversation | None:
        """The conversation a seller chat is talking in directly, if any."""
        row = await self._one(
            """SELECT * FROM conversations WHERE taken_over_by=?
               AND status NOT IN ('resolved', 'dismissed') ORDER BY id DESC LIMIT 1""",
            seller_chat,
        )
        return _conversation(row) if row else None

    async def open_list(self, limit: int = 30) -> list[Conversation]:
        """Conversations not closed yet, longest-waiting first."""
        rows = await self._all(
            """SELECT * FROM conversations WHERE status NOT IN ('resolved', 'dismissed')
               ORDER BY COALESCE(waiting_since, updated_at), id LIMIT ?""",
            limit,
        )
        return [_conversation(r) for r in rows]

    async def for_order(self, order_id: str) -> list[Conversation]:
        """Every conversation about an order, oldest first."""
        rows = await self._all("SELECT * FROM conversations WHERE order_id=? ORDER BY id", order_id)
        return [_conversation(r) for r in rows]

    async def history(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of the conversation, oldest first."""
        rows = await self._all(
            "SELECT * FROM messages WHERE conversation_id=? ORDER BY id", conversation_id
        )
        return [_message(r) for r in rows]


def _conversation(row: aiosqlite.Row) -> Conversation:
    opened = dt(row["opened_at"])
    assert opened is not None
    return Conversation(
        id=row["id"],
        chat_id=row["chat_id"],
        order_id=row["order_id"],
        status=ConversationStatus(row["status"]),
        language=row["language"],
        opened_at=opened,
        intent=row["intent"],
        taken_over_by=row["taken_over_by"],
        waiting_since=dt(row["waiting_since"]),
    )


def _message(row: aiosqlite.Row) -> StoredMessage:
    return StoredMessage(
        conversation_id=row["conversation_id"],
        chat_id=row["chat_id"],
        direction=Direction(row["direction"]),
        kind=row["kind"],
        text=row["text"],
        intent=row["intent"],
        confidence=row["confidence"],
    )


class DraftRepo(Repo):
    """Drafted replies, their options, the buyer's choices and seller edits in progress."""

    async def create(
        self,
        conversation_id: int,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
        now: datetime,
    ) -> Draft:
        """Store a pending draft with its options."""
        draft_id = await self._insert(
            """INSERT INTO drafts (conversation_id, intent, confidence, language, buyer_text,
               text, status, created_at) VALUES (?,?,?,?,?,?,?,?)""",
            conversation_id, intent, confidence, language, buyer_text, text,
            DraftStatus.PENDING.value, ts(now),
        )  # fmt: skip
        await self._options(draft_id, options)
        return Draft(draft_id, conversation_id, intent, confidence, language, buyer_text, text,
                     DraftStatus.PENDING, options)  # fmt: skip

    async def revise(
        self,
        draft: Draft,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
    ) -> Draft | None:
        """Rewrite a pending draft in place (the buyer wrote again before the seller decided);
        options the seller switched off stay off. None if it is no longer pending."""
        off = {o.kind for o in draft.options if not o.enabled}
        options = tuple(replace(o, enabled=False) if o.kind in off else o for o in options)
        cursor = await self.conn.execute(
            """UPDATE drafts SET intent=?, confidence=?, language=?, buyer_text=?, text=?
               WHERE id=? AND status='pending'""",
            (intent, confidence, language, buyer_text, text, draft.id),
        )
        if cursor.rowcount != 1:
            return None
        if options != draft.options:
            await self.conn.execute("DELETE FROM draft_options WHERE draft_id=?", (draft.id,))
            await self._options(draft.id, options)
        return replace(draft, intent=intent, confidence=confidence, language=language,
                       buyer_text=buyer_text, text=text, options=options)  # fmt: skip

    async def _options(self, draft_id: int, options: tuple[Option, ...]) -> None:
        if not options:
            return
        await self.conn.executemany(
            """INSERT INTO draft_options (draft_id, idx, kind, amount, currency, needs_action,
               enabled, days) VALUES (?,?,?,?,?,?,?,?)""",
            [
                (
                    draft_id, idx, o.kind, str(o.amount.amount) if o.amount else None,
                    o.amount.currency if o.amount else None, int(o.needs_action),
                    int(o.enabled), o.days,
                )
                for idx, o in enumerate(options)
            ],
        )  # fmt: skip

    async def get(self, draft_id: int) -> Draft | None:
        """A draft with its options."""
        row = await self._one("SELECT * FROM drafts WHERE id=?", draft_id)
        if row is None:
            return None
        option_rows = await self._all(
            "SELECT * FROM draft_options WHERE draft_id=? ORDER BY idx", draft_id
        )
        return _draft(row, option_rows)

    async def pending_for(self, conversation_id: int) -> list[Draft]:
        """Drafts of a conversation still waiting for the seller (one query, options joined)."""
        rows = await self._all(
            """SELECT d.*, o.idx, o.kind, o.amount, o.currency, o.needs_action, o.enabled,
                      o.days
               FROM drafts d LEFT JOIN draft_options o ON o.draft_id=d.id
               WHERE d.conversation_id=? AND d.status='pending' ORDER BY d.id, o.idx""",
            conversation_id,
        )
        drafts: dict[int, tuple[aiosqlite.Row, list[aiosqlite.Row]]] = {}
        for row in rows:
            _, options = drafts.setdefault(row["id"], (row, []))
            if row["idx"] is not None:
                options.append(row)
        return [_draft(row, options) for row, options in drafts.values()]

    async def decide(
        self, draft_id: int, status: DraftStatus, by: str, now: datetime, text: str | None = None
    ) -> bool:
        """Move a pending draft to ``status``; False if it was no longer pending."""
        cursor = await self.conn.execute(
            """UPDATE drafts SET status=?, decided_by=?, decided_at=?, text=COALESCE(?, text)
               WHERE id=? AND status='pending'""",
            (status.value, by, ts(now), text, draft_id),
        )
        return cursor.rowcount == 1

    async def last_sent(self, conversation_id: int) -> Draft | None:
        """The latest draft sent in a conversation, if its options still await a choice."""
        row = await self._one(
            """SELECT d.id FROM drafts d LEFT JOIN choices c ON c.draft_id=d.id
               WHERE d.conversation_id=? AND d.status='sent' AND c.id IS NULL
               ORDER BY d.id DESC LIMIT 1""",
            conversation_id,
        )
        return await self.get(row["id"]) if row else None

    async def set_enabled(self, draft_id: int, option_index: int, enabled: bool) -> None:
        """Include or leave out one option of a draft."""
        await self.conn.execute(
            "UPDATE draft_options SET enabled=? WHERE draft_id=? AND idx=?",
            (int(enabled), draft_id, option_index),
        )

    async def choose(
        self, draft_id: int, option_index: int, chat_id: int, needs_action: bool, now: datetime
    ) -> bool:
        """Record the buyer's choice; False if the draft already has one."""
        cursor = await self.conn.execute(
            """INSERT OR IGNORE INTO choices (draft_id, option_idx, chat_id, chosen_at,
               action_status) VALUES (?,?,?,?,?)""",
            (draft_id, option_index, chat_id, ts(now), "pending" if needs_action else "none"),
        )
        return cursor.rowcount == 1

    async def choice(self, choice_id: int) -> Choice | None:
        """A choice by id."""
        row = await self._one(
            """SELECT c.*, o.kind, o.amount, o.currency, o.needs_action, o.days, o.enabled
               FROM choices c
               JOIN draft_options o ON o.draft_id=c.draft_id AND o.idx=c.option_idx
               WHERE c.id=?""",
            choice_id,
        )
        if row is None:
            return None
        return Choice(
            id=row["id"],
            draft_id=row["draft_id"],
            option_index=row["option_idx"],
            option=_option(row),
            action_done=row["action_status"] == "done",
            done_by=row["done_by"],
        )

    async def choice_for(self, draft_id: int) -> Choice | None:
        """The choice made on a draft, if any."""
        row = await self._one("SELECT id FROM choices WHERE draft_id=?", draft_id)
        return await self.choice(row["id"]) if row else None

    async def complete(self, choice_id: int, by: str, now: datetime) -> bool:
        """Mark a chosen action done; False if it already was (or needs none)."""
        cursor = await self.conn.execute(
            """UPDATE choices SET action_status='done', done_by=?, done_at=?
               WHERE id=? AND action_status='pending'""",
            (by, ts(now), choice_id),
        )
        return cursor.rowcount == 1

    async def start_edit(self, chat_id: int, draft_id: int, now: datetime) -> None:
        """The seller in ``chat_id`` is now typing a replacement for ``draft_id``."""
        await self.conn.execute(
            "INSERT OR REPLACE INTO seller_edits VALUES (?,?,NULL,?)",
            (chat_id, draft_id, ts(now)),
        )

    async def edit_in_progress(self, chat_id: int) -> tuple[int, str | None] | None:
        """(draft id, proposed text) of the seller's edit in progress, if any."""
        row = await self._one("SELECT * FROM seller_edits WHERE chat_id=?", chat_id)
        return (int(row["draft_id"]), row["text"]) if row else None

    async def propose_edit(self, chat_id: int, text: str) -> None:
        """Remember the seller's replacement text until they confirm it."""
        await self.conn.execute("UPDATE seller_edits SET text=? WHERE chat_id=?", (text, chat_id))

    async def end_edit(self, chat_id: int) -> None:
        """Forget the seller's edit in progress."""
        await self.conn.execute("DELETE FROM seller_edits WHERE chat_id=?", (chat_id,))


def _option(row: aiosqlite.Row) -> Option:
    amount = Money(Decimal(row["amount"]), row["currency"]) if row["amount"] is not None else None
    return Option(row["kind"], amount, bool(row["needs_action"]), row["days"], bool(row["enabled"]))


def _draft(row: aiosqlite.Row, option_rows: list[aiosqlite.Row]) -> Draft:
    return Draft(
        id=row["id"],
        conversation_id=row["conversation_id"],
        intent=row["intent"],
        confidence=row["confidence"],
        language=row["language"],
        buyer_text=row["buyer_text"],
        text=row["text"],
        status=DraftStatus(row["status"]),
        options=tuple(_option(r) for r in option_rows),
        decided_by=row["decided_by"],
    )
