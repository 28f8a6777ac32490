"""Where a message for the sellers goes (the rules are :mod:`bot.domain.team`'s).

Every use case that writes to the seller console asks the :class:`Desk`: *about a buyer*
(cards, action cards, reminders, notices about one conversation) the message goes to that
buyer's topic in the team group — made on first use, reopened when the buyer writes again —
or, without a team group, to every seller chat; *about no buyer in particular* (dispute and
metric alerts, storage outages, Business connections) it goes to :attr:`Desk.everyone`. When a
buyer's last open conversation closes, the topic is closed (:meth:`Desk.settle`). Topic
changes are outbox rows, like messages: nothing here waits for Telegram.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import OutMessage, Sender
from bot.domain.ports import UnitOfWork
from bot.domain.team import Console, TopicAction


class Desk:
    """Routes seller-console messages; one per application, shared by the use cases."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @classmethod
    def of(cls, sellers: tuple[int, ...] | Desk) -> Desk:
        """``sellers`` itself, or a desk of those private seller chats (no team group)."""
        return sellers if isinstance(sellers, Desk) else cls(Console(tuple(sellers)))

    @property
    def everyone(self) -> tuple[int, ...]:
        """Where alerts about no buyer in particular go."""
        return self.console.everyone

    def allows(self, seller: Sender) -> bool:
        """Whether ``seller`` (a chat and maybe the person in it) may act as the seller."""
        return self.console.allows(seller.chat_id, seller.user_id)

    async def about(
        self, uow: UnitOfWork, buyer_chat_id: int, now: datetime, *, reopen: bool = False
    ) -> tuple[int, ...]:
        """The chats a message about the buyer chat ``buyer_chat_id`` goes to. With
        ``reopen`` (the buyer wrote again) a closed topic is reopened first."""
        group = self.console.group_id
        if group is None:
            return self.console.seller_chat_ids
        topic = await uow.topics.for_buyer(group, buyer_chat_id, now)
        if reopen and topic.closed and await uow.topics.set_closed(topic.chat_id, False, now):
            await uow.outbox.add(OutMessage(topic.chat_id, "", action=TopicAction.REOPEN), now)
        return (topic.chat_id,)

    async def settle(self, uow: UnitOfWork, buyer_chat_id: int, now: datetime) -> None:
        """A conversation of ``buyer_chat_id`` closed: close its topic when none is open."""
        group = self.console.group_id
        if group is None or await uow.conversations.any_open(buyer_chat_id):
            return
        topic = await uow.topics.find(group, buyer_chat_id)
        if topic is not None and await uow.topics.set_closed(topic.chat_id, True, now):
            await uow.outbox.add(OutMessage(topic.chat_id, "", action=TopicAction.CLOSE), now)
