"""The dispute service the adapters get: the dispute use cases, the seller's ``/dispute``
command and the reminder runner behind one object.

The parts live by responsibility next to this module:

- :mod:`bot.services.dispute_cases` — open, step, read (and the building blocks inside a
  transaction the others share);
- :mod:`bot.services.dispute_offers` — the seller's offers and the buyer's answers;
- :mod:`bot.services.dispute_commands` — the interpreter of ``/dispute …``;
- :mod:`bot.services.dispute_reminders` — the reminder runner the scheduler wakes;
- :mod:`bot.services.dispute_texts` — the seller-console texts (templates).

The composition root builds one :class:`DisputeService` (``bot.app`` for the bot,
``bot.wiring.open_services`` for a shell command) from the store, the clock, the plain
:class:`DisputeConfig` and the seller console's :class:`Presenter`; the interpreter and the
runner work on it.
"""

from __future__ import annotations

from bot.domain.models import Sender
from bot.domain.ports import Clock, Store
from bot.services.dispute_commands import DisputeCommands
from bot.services.dispute_config import (
    DISPUTE_FOLLOWUP,
    ORDER_EVENTS,
    DisputeConfig,
    seller_timezone,
)
from bot.services.dispute_offers import DisputeNegotiation
from bot.services.dispute_reminders import DisputeReminders
from bot.services.presenter import Presenter

__all__ = [
    "DISPUTE_FOLLOWUP",
    "ORDER_EVENTS",
    "DisputeConfig",
    "DisputeService",
    "seller_timezone",
]


class DisputeService(DisputeNegotiation):
    """The dispute clock. Seller-facing calls check the chat is a configured seller chat."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: DisputeConfig,
        presenter: Presenter,
    ) -> None:
        super().__init__(store, clock, config, presenter)
        self.commands = DisputeCommands(self)
        self.reminders = DisputeReminders(self)

    async def command(self, seller: Sender, args: str | None) -> None:
        """``/dispute …``: open, show, or record an offer / the buyer's answer. Problems are
        answered in the seller chat (nothing is changed)."""
        await self.commands.command(seller, args)

    async def run_due(self, limit: int = 100) -> int:
        """Fire every due reminder once (each in its own transaction); returns how many were
        sent (skipped ones are not counted)."""
        return await self.reminders.run_due(limit)
