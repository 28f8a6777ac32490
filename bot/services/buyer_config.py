"""What the buyer use cases need from settings, and the one step they all take.

:mod:`bot.services.buyers` (linking, incoming messages, the "which topic?" question),
:mod:`bot.services.drafting` (the reply and its approval card) and
:mod:`bot.services.choosing` (the buyer's choice among a reply's options) share
:class:`BuyerConfig` and :func:`tell_sellers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.disputes import DisputeRules
from bot.domain.models import OutMessage
from bot.domain.playbook import SellerPolicy
from bot.domain.ports import Clock, UnitOfWork
from bot.services.desk import Desk


@dataclass(frozen=True)
class BuyerConfig:
    """What the buyer services need from settings."""

    seller_chat_ids: tuple[int, ...]
    link_secret: bytes
    default_language: str
    policy: SellerPolicy
    auto_approve: frozenset[str] = frozenset()
    dispute_rules: DisputeRules = field(default_factory=DisputeRules)


async def tell_sellers(uow: UnitOfWork, clock: Clock, desk: Desk, text: str, about: int) -> None:
    """Queue a plain notice about the buyer chat ``about`` to the console (every seller chat,
    or that buyer's topic), stamped as it is queued."""
    for seller in await desk.about(uow, about, clock.now()):
        await uow.outbox.add(OutMessage(seller, text), clock.now())
