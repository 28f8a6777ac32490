"""The unit of work: every repository bound to one transaction's connection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.sql.business import BusinessRepo
from bot.storage.sql.conversations import ConversationRepo
from bot.storage.sql.csat import CsatRepo
from bot.storage.sql.disputes import DisputeRepo
from bot.storage.sql.drafts import DraftRepo
from bot.storage.sql.followups import FollowupRepo
from bot.storage.sql.gauges import GaugeRepo
from bot.storage.sql.inbox import InboxRepo
from bot.storage.sql.learned import LearnedRepo
from bot.storage.sql.orders import CatalogRepo, ChatRepo, OrderRepo
from bot.storage.sql.outbox import OutboxRepo
from bot.storage.sql.team import TopicRepo
from bot.storage.sql.verification import LinkAttemptRepo


class Repos:
    """All repositories bound to one transaction (implements ``bot.domain.ports.UnitOfWork``)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.orders = OrderRepo(conn)
        self.catalog = CatalogRepo(conn)
        self.chats = ChatRepo(conn)
        self.conversations = ConversationRepo(conn)
        self.drafts = DraftRepo(conn, self.conversations.new_ids)
        self.inbox = InboxRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.disputes = DisputeRepo(conn)
        self.followups = FollowupRepo(conn)
        self.gauges = GaugeRepo(conn)
        self.learned = LearnedRepo(conn)
        self.csat = CsatRepo(conn)
        self.business = BusinessRepo(conn)
        self.link_attempts = LinkAttemptRepo(conn)
        self.topics = TopicRepo(conn)
