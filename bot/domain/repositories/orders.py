"""Orders, the catalog and chats: what the bot knows about a purchase and who is behind a
chat (:class:`OrderRepository`, :class:`CatalogRepository`, :class:`ChatRepository`)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.models import CatalogItem, Order, Sender


class OrderRepository(Protocol):
    """Orders (imported or from the order API) and which buyer chat each is linked to."""

    async def upsert(self, order: Order, now: datetime) -> None:
        """Insert or replace by order id."""
        ...

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        ...

    async def link(self, order_id: str, chat_id: int, now: datetime) -> int:
        """Link the order to a chat; returns the chat the order is linked to (maybe another).
        Idempotent: linking again to the same chat changes nothing; an order linked to
        another chat stays there (the caller refuses)."""
        ...

    async def linked_to(self, chat_id: int) -> list[Order]:
        """Orders linked to a chat, most recently linked first."""
        ...

    async def buyer_chat(self, order_id: str) -> int | None:
        """The chat linked to an order, if any."""
        ...


class CatalogRepository(Protocol):
    """Current catalog prices and promotions, by SKU."""

    async def upsert(self, item: CatalogItem, now: datetime) -> None:
        """Insert or replace by SKU."""
        ...

    async def get(self, sku: str) -> CatalogItem | None:
        """The catalog entry for a SKU, or None."""
        ...


class ChatRepository(Protocol):
    """Who is behind a chat (name, username, language hint) and their role."""

    async def remember(self, sender: Sender, role: str, now: datetime) -> None:
        """Create or refresh a chat record (name, username and language hint)."""
        ...

    async def get(self, chat_id: int) -> Sender | None:
        """The stored chat, or None."""
        ...
