"""Importing the seller's CSV exports: validate everything, then upsert in one transaction."""

from __future__ import annotations

from pathlib import Path

from bot.domain.csvimport import parse_catalog, parse_orders
from bot.domain.errors import ImportRejected
from bot.domain.ports import Clock, Store


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(str(path), [f"the file is not UTF-8 text ({exc.reason})"]) from None
    except OSError as exc:
        raise ImportRejected(str(path), [exc.strerror or str(exc)]) from None


class ImportService:
    """``parley orders import`` and ``parley catalog import``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def orders(self, path: Path) -> int:
        """Upsert every order in the file; :class:`ImportRejected` imports nothing."""
        try:
            orders = parse_orders(_read(path))
        except ImportRejected as exc:
            raise ImportRejected(str(path), exc.problems) from None
        now = self.clock.now()
        async with self.store.transaction() as uow:
            for order in orders:
                await uow.orders.upsert(order, now)
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
