"""What the Telegram side says by itself (refusals, error answers, the toast of a buyer's
press), rendered from ``replies/<audience>/<lang>/`` in the reader's audience and language.

:class:`Texts` arrives in handlers and filters through aiogram's dependency injection
(``Dispatcher(texts=...)``, built in :mod:`bot.app`). Who reads decides the audience:

* someone acting as the seller (an update in a seller chat that got past the seller gate),
  or a person whose own chat is a seller chat: the seller console, in
  ``policy.seller_language``;
* everyone else: the buyer templates, in the person's language: the language of their latest
  open conversation (what they write in), else of their latest linked order, else Telegram's
  ``language_code``, else ``default_language``.

The template names are :data:`bot.services.refusals.TEMPLATES`; they are validated when
:class:`Texts` is built, so a broken or missing one stops start-up naming the file.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from aiogram.types import User

from bot.domain.errors import ParleyError, StorageUnavailable
from bot.domain.languages import BUYER_LANGUAGES as LANGUAGES
from bot.domain.languages import SELLER_LANGUAGES, resolve_language
from bot.domain.ports import Renderer, Store
from bot.services import refusals
from bot.services.refusals import BUYER, SELLER, TEMPLATES

log = logging.getLogger(__name__)

__all__ = ["TEMPLATES", "Reader", "Texts"]

Reader = tuple[str, str]
"""(audience, language) of the person a text is for."""


class Texts:
    """Renders refusals and toasts for whoever reads them."""

    def __init__(
        self,
        renderer: Renderer,
        store: Store,
        seller_chat_ids: Collection[int],
        seller_language: str = "en",
        default_language: str = "en",
    ) -> None:
        self.renderer = renderer
        self.store = store
        self.seller_chat_ids = frozenset(seller_chat_ids)
        self.seller_language = seller_language if seller_language in SELLER_LANGUAGES else "en"
        self.default_language = default_language if default_language in LANGUAGES else "en"

    # --- who reads ------------------------------------------------------------------------
    async def reader(self, user: User | None, *, as_seller: bool = False) -> Reader:
        """The audience and language of ``user`` (``as_seller``: acting as the seller)."""
        if as_seller or (user is not None and user.id in self.seller_chat_ids):
            return SELLER, self.seller_language
        return await self.buyer(user)

    async def buyer(self, user: User | None) -> Reader:
        """``user`` as a buyer, in their language."""
        if user is None:
            return BUYER, self.default_language
        return BUYER, await self.buyer_language(user.id, user.language_code or "")

    async def buyer_language(self, chat_id: int, language_code: str = "") -> str:
        """The language of the person whose private chat is ``chat_id``."""
        try:
            stored = await self._stored_language(chat_id)
        except StorageUnavailable:  # a refusal must not wait for the database
            stored = None
        return resolve_language(stored, language_code.lower(), self.default_language)

    async def _stored_language(self, chat_id: int) -> str | None:
        async with self.store.transaction() as uow:
            orders = await uow.orders.linked_to(chat_id)  # most recently linked first
            latest: list[str | None] = [o.order_id for o in orders[:1]]
            for order_id in [*latest, None]:
                conversation = await uow.conversations.open_for(chat_id, order_id)
                if conversation is not None and conversation.language in LANGUAGES:
                    return conversation.language
            if orders and orders[0].buyer_language in LANGUAGES:
                return orders[0].buyer_language
        return None

    # --- what they read ---------------------------------------------------------------------
    def text(self, reader: Reader, name: str, **context: Any) -> str:
        """Template ``name`` of :data:`TEMPLATES` for ``reader`` (Telegram HTML)."""
        audience, language = reader
        return refusals.render(self.renderer, audience, language, name, **context)

    def refusal(self, reader: Reader, error: ParleyError) -> str:
        """Why ``error`` stopped ``reader`` (Telegram HTML)."""
        audience, language = reader
        return refusals.refusal(self.renderer, audience, language, error)

    @staticmethod
    def toast(text: str) -> str:
        """Telegram HTML as the plain text of a callback answer (200 characters at most)."""
        return refusals.toast(text)
