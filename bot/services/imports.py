"""Importing the seller's CSV exports: validate everything, then upsert in one transaction."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from bot.domain.csvimport import parse_catalog, parse_orders
from bot.domain.errors import ImportRejected
from bot.domain.models import Order
from bot.domain.ports import Clock, Store, UnitOfWork

MAX_FILE_BYTES = 50 * 1024 * 1024  # far above any shop's export; stops a wrong file early


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportRejected(str(path), [f"the file is larger than {MAX_FILE_BYTES:,} bytes"])
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(str(path), [f"the file is not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise ImportRejected(str(path), [exc.strerror or str(exc)]) from None


class OrderHook(Protocol):
    """Told about every imported order in the import's transaction (follow-up planning)."""

    async def order_changed(
        self, uow: UnitOfWork, before: Order | None, after: Order, now: datetime
    ) -> int: ...


class ImportService:
    """``parley orders import`` and ``parley catalog import``."""

    def __init__(self, store: Store, clock: Clock, on_order: OrderHook | None = None) -> None:
        self.store = store
        self.clock = clock
        self.on_order = on_order

    async def orders(self, path: Path) -> int:
        """Upsert every order in the file; :class:`ImportRejected` imports nothing."""
        try:
            orders = parse_orders(_read(path))
        except ImportRejected as exc:
            raise ImportRejected(str(path), exc.problems) from None
        now = self.clock.now()
        async with self.store.transaction() as uow:
            for order in orders:
                before = await uow.orders.get(order.order_id) if self.on_order else None
                await uow.orders.upsert(order, now)
                if self.on_order is not None:  # a changed status/tracking is an order event
                    await self.on_order.order_changed(uow, before, order, now)
        return len(orders)

    async def catalog(self, path: Path) -> int:
        """Upsert every catalog row in the file; :class:`ImportRejected` imports nothing."""
        try:
            items = parse_catalog(_read(path))
        except ImportRejected as exc:
            raise ImportRejected(str(path), exc.problems) from None
        now = self.clock.now()
        async with self.store.transaction() as uow:
            for item in items:
                await uow.catalog.upsert(item, now)
        return len(items)
