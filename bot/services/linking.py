"""Signed deep links the seller sends to buyers (``parley link``)."""

from __future__ import annotations

from bot.domain import links
from bot.domain.errors import NotFound
from bot.domain.ports import Store


class LinkService:
    """Makes ``/start`` payloads and t.me links for orders."""

    def __init__(self, store: Store, secret: bytes) -> None:
        self.store = store
        self.secret = secret

    async def payload(self, order_id: str) -> str:
        """The signed payload for an imported order."""
        async with self.store.transaction() as uow:
            if await uow.orders.get(order_id) is None:
                raise NotFound(f"order {order_id} is not imported (run: parley orders import)")
        return links.make_payload(self.secret, order_id)

    async def link(self, order_id: str, bot_username: str) -> str:
        """``https://t.me/<bot>?start=<payload>`` for an imported order."""
        return links.deep_link(bot_username, await self.payload(order_id))
