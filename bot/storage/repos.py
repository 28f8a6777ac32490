"""Repositories over one open transaction. They implement the ports in ``bot.domain.ports``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import aiosqlite

from bot.domain.models import (
    CatalogItem,
    Order,
    OrderStatus,
    Sender,
)
from bot.domain.money import Money
from bot.storage.base import Repo, dt, ts
from bot.storage.conversations import ConversationRepo, DraftRepo
from bot.storage.disputes import DisputeRepo
from bot.storage.followups import FollowupRepo
from bot.storage.gauges import GaugeRepo
from bot.storage.learned import LearnedRepo
from bot.storage.queues import InboxRepo, OutboxRepo

__all__ = ["ConversationRepo", "DraftRepo", "InboxRepo", "OutboxRepo", "Repos"]


class OrderRepo(Repo):
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
                str(order.unit_price.amount), order.unit_price.currency, ts(order.paid_at),
                order.status.value, order.carrier, order.tracking_number, ts(order.shipped_at),
                ts(order.promised_delivery_by), ts(order.delivered_at), order.buyer_country,
                order.buyer_language, ts(now),
            ),
        )  # fmt: skip

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        row = await self._one("SELECT * FROM orders WHERE order_id=?", order_id)
        return _order(row) if row else None

    async def link(self, order_id: str, chat_id: int, now: datetime) -> int:
        """Link the order to a chat; returns the chat the order is linked to (maybe another)."""
        await self.conn.execute(
            "INSERT OR IGNORE INTO order_links VALUES (?,?,?)", (order_id, chat_id, ts(now))
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
    paid_at = dt(row["paid_at"])
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
        shipped_at=dt(row["shipped_at"]),
        promised_delivery_by=dt(row["promised_delivery_by"]),
        delivered_at=dt(row["delivered_at"]),
        buyer_country=row["buyer_country"],
        buyer_language=row["buyer_language"],
    )


class CatalogRepo(Repo):
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
                item.promotion, ts(item.promotion_ends), ts(now), item.size_chart,
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
            promotion_ends=dt(row["promotion_ends"]),
            size_chart=row["size_chart"],
        )


class ChatRepo(Repo):
    """Known chats and their role."""

    async def remember(self, sender: Sender, role: str, now: datetime) -> None:
        """Create or refresh a chat record (name, username and language hint)."""
        await self.conn.execute(
            """INSERT INTO chats VALUES (?,?,?,?,?,?,?) ON CONFLICT(chat_id) DO UPDATE SET
               role=excluded.role, name=excluded.name, username=excluded.username,
               language_code=excluded.language_code, updated_at=excluded.updated_at""",
            (sender.chat_id, role, sender.name, sender.username, sender.language_code,
             ts(now), ts(now)),
        )  # fmt: skip

    async def get(self, chat_id: int) -> Sender | None:
        """The stored chat, or None."""
        row = await self._one("SELECT * FROM chats WHERE chat_id=?", chat_id)
        if row is None:
            return None
        return Sender(row["chat_id"], row["name"], row["username"], row["language_code"])


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
        self.gauges = GaugeRepo(conn)
        self.learned = LearnedRepo(conn)
