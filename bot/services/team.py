"""The team group's topics as the transport needs them: where a topic's messages go, its name,
what Telegram called it, and which topic a member acted in (rules in :mod:`bot.domain.team`).

The notifier asks :meth:`TeamService.route` for the (group, ``message_thread_id``) behind an
internal topic chat id when it sends, creates the forum topic the first time (then
:meth:`TeamService.made`) and forgets one a person deleted (:meth:`TeamService.gone`, a new one
is made on the next message). The update middleware asks :meth:`TeamService.place` which
internal chat a message or press in the group belongs to, so the seller use cases answer in
the topic where the person acted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import Sender
from bot.domain.ports import Clock, Store, Undeliverable
from bot.domain.team import Console, topic_name
from bot.domain.text import strip_html
from bot.services.presenter import Presenter


@dataclass(frozen=True)
class TopicRoute:
    """Where an internal topic chat id points: the group, and the topic Telegram made (None:
    not made yet). ``name`` is what the topic should be called (asked for with ``named``):
    what to make it with, or, when ``rename``, what to rename the made topic to."""

    group_id: int
    thread_id: int | None
    name: str = ""
    rename: bool = False


class TeamService:
    """Topic look-ups for the notifier and the middleware; one per application."""

    def __init__(self, store: Store, clock: Clock, presenter: Presenter, console: Console):
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.console = console

    async def route(self, chat_id: int, *, named: bool = True) -> TopicRoute:
        """The group and thread of topic ``chat_id``, and (``named``: for a new message) its
        name: after the buyer and their latest linked order, so a topic made earlier is
        renamed when the buyer's latest order changes. :class:`Undeliverable` when it is not
        a topic of the configured group (team mode switched off or to another group)."""
        async with self.store.transaction() as uow:
            topic = await uow.topics.get(chat_id)
            if topic is None or topic.group_id != self.console.group_id:
                raise Undeliverable(f"chat {chat_id} is not a topic of the team group")
            if topic.thread_id is not None and not named:
                return TopicRoute(topic.group_id, topic.thread_id)
            buyer = await uow.chats.get(topic.buyer_chat_id) or Sender(topic.buyer_chat_id)
            orders = await uow.orders.linked_to(topic.buyer_chat_id)
            name = self.presenter.seller(
                "topic_name", buyer=buyer, order=orders[0] if orders else None
            )
        name = topic_name(strip_html(name))
        made = topic.thread_id is not None
        return TopicRoute(topic.group_id, topic.thread_id, name, made and name != topic.name)

    async def made(self, chat_id: int, thread_id: int, name: str) -> None:
        """Telegram created the forum topic of ``chat_id`` as ``thread_id``, called ``name``."""
        async with self.store.transaction() as uow:
            await uow.topics.set_thread(chat_id, thread_id, self.clock.now())
            await uow.topics.set_name(chat_id, name, self.clock.now())

    async def named(self, chat_id: int, name: str) -> None:
        """Telegram now calls the topic of ``chat_id`` ``name`` (renamed, or already so)."""
        async with self.store.transaction() as uow:
            await uow.topics.set_name(chat_id, name, self.clock.now())

    async def gone(self, chat_id: int) -> None:
        """The forum topic of ``chat_id`` no longer exists: the next message makes a new one."""
        async with self.store.transaction() as uow:
            await uow.topics.set_thread(chat_id, None, self.clock.now())
            await uow.topics.set_name(chat_id, None, self.clock.now())
            await uow.topics.set_closed(chat_id, False, self.clock.now())

    async def place(self, chat_id: int, thread_id: int | None) -> int:
        """The internal chat a message or press in Telegram chat ``chat_id`` (topic
        ``thread_id``) belongs to: a buyer's topic of the team group, else ``chat_id``."""
        if chat_id != self.console.group_id or thread_id is None:
            return chat_id
        async with self.store.transaction() as uow:
            topic = await uow.topics.by_thread(chat_id, thread_id)
        return topic.chat_id if topic is not None else chat_id
