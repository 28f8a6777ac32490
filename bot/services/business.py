"""Telegram Business use cases: connection updates, messages in business chats, and whether
Parley may write into one (rules in :mod:`bot.domain.business`).

* **A connection changes** (:meth:`BusinessService.connection`): it is stored as reported; the
  sellers are told once per change (``business/connected``, ``business/disabled``,
  ``business/cannot_reply``), never for an update that changes nothing.
* **A buyer writes in a business chat** (:meth:`BusinessService.buyer_wrote`): the pair
  (connection, chat) is mapped to its internal chat id, the chat's last incoming time (the
  24-hour rule) moves forward, and the message is handled like one in the bot chat —
  classification, draft, approval card — all in one transaction, which is also the update's
  "done" (:class:`~bot.domain.ports.UpdateClaim`).
* **The seller types by hand** in that chat (:meth:`BusinessService.seller_wrote`): the
  message is stored in the chat's open conversations as the seller's answer: the
  first-response clock stops and a pending draft is superseded (its card says so), as when a
  seller answers through the console.
* **Sending** (:meth:`BusinessService.route`): the notifier asks where an internal chat id
  goes; a disabled connection, a missing reply right or a closed 24-hour window raise
  :class:`~bot.domain.ports.Undeliverable`, so the outbox row fails with that reason instead of
  being retried. Follow-ups are held before that (:func:`followup_hold`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.business import (
    BUSINESS_TEMPLATES,
    Change,
    Connection,
    change_of,
    is_business,
    refusal,
)
from bot.domain.business import followup_hold as hold_of
from bot.domain.models import (
    Conversation,
    Direction,
    DraftStatus,
    MessageKind,
    OutMessage,
    Sender,
)
from bot.domain.ports import HANDLING, Clock, Store, StoredMessage, Undeliverable, UnitOfWork
from bot.services.buyers import BuyerService
from bot.services.presenter import BUYER, SELLER, Presenter
from bot.services.replies import Cards

log = logging.getLogger(__name__)

TEMPLATES: tuple[tuple[str, str], ...] = (
    *((SELLER, f"business/{change.value}") for change in Change),
    (SELLER, "business/by_hand"),
    *((BUYER, name) for name in BUSINESS_TEMPLATES.values()),
)
"""(audience, name) of the templates this use case renders, all to the sellers: one per
connection change (``account``: the business account's label, ``connection_id``), and the
decision line of a card whose draft the seller answered by hand (``by``, ``draft``); and to
buyers, the replies worded for a business chat (the reply's context)."""


@dataclass(frozen=True)
class Route:
    """Where an internal business chat id goes: the connection and Telegram's chat id."""

    connection_id: str
    chat_id: int


class BusinessService:
    """Everything that starts with a business update, and where business sends go."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        presenter: Presenter,
        cards: Cards,
        buyers: BuyerService,
        seller_chat_ids: Sequence[int],
    ) -> None:
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.cards = cards
        self.buyers = buyers
        self.seller_chat_ids = tuple(seller_chat_ids)

    async def connection(self, connection: Connection, owner: Sender) -> Change | None:
        """Store a ``business_connection`` update; tell the sellers once if it changed
        something (returns the change)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            before = await uow.business.save_connection(connection, now)
            change = change_of(before, connection)
            if change is None:
                return None
            log.info("business connection %s: %s", connection.id, change.value)
            text = self.presenter.seller(
                f"business/{change.value}", account=owner.label, connection_id=connection.id
            )
            for seller in self.seller_chat_ids:
                await uow.outbox.add(OutMessage(seller, text), now)
            return change

    async def known_chat_id(self, connection_id: str, telegram_chat_id: int) -> int | None:
        """The internal chat id of a business chat Parley has seen, or None. It only reads, so
        it runs outside the update's claim: the handler's own transaction stays the one that
        marks the update handled."""
        token = HANDLING.set(None)
        try:
            async with self.store.transaction() as uow:
                chat = await uow.business.find_chat(connection_id, telegram_chat_id)
        finally:
            HANDLING.reset(token)
        return None if chat is None else chat.chat_id

    async def buyer_wrote(
        self,
        connection_id: str,
        buyer: Sender,
        text: str,
        kind: str = MessageKind.TEXT,
    ) -> None:
        """A buyer's message in a business chat (``buyer.chat_id``: Telegram's chat id)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            chat = await uow.business.chat_for(connection_id, buyer.chat_id, now)
            await uow.business.incoming(chat.chat_id, now)
            sender = Sender(chat.chat_id, buyer.name, buyer.username, buyer.language_code)
            # attachments are not copied to the console: a bot cannot copy from a business chat
            await self.buyers.message_in(uow, sender, text, kind)

    async def seller_wrote(
        self, connection_id: str, telegram_chat_id: int, seller: Sender, text: str, kind: str
    ) -> int:
        """The seller typed in a business chat: their answer in every open conversation of it
        (returns how many)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            chat = await uow.business.chat_for(connection_id, telegram_chat_id, now)
            conversations = await _open_conversations(uow, chat.chat_id)
            for conversation in conversations:
                await self._answered(uow, conversation, seller, text, kind, now)
            return len(conversations)

    async def _answered(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        seller: Sender,
        text: str,
        kind: str,
        now: datetime,
    ) -> None:
        await uow.conversations.add_message(
            StoredMessage(conversation.id, conversation.chat_id, Direction.OUT, kind, text), now
        )
        await uow.conversations.mark_answered(conversation.id)
        await uow.conversations.answered(conversation.id)
        for draft in await uow.drafts.pending_for(conversation.id):
            await uow.drafts.decide(draft.id, DraftStatus.SUPERSEDED, seller.label, now)
            decision = self.presenter.seller("business/by_hand", by=seller.label, draft=draft)
            await self.cards.refresh(uow, draft.id, now, decision)

    async def route(self, chat_id: int) -> Route:
        """Where a message to internal chat ``chat_id`` goes; :class:`Undeliverable` with the
        reason when nothing may be sent there now."""
        async with self.store.transaction() as uow:
            chat = await uow.business.chat(chat_id)
            connection = None
            if chat is not None:
                connection = await uow.business.connection(chat.connection_id)
            why = refusal(connection, chat, self.clock.now())
            if why is not None:
                raise Undeliverable(why)
            assert chat is not None
            return Route(chat.connection_id, chat.telegram_chat_id)


async def followup_hold(uow: UnitOfWork, chat_id: int, now: datetime) -> str | None:
    """The reason a due follow-up to ``chat_id`` is held, or None: always None for a bot chat;
    for a business chat, a disabled connection, no reply right, or no buyer message in the
    last 24 hours (held until the buyer writes again)."""
    if not is_business(chat_id):
        return None
    chat = await uow.business.chat(chat_id)
    if chat is None:
        return "held: unknown business chat"
    return hold_of(await uow.business.connection(chat.connection_id), chat, now)


async def _open_conversations(uow: UnitOfWork, chat_id: int) -> list[Conversation]:
    """The chat's conversations that are not closed: about no order and per linked order."""
    found: list[Conversation] = []
    orders = await uow.orders.linked_to(chat_id)
    for order_id in [None, *(o.order_id for o in orders)]:
        conversation = await uow.conversations.open_for(chat_id, order_id)
        if conversation is not None:
            found.append(conversation)
    return found
