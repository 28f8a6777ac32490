"""Orders and their buyer chat, the catalog, known chats."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from bot.domain.models import CatalogItem, Order, OrderStatus, Sender
from bot.domain.money import Money
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import catalog, chats, order_links, orders


def _excluded_all(stmt: Any, table: sa.Table, *keys: str) -> dict[str, Any]:
    return {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}


class OrderRepo(Repo):
    """Orders and their link to a buyer chat."""

    async def upsert(self, order: Order, now: datetime) -> None:
        """Insert or replace by order id."""
        stmt = self._upsert(orders).values(
            order_id=order.order_id,
            buyer_name=order.buyer_name,
            item_title=order.item_title,
            sku=order.sku,
            quantity=order.quantity,
            unit_price=str(order.unit_price.amount),
            currency=order.unit_price.currency,
            paid_at=order.paid_at,
            status=order.status.value,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            shipped_at=order.shipped_at,
            promised_delivery_by=order.promised_delivery_by,
            delivered_at=order.delivered_at,
            buyer_country=order.buyer_country,
            buyer_language=order.buyer_language,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[orders.c.order_id], set_=_excluded_all(stmt, orders, "order_id")
        )
        await self.conn.execute(stmt)

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        row = await self._one(sa.select(orders).where(orders.c.order_id == order_id))
        return _order(row) if row else None

    async def link(self, order_id: str, chat_id: int, now: datetime) -> int:
        """Link the order to a chat; returns the chat the order is linked to (maybe another)."""
        await self.conn.execute(
            self._upsert(order_links)
            .values(order_id=order_id, chat_id=chat_id, linked_at=now)
            .on_conflict_do_nothing(index_elements=[order_links.c.order_id])
        )
        linked = await self.buyer_chat(order_id)
        assert linked is not None
        return linked

    async def linked_to(self, chat_id: int) -> list[Order]:
        """Orders linked to a chat, most recently linked first."""
        rows = await self._all(
            sa.select(orders)
            .join(order_links, order_links.c.order_id == orders.c.order_id)
            .where(order_links.c.chat_id == chat_id)
            .order_by(order_links.c.linked_at.desc(), orders.c.order_id)
        )
        return [_order(r) for r in rows]

    async def buyer_chat(self, order_id: str) -> int | None:
        """The chat linked to an order, if any."""
        row = await self._one(
            sa.select(order_links.c.chat_id).where(order_links.c.order_id == order_id)
        )
        return int(row.chat_id) if row else None


def _order(row: Row[Any]) -> Order:
    return Order(
        order_id=row.order_id,
        unit_price=Money(Decimal(row.unit_price), row.currency),
        quantity=row.quantity,
        paid_at=row.paid_at,
        status=OrderStatus(row.status),
        buyer_name=row.buyer_name,
        item_title=row.item_title,
        sku=row.sku,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        shipped_at=row.shipped_at,
        promised_delivery_by=row.promised_delivery_by,
        delivered_at=row.delivered_at,
        buyer_country=row.buyer_country,
        buyer_language=row.buyer_language,
    )


class CatalogRepo(Repo):
    """Current prices and promotions per SKU."""

    async def upsert(self, item: CatalogItem, now: datetime) -> None:
        """Insert or replace by SKU."""
        stmt = self._upsert(catalog).values(
            sku=item.sku,
            title=item.title,
            price=str(item.price.amount),
            currency=item.price.currency,
            promotion=item.promotion,
            promotion_ends=item.promotion_ends,
            updated_at=now,
            size_chart=item.size_chart,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[catalog.c.sku], set_=_excluded_all(stmt, catalog, "sku")
        )
        await self.conn.execute(stmt)

    async def get(self, sku: str) -> CatalogItem | None:
        """The catalog entry for a SKU, or None."""
        row = await self._one(sa.select(catalog).where(catalog.c.sku == sku))
        if row is None:
            return None
        return CatalogItem(
            sku=row.sku,
            price=Money(Decimal(row.price), row.currency),
            title=row.title,
            promotion=row.promotion,
            promotion_ends=row.promotion_ends,
            size_chart=row.size_chart,
        )


class ChatRepo(Repo):
    """Known chats and their role."""

    async def remember(self, sender: Sender, role: str, now: datetime) -> None:
        """Create or refresh a chat record (name, username and language hint)."""
        stmt = self._upsert(chats).values(
            chat_id=sender.chat_id,
            role=role,
            name=sender.name,
            username=sender.username,
            language_code=sender.language_code,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[chats.c.chat_id],
            set_=_excluded_all(stmt, chats, "chat_id", "created_at"),
        )
        await self.conn.execute(stmt)

    async def get(self, chat_id: int) -> Sender | None:
        """The stored chat, or None."""
        row = await self._one(sa.select(chats).where(chats.c.chat_id == chat_id))
        if row is None:
            return None
        return Sender(row.chat_id, row.name, row.username, row.language_code)
