"""The seller console: who may act where, and where a message for the sellers goes (pure).

**Two shapes.** Without a team group the console is the private seller chats of
``PARLEY_SELLER_CHAT_IDS`` (and any group listed there), and every card is copied to each of
them, as before. With ``PARLEY_SELLER_GROUP_ID`` the console is one forum supergroup: each
buyer chat gets its own *topic* there (a business chat and a bot chat of the same person are
two topics, as they are two conversations). Cards, action cards and reminders about a buyer go
to that topic only; alerts about no buyer in particular (disputes, metrics, storage, Business
connections) go to the group's General topic.

**Topic identity.** Services address one integer chat id, as for Business chats
(:mod:`bot.domain.business`). A topic is a row of ``seller_topics`` whose serial id gives it
an *internal chat id* :func:`topic_chat_id` = ``TOPIC_BASE - serial``, with
:data:`TOPIC_BASE` = −2⁵². Telegram's chat ids are all above −2⁵² (they stop at about
−4·10¹²) and internal Business ids are below −2⁵³, so the three never meet. The notifier maps
a topic id to (group, ``message_thread_id``) when it sends, creating the forum topic the first
time (``createForumTopic``): handling a message never waits for Telegram.

**Who may act** (:meth:`Console.allows`). Rights follow the person, not the chat:

* in a private seller chat, its own user (the transport checks ``from_user.id == chat.id``);
* in the team group — General or any topic — only users listed in ``PARLEY_SELLER_USER_IDS``;
  a member not listed is refused and nothing changes;
* in a seller group of ``PARLEY_SELLER_CHAT_IDS``: the listed users when a list is given, else
  any human member (the rule before team mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.business import BUSINESS_BASE

TOPIC_BASE = -(2**52)
"""Internal topic chat ids are ``TOPIC_BASE - n`` (1 ≤ n < 2⁵²): below every Telegram chat id
and above every internal Business chat id."""

TOPIC_NAME_LIMIT = 128  # Telegram: a forum topic name is 1–128 characters


class TopicAction(StrEnum):
    """What an outbox row does to a forum topic instead of sending a message."""

    CLOSE = "close_topic"
    REOPEN = "reopen_topic"


def topic_chat_id(serial: int) -> int:
    """The internal chat id of the ``serial``-th topic row."""
    if not 1 <= serial < 2**52:
        raise ValueError(f"topic serial out of range: {serial}")
    return TOPIC_BASE - serial


def topic_serial(chat_id: int) -> int | None:
    """The topic row behind an internal topic chat id; None for any other chat id."""
    return TOPIC_BASE - chat_id if BUSINESS_BASE <= chat_id < TOPIC_BASE else None


def is_topic(chat_id: int) -> bool:
    """Whether ``chat_id`` is an internal topic chat id."""
    return BUSINESS_BASE <= chat_id < TOPIC_BASE


def topic_name(text: str) -> str:
    """A topic name Telegram accepts: one line, 1–128 characters."""
    one_line = " ".join(text.split())
    if len(one_line) > TOPIC_NAME_LIMIT:
        one_line = one_line[: TOPIC_NAME_LIMIT - 1].rstrip() + "…"
    return one_line or "?"


@dataclass(frozen=True)
class Topic:
    """A buyer chat's topic in the team group; ``thread_id`` is None until Telegram made it."""

    serial: int
    group_id: int
    buyer_chat_id: int
    thread_id: int | None = None
    closed: bool = False
    name: str | None = None  # what Telegram calls the topic, once made (None: not known)

    @property
    def chat_id(self) -> int:
        """The internal chat id services send to."""
        return topic_chat_id(self.serial)


@dataclass(frozen=True)
class Assignee:
    """Who a conversation is assigned to: a Telegram user id and the name shown on cards."""

    user_id: int
    name: str
    since: datetime | None = None


@dataclass(frozen=True)
class Console:
    """Where the sellers are: private chats, maybe a team group, and the users who may act."""

    seller_chat_ids: tuple[int, ...] = ()
    group_id: int | None = None
    user_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def team(self) -> bool:
        """Whether a team group with one topic per buyer is the console."""
        return self.group_id is not None

    @property
    def everyone(self) -> tuple[int, ...]:
        """Where alerts about no buyer in particular go: the group's General topic in team
        mode, else every seller chat."""
        return (self.group_id,) if self.group_id is not None else self.seller_chat_ids

    @property
    def shared(self) -> bool:
        """Whether more than one person may act (a team group, a seller group or several
        seller chats): cards then offer Assign and show who a conversation is assigned to."""
        return (
            self.team or len(self.seller_chat_ids) > 1 or any(c < 0 for c in self.seller_chat_ids)
        )

    def in_console(self, chat_id: int) -> bool:
        """Whether ``chat_id`` is a place of the console (a seller chat, the group or one of
        its topics); says nothing about who may act there."""
        return chat_id in self.seller_chat_ids or self.in_group(chat_id)

    def in_group(self, chat_id: int) -> bool:
        """Whether ``chat_id`` is the team group or one of its topics."""
        return self.group_id is not None and (chat_id == self.group_id or is_topic(chat_id))

    def allows(self, chat_id: int, user_id: int | None, *, is_bot: bool = False) -> bool:
        """Whether the person ``user_id`` may act as the seller in ``chat_id`` (module rule).
        ``user_id`` None means "the chat's own user" (a private seller chat, the CLI)."""
        if is_bot:
            return False
        if self.in_group(chat_id):
            return user_id is not None and user_id in self.user_ids
        if chat_id not in self.seller_chat_ids:
            return False
        if user_id is None:
            return True
        if chat_id > 0:
            return user_id == chat_id
        return not self.user_ids or user_id in self.user_ids
