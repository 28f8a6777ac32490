"""Repositories over one open transaction. They implement the ports in ``bot.domain.ports``."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiosqlite

from bot.domain.models import (
    Button,
    CatalogItem,
    Choice,
    Conversation,
    ConversationStatus,
    Draft,
    DraftStatus,
    Option,
    Order,
    OrderStatus,
    OutMessage,
    Sender,
)
from bot.domain.money import Money
from bot.domain.ports import OutboxRow, StoredMessage
from bot.storage.disputes import DisputeRepo
from bot.storage.followups import FollowupRepo


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class _Repo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _one(self, sql: str, *args: Any) -> aiosqlite.Row | None:
        cursor = await self.conn.execute(sql, args)
        return await cursor.fetchone()

    async def _all(self, sql: str, *args: Any) -> list[aiosqlite.Row]:
        cursor = await self.conn.execute(sql, args)
        return list(await cursor.fetchall())

    async def _insert(self, sql: str, *args: Any) -> int:
        cursor = await self.conn.execute(sql, args)
        assert cursor.lastrowid is not None
        return cursor.lastrowid


class OrderRepo(_Repo):
    """Orders and their link to a buyer chat."""

    async def upsert(self, order: Order, now: datetime) -> None:
        """Insert or replace by order id."""
        await self.conn.execute(
            """INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(order_id) DO UPDATE SET buyer_name=excluded.buyer_name,
               item_title=excluded.item_title, sku=excluded.sku, quantity=excluded.quantity,
               unit_price=excluded.unit_price, currency=excluded.currency,
               paid_at=excluded.paid_at, status=excluded.status, carrier=excluded.carrier,
               tracking_number=excluded.tracking_number, shipped_at=excluded.shipped_at,
               promised_delivery_by=excluded.promised_delivery_by,
               delivered_at=excluded.delivered_at, buyer_country=excluded.buyer_country,
               buyer_language=excluded.buyer_language, updated_at=excluded.updated_at""",
            (
                order.order_id, order.buyer_name, order.item_title, order.sku, order.quantity,
                str(order.unit_price.amount), order.unit_price.currency, _ts(order.paid_at),
                order.status.value, order.carrier, order.tracking_number, _ts(order.shipped_at),
                _ts(order.promised_delivery_by), _ts(order.delivered_at), order.buyer_country,
                order.buyer_language, _ts(now),
            ),
        )  # fmt: skip

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        row = await self._one("SELECT * FROM orders WHERE order_id=?", order_id)
        return _order(row) if row else None

    async def link(self, order_id: str, chat_id: int, now: datetime) -> int:
        """Link the order to a chat; returns the chat the order is linked to (maybe another)."""
        await self.conn.execute(
            "INSERT OR IGNORE INTO order_links VALUES (?,?,?)", (order_id, chat_id, _ts(now))
        )
        row = await self._one("SELECT chat_id FROM order_links WHERE order_id=?", order_id)
        assert row is not None
        return int(row["chat_id"])

    async def linked_to(self, chat_id: int) -> list[Order]:
        """Orders linked to a chat, most recently linked first."""
        rows = await self._all(
            """SELECT o.* FROM orders o JOIN order_links l USING (order_id)
               WHERE l.chat_id=? ORDER BY l.linked_at DESC, o.order_id""",
            chat_id,
        )
        return [_order(r) for r in rows]

    async def buyer_chat(self, order_id: str) -> int | None:
        """The chat linked to an order, if any."""
        row = await self._one("SELECT chat_id FROM order_links WHERE order_id=?", order_id)
        return int(row["chat_id"]) if row else None


def _order(row: aiosqlite.Row) -> Order:
    paid_at = _dt(row["paid_at"])
    assert paid_at is not None
    return Order(
        order_id=row["order_id"],
        unit_price=Money(Decimal(row["unit_price"]), row["currency"]),
        quantity=row["quantity"],
        paid_at=paid_at,
        status=OrderStatus(row["status"]),
        buyer_name=row["buyer_name"],
        item_title=row["item_title"],
        sku=row["sku"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        shipped_at=_dt(row["shipped_at"]),
        promised_delivery_by=_dt(row["promised_delivery_by"]),
        delivered_at=_dt(row["delivered_at"]),
        buyer_country=row["buyer_country"],
        buyer_language=row["buyer_language"],
    )


class CatalogRepo(_Repo):
    """Current prices and promotions per SKU."""

    async def upsert(self, item: CatalogItem, now: datetime) -> None:
        """Insert or replace by SKU."""
        await self.conn.execute(
            """INSERT INTO catalog (sku, title, price, currency, promotion, promotion_ends,
               updated_at, size_chart) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(sku) DO UPDATE SET
               title=excluded.title, price=excluded.price, currency=excluded.currency,
               promotion=excluded.promotion, promotion_ends=excluded.promotion_ends,
               updated_at=excluded.updated_at, size_chart=excluded.size_chart""",
            (
                item.sku, item.title, str(item.price.amount), item.price.currency,
                item.promotion, _ts(item.promotion_ends), _ts(now), item.size_chart,
            ),
        )  # fmt: skip

    async def get(self, sku: str) -> CatalogItem | None:
        """The catalog entry for a SKU, or None."""
        row = await self._one("SELECT * FROM catalog WHERE sku=?", sku)
        if row is None:
            return None
        return CatalogItem(
            sku=row["sku"],
            price=Money(Decimal(row["price"]), row["currency"]),
            title=row["title"],
            promotion=row["promotion"],
            promotion_ends=_dt(row["promotion_ends"]),
            size_chart=row["size_chart"],
        )


class ChatRepo(_Repo):
    """Known chats and their role."""

    async def remember(self, sender: Sender, role: str, now: datetime) -> None:
        """Create or refresh a chat record (name, username and language hint)."""
        await self.conn.execute(
            """INSERT INTO chats VALUES (?,?,?,?,?,?,?) ON CONFLICT(chat_id) DO UPDATE SET
               role=excluded.role, name=excluded.name, username=excluded.username,
               language_code=excluded.language_code, updated_at=excluded.updated_at""",
            (sender.chat_id, role, sender.name, sender.username, sender.language_code,
             _ts(now), _ts(now)),
        )  # fmt: skip

    async def get(self, chat_id: int) -> Sender | None:
        """The stored chat, or None."""
        row = await self._one("SELECT * FROM chats WHERE chat_id=?", chat_id)
        if row is None:
            return None
        return Sender(row["chat_id"], row["name"], row["username"], row["language_code"])


class ConversationRepo(_Repo):
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
            chat_id, order_id, ConversationStatus.OPEN.value, language, _ts(now), _ts(now),
        )  # fmt: skip
        conversation = await self.get(cid)
        assert conversation is not None
        return conversation

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
    ) -> None:
        """Change status / intent / language; closing stamps ``closed_at``."""
        sets, args = ["updated_at=?"], [_ts(now)]
        if status is not None:
            sets.append("status=?")
            args.append(status.value)
            if status.closed:
                sets.append("closed_at=?")
                args.append(_ts(now))
        if intent is not None:
            sets.append("intent=?")
            args.append(intent)
        if language is not None:
            sets.append("language=?")
            args.append(language)
        await self.conn.execute(
            f"UPDATE conversations SET {', '.join(sets)} WHERE id=?", (*args, conversation_id)
        )

    async def add_message(self, message: StoredMessage, now: datetime) -> int:
        """Store a message in either direction."""
        return await self._insert(
            """INSERT INTO messages (conversation_id, chat_id, direction, kind, text, intent,
               confidence, created_at) VALUES (?,?,?,?,?,?,?,?)""",
            message.conversation_id, message.chat_id, message.direction, message.kind,
            message.text, message.intent, message.confidence, _ts(now),
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
            (_ts(now), conversation_id),
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
            _ts(since),
        )
        return [_conversation(r) for r in rows]

    async def mark_reminded(self, conversation_id: int, now: datetime) -> None:
        """A first-response reminder went out for the current wait."""
        await self.conn.execute(
            "UPDATE conversations SET reminded_at=? WHERE id=?", (_ts(now), conversation_id)
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
        rows = await self._all(
            "SELECT * FROM conversations WHERE order_id=? ORDER BY id", order_id
        )
        return [_conversation(r) for r in rows]

    async def history(self, conversation_id: int) -> list[StoredMessage]:
        """Every message of the conversation, oldest first."""
        rows = await self._all(
            "SELECT * FROM messages WHERE conversation_id=? ORDER BY id", conversation_id
        )
        return [_message(r) for r in rows]


def _conversation(row: aiosqlite.Row) -> Conversation:
    opened = _dt(row["opened_at"])
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
        waiting_since=_dt(row["waiting_since"]),
    )


def _message(row: aiosqlite.Row) -> StoredMessage:
    return StoredMessage(
        conversation_id=row["conversation_id"],
        chat_id=row["chat_id"],
        direction=row["direction"],
        kind=row["kind"],
        text=row["text"],
        intent=row["intent"],
        confidence=row["confidence"],
    )


class DraftRepo(_Repo):
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
            DraftStatus.PENDING.value, _ts(now),
        )  # fmt: skip
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
        draft = await self.get(draft_id)
        assert draft is not None
        return draft

    async def get(self, draft_id: int) -> Draft | None:
        """A draft with its options."""
        row = await self._one("SELECT * FROM drafts WHERE id=?", draft_id)
        if row is None:
            return None
        option_rows = await self._all(
            "SELECT * FROM draft_options WHERE draft_id=? ORDER BY idx", draft_id
        )
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

    async def pending_for(self, conversation_id: int) -> list[Draft]:
        """Drafts of a conversation still waiting for the seller."""
        rows = await self._all(
            "SELECT id FROM drafts WHERE conversation_id=? AND status='pending' ORDER BY id",
            conversation_id,
        )
        drafts = [await self.get(r["id"]) for r in rows]
        return [d for d in drafts if d is not None]

    async def decide(
        self, draft_id: int, status: DraftStatus, by: str, now: datetime, text: str | None = None
    ) -> bool:
        """Move a pending draft to ``status``; False if it was no longer pending."""
        cursor = await self.conn.execute(
            """UPDATE drafts SET status=?, decided_by=?, decided_at=?, text=COALESCE(?, text)
               WHERE id=? AND status='pending'""",
            (status.value, by, _ts(now), text, draft_id),
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
            (draft_id, option_index, chat_id, _ts(now), "pending" if needs_action else "none"),
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
            (by, _ts(now), choice_id),
        )
        return cursor.rowcount == 1

    async def start_edit(self, chat_id: int, draft_id: int, now: datetime) -> None:
        """The seller in ``chat_id`` is now typing a replacement for ``draft_id``."""
        await self.conn.execute(
            "INSERT OR REPLACE INTO seller_edits VALUES (?,?,NULL,?)",
            (chat_id, draft_id, _ts(now)),
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


class InboxRepo(_Repo):
    """Incoming updates, stored before they are handled.

    A delivery is identified by ``update_id`` and a digest of its content: Telegram's repeated
    delivery of an update is stored once, while an unrelated update that reuses an old id (ids
    restart after a week of silence, or on another Bot API server) is still handled.
    """

    async def add(self, update_id: int, payload: str, now: datetime) -> bool:
        """Store an update; False if this very update was already there."""
        digest = hashlib.sha256(payload.encode()).hexdigest()
        cursor = await self.conn.execute(
            """INSERT OR IGNORE INTO inbox (update_id, digest, payload, status, received_at)
               VALUES (?,?,?,'pending',?)""",
            (update_id, digest, payload, _ts(now)),
        )
        return cursor.rowcount == 1

    async def pending(self, limit: int = 100) -> list[tuple[int, str]]:
        """Updates not yet handled, in arrival order, as (inbox id, payload)."""
        rows = await self._all(
            "SELECT id, payload FROM inbox WHERE status='pending' ORDER BY id LIMIT ?", limit
        )
        return [(int(r["id"]), str(r["payload"])) for r in rows]

    async def finish(self, inbox_id: int, now: datetime, error: str | None = None) -> None:
        """Mark an update handled (or failed, with the error)."""
        await self.conn.execute(
            "UPDATE inbox SET status=?, handled_at=?, error=? WHERE id=?",
            ("failed" if error else "done", _ts(now), error, inbox_id),
        )


class OutboxRepo(_Repo):
    """Messages that must reach Telegram, written with the state change that caused them."""

    async def add(self, message: OutMessage, now: datetime) -> int:
        """Queue a message. An edit of a message still unsent just rewrites that message."""
        buttons = json.dumps(
            [[[b.text, b.data] for b in row] for row in message.buttons], ensure_ascii=False
        )
        if message.edit and message.ref:
            cursor = await self.conn.execute(
                """UPDATE outbox SET text=?, buttons=? WHERE chat_id=? AND ref=? AND edit=0
                   AND status='pending'""",
                (message.text, buttons, message.chat_id, message.ref),
            )
            if cursor.rowcount:
                return 0
        return await self._insert(
            """INSERT INTO outbox (chat_id, ref, edit, text, buttons, status, created_at, photo,
               copy_from) VALUES (?,?,?,?,?,'pending',?,?,?)""",
            message.chat_id, message.ref, int(message.edit), message.text, buttons, _ts(now),
            message.photo, _copy_from(message),
        )  # fmt: skip

    async def due(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Pending rows whose retry time has come, oldest first."""
        rows = await self._all(
            """SELECT * FROM outbox WHERE status='pending'
               AND (not_before IS NULL OR not_before<=?) ORDER BY id LIMIT ?""",
            _ts(now), limit,
        )  # fmt: skip
        return [_outbox(r) for r in rows]

    async def sent_message_id(self, chat_id: int, ref: str) -> int | None:
        """Telegram's message id of the message sent under ``ref`` to ``chat_id``."""
        row = await self._one(
            """SELECT tg_message_id FROM outbox WHERE chat_id=? AND ref=? AND edit=0
               AND status='sent' ORDER BY id DESC LIMIT 1""",
            chat_id, ref,
        )  # fmt: skip
        return int(row["tg_message_id"]) if row and row["tg_message_id"] is not None else None

    async def mark_sent(self, row_id: int, message_id: int | None, now: datetime) -> None:
        """Delivered."""
        await self.conn.execute(
            "UPDATE outbox SET status='sent', tg_message_id=?, sent_at=?, attempts=attempts+1 "
            "WHERE id=?",
            (message_id, _ts(now), row_id),
        )

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        """Not delivered yet; try again at ``at``."""
        await self.conn.execute(
            "UPDATE outbox SET not_before=?, error=?, attempts=attempts+1 WHERE id=?",
            (_ts(at), error, row_id),
        )

    async def mark_failed(self, row_id: int, error: str, now: datetime) -> None:
        """Given up on (the chat blocked us, the message is invalid…)."""
        await self.conn.execute(
            "UPDATE outbox SET status='failed', error=?, sent_at=?, attempts=attempts+1 WHERE id=?",
            (error, _ts(now), row_id),
        )


def _outbox(row: aiosqlite.Row) -> OutboxRow:
    buttons = tuple(
        tuple(Button(text, data) for text, data in line) for line in json.loads(row["buttons"])
    )
    return OutboxRow(
        id=row["id"],
        attempts=row["attempts"],
        message=OutMessage(
            chat_id=row["chat_id"],
            text=row["text"],
            buttons=buttons,
            ref=row["ref"],
            edit=bool(row["edit"]),
            photo=row["photo"],
            copy_of=_copy_of(row["copy_from"]),
        ),
    )


def _copy_from(message: OutMessage) -> str | None:
    return f"{message.copy_of[0]}:{message.copy_of[1]}" if message.copy_of else None


def _copy_of(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    chat, _, message = value.partition(":")
    return int(chat), int(message)


class Repos:
    """All repositories bound to one transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.orders = OrderRepo(conn)
        self.catalog = CatalogRepo(conn)
        self.chats = ChatRepo(conn)
        self.conversations = ConversationRepo(conn)
        self.drafts = DraftRepo(conn)
        self.inbox = InboxRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.disputes = DisputeRepo(conn)
        self.followups = FollowupRepo(conn)
