"""Who may act: filters that check the person behind an update, not only the chat it sits in.

Telegram tells two things apart that are easy to conflate: the chat a message or button is
in (``message.chat``, ``callback_query.message.chat``) and the person who sent or pressed it
(``from_user``). Rights follow the person. A forged webhook post can claim any chat, and in a
group everyone can press every button, so the chat alone proves nothing.

The rule (issue 10, tightened by the team console; :meth:`bot.domain.team.Console.allows`):

* **Seller.** An update acts as the seller when it sits in a configured seller chat and

  - the chat is private (positive id): the sender *is* that chat's user
    (``from_user.id == chat.id``). Another configured seller is no exception: each seller
    acts in their own chat.
  - the chat is the team group (``PARLEY_SELLER_GROUP_ID``, any of its topics): the sender
    is listed in ``PARLEY_SELLER_USER_IDS``. A member not listed is refused.
  - the chat is a group of ``PARLEY_SELLER_CHAT_IDS``: a listed user when a list is given,
    else any human member (``from_user`` set, not a bot), as before the team console.
    Anonymous group admins write as a bot (``GroupAnonymousBot``) and are refused: nobody
    could tell who acted.

  Anyone else's update in a seller chat (a buyer, a stranger, a forged post) gets no seller
  powers: messages are dropped, presses get a short refusal in the presser's language
  (``refusal/seller_only``, see :mod:`bot.telegram.texts`).
* **Buyer buttons** (``pick``, ``clar``) act for the person who pressed them, and only on a
  message in that person's own private chat (``callback_query.message.chat.id ==
  from_user.id``). The services then check that the conversation is that chat's.
* **Buyer messages** come from private chats whose user is the sender.

The person acting comes to every handler as ``sender`` (a :class:`Sender`, injected by
:class:`~bot.telegram.middlewares.SenderMiddleware`); these filters decide whether that sender
may act, and :class:`Press` hands the decoded button as ``press``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Chat, Message, User

from bot.domain import callbacks
from bot.domain.errors import NotAllowed
from bot.domain.models import Sender
from bot.domain.team import TOPIC_BASE, Console
from bot.telegram.texts import Texts

log = logging.getLogger(__name__)

Event = Message | CallbackQuery

SELLER_ONLY = "seller_only"  # refusal/seller_only: a seller-console button, pressed by another
OTHER_CHAT = "not_yours"  # refusal/not_yours: a button of another person's chat


def sender(chat_id: int, user: User | None, place: int | None = None) -> Sender:
    """The :class:`Sender` acting in ``chat_id`` (or in ``place``, the internal chat of a
    team topic), named after ``user`` when known; ``user_id`` is set in a group (negative
    Telegram id), where the person is not the chat."""
    where = chat_id if place is None else place
    if user is None:
        return Sender(where)
    user_id = user.id if TELEGRAM_LOWEST <= chat_id < 0 else None
    return Sender(where, user.full_name, user.username or "", user.language_code or "", user_id)


TELEGRAM_LOWEST = TOPIC_BASE  # chat ids below this are internal (bot.domain.team, .business)


def console_of(sellers: Console | Collection[int]) -> Console:
    """``sellers`` as a :class:`Console` (a collection of seller chat ids: no team group)."""
    return sellers if isinstance(sellers, Console) else Console(tuple(sellers))


def chat_of(event: Event) -> Chat | None:
    """The chat an update sits in (for a button: the chat of its message), if any."""
    if isinstance(event, Message):
        return event.chat
    return event.message.chat if event.message is not None else None


def may_act_as_seller(chat_id: int, user: User | None, sellers: Console | Collection[int]) -> bool:
    """Whether ``user`` may act as the seller in chat ``chat_id`` (see the module rule)."""
    if user is None:
        return False
    return console_of(sellers).allows(chat_id, user.id, is_bot=user.is_bot)


class InSellerChat(Filter):
    """The update sits in a configured seller chat or the team group, whoever sent it."""

    def __init__(self, sellers: Console | Collection[int]) -> None:
        self.console = console_of(sellers)

    async def __call__(self, event: Event) -> bool:
        chat = chat_of(event)
        return chat is not None and self.console.in_console(chat.id)


class SellerGate(Filter):
    """The sender may act as the seller here (``sender`` is then the seller chat, named after
    the person, so a card says who pressed Send)."""

    def __init__(self, sellers: Console | Collection[int]) -> None:
        self.console = console_of(sellers)

    async def __call__(self, event: Event) -> bool:
        chat = chat_of(event)
        return chat is not None and may_act_as_seller(chat.id, event.from_user, self.console)


class Press(Filter):
    """A button of ours with one of ``verbs``, decoded once (:mod:`bot.domain.callbacks`);
    hands ``press``: the :class:`~bot.domain.callbacks.Callback`, or what ``read`` makes of
    it (a ``read`` that returns None turns the press away)."""

    def __init__(
        self, verbs: Collection[str], read: Callable[[callbacks.Callback], object] | None = None
    ) -> None:
        self.verbs = frozenset(verbs)
        self.read = read

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        press = callbacks.decode(query.data)
        if press is None or press.verb not in self.verbs:
            return False
        if self.read is None:
            return {"press": press}
        read = self.read(press)
        return False if read is None else {"press": read}


class OwnChat(Filter):
    """A message or button in the private chat of the person who sent or pressed it (so
    ``sender`` is that person's own chat)."""

    async def __call__(self, event: Event) -> bool:
        chat, user = chat_of(event), event.from_user
        return (
            chat is not None
            and user is not None
            and chat.type == "private"
            and (chat.id == user.id)
        )


async def refuse(event: Event, why: str, texts: Texts, reason: str = SELLER_ONLY) -> None:
    """Turn an update away: log who tried (ids only) and, for a button, show a short alert
    (the template ``refusal/<reason>``) in the presser's audience and language.

    A refused message gets no answer: it would go to the chat it claims, which may be the
    seller's."""
    chat = chat_of(event)
    user = event.from_user
    log.warning(
        "refused %s %s: chat %s, user %s",
        "button" if isinstance(event, CallbackQuery) else "message",
        why,
        chat.id if chat is not None else None,
        user.id if user is not None else None,
    )
    if isinstance(event, CallbackQuery):
        reader = await texts.reader(user)
        text = texts.refusal(reader, NotAllowed(why, key=reason))
        await event.answer(texts.toast(text), show_alert=True)
