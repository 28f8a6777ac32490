"""The repository ports: what the use cases need from storage, one Protocol per aggregate.

``bot.storage`` implements them; every method states its contract. :mod:`bot.domain.ports`
groups them into a unit of work. One module per aggregate, every name importable from here:

- :mod:`~bot.domain.repositories.orders`: orders, the catalog and chats;
- :mod:`~bot.domain.repositories.conversations`: conversations, their stored messages and
  the drafted replies (with the buyer's choices and the seller's edits);
- :mod:`~bot.domain.repositories.queues`: the inbox of updates and the outbox of messages;
- :mod:`~bot.domain.repositories.disputes`: disputes, offers, answers, reminders, evidence;
- :mod:`~bot.domain.repositories.followups`: order events and follow-up rows;
- :mod:`~bot.domain.repositories.gauges`: the counts ``/metrics`` reads;
- :mod:`~bot.domain.repositories.verification`: second-fact linking attempts;
- :mod:`~bot.domain.repositories.team`: the team group's topics, one per buyer chat.
"""

from __future__ import annotations

from bot.domain.repositories.conversations import (
    ConversationRepository,
    DraftRepository,
    StoredMessage,
)
from bot.domain.repositories.disputes import DisputeRepository
from bot.domain.repositories.followups import FollowupRepository
from bot.domain.repositories.gauges import GaugeRepository, GaugeSnapshot
from bot.domain.repositories.orders import CatalogRepository, ChatRepository, OrderRepository
from bot.domain.repositories.queues import InboxRepository, OutboxRepository, OutboxRow
from bot.domain.repositories.team import TopicRepository
from bot.domain.repositories.verification import LinkAttemptRepository

__all__ = [
    "CatalogRepository",
    "ChatRepository",
    "ConversationRepository",
    "DisputeRepository",
    "DraftRepository",
    "FollowupRepository",
    "GaugeRepository",
    "GaugeSnapshot",
    "InboxRepository",
    "LinkAttemptRepository",
    "OrderRepository",
    "OutboxRepository",
    "OutboxRow",
    "StoredMessage",
    "TopicRepository",
]
