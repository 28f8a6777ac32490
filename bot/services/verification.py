"""Linking a chat to an order by a second fact, when no deep link linked it (issue 14 item 2;
the rules are :mod:`bot.domain.verification`'s).

:meth:`Verifier.handle` runs first for a buyer's text in a chat with no linked order — a
Telegram Business chat (its buyer cannot open the bot's deep link) or a bot chat whose buyer
never got the link (the same rule is as safe there, and a seller expects it):

* the message names an order number → the buyer is asked, in their language, for the buyer
  name on the order or the last 4 characters of its tracking number (``verify/ask``) — the
  same question whether the order exists or not, and nothing about it is shown;
* the next message answers it: a match links the order to the chat (the ``order_links`` row a
  deep link makes), says so (``linked``) and gives the message that named the order back to
  the caller, which handles it as usual (classification, draft, approval card); a wrong
  answer is refused (``verify/mismatch``, no detail), and the fifth locks that order for that
  chat for an hour (``verify/locked`` for every try until then);
* anything else is not this use case's (None returned, the message goes on as before).

The verification messages themselves are not stored in a conversation: none is opened before
the order is known, and an answer may be a name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.domain import verification as rule
from bot.domain.entities import Scan
from bot.domain.models import OutMessage, Sender
from bot.domain.ports import UnitOfWork
from bot.domain.verification import Attempt
from bot.services.presenter import BUYER, Presenter

log = logging.getLogger(__name__)

ASK, MISMATCH, LOCKED = "verify/ask", "verify/mismatch", "verify/locked"

TEMPLATES: tuple[tuple[str, str], ...] = ((BUYER, ASK), (BUYER, MISMATCH), (BUYER, LOCKED))
"""(audience, name) of the buyer texts this use case renders (``buyer_name``; nothing about
the order); a match is answered with the usual ``linked``, a taken order ``link_refused``."""


@dataclass(frozen=True)
class Outcome:
    """What :meth:`Verifier.handle` did: ``request`` is the message to handle as usual now
    (the order was just linked), or None when the buyer's message was fully answered."""

    request: str | None = None


class Verifier:
    """Second-fact linking in the caller's transaction."""

    def __init__(self, presenter: Presenter) -> None:
        self.presenter = presenter

    async def handle(
        self, uow: UnitOfWork, sender: Sender, scan: Scan, language: str, now: datetime
    ) -> Outcome | None:
        """Act on a buyer's text (``scan``: the text and its entities) in a chat with no
        linked order (``language``: the buyer's, as read from this message); None when it is
        neither an order number nor an answer."""
        text, numbers = scan.text, scan.entities.order_numbers
        if numbers:
            await self._ask(uow, sender, numbers[0], text, language, now)
            return Outcome()
        pending = await uow.link_attempts.pending(sender.chat_id)
        if pending is None or not rule.is_pending(pending, now):
            return None
        return await self._answer(uow, sender, pending, text, now)

    async def _ask(
        self,
        uow: UnitOfWork,
        sender: Sender,
        order_id: str,
        text: str,
        language: str,
        now: datetime,
    ) -> None:
        stored = await uow.link_attempts.get(sender.chat_id, order_id)
        attempt = rule.current(stored or Attempt(sender.chat_id, order_id), now)
        if rule.is_locked(attempt, now):
            await self._say(uow, sender, language, LOCKED, now)
            return
        await uow.link_attempts.save(rule.asked(attempt, now, language, text))
        await self._say(uow, sender, language, ASK, now)

    async def _answer(
        self, uow: UnitOfWork, sender: Sender, attempt: Attempt, text: str, now: datetime
    ) -> Outcome:
        language = attempt.language
        order = await uow.orders.get(attempt.order_id)
        if order is None or not rule.matches(order, text):
            after = rule.failed(attempt, now)
            await uow.link_attempts.save(after)
            log.info("chat %s: wrong second fact (%d)", sender.chat_id, after.failures)
            locked = rule.is_locked(after, now)
            await self._say(uow, sender, language, LOCKED if locked else MISMATCH, now)
            return Outcome()
        await uow.link_attempts.delete(sender.chat_id, attempt.order_id)
        owner = await uow.orders.link(order.order_id, sender.chat_id, now)
        if owner != sender.chat_id:
            log.warning("chat %s: order is linked to another chat", sender.chat_id)
            await self._say(uow, sender, language, "link_refused", now)
            return Outcome()
        name = order.buyer_name or sender.name
        text = self.presenter.buyer(language, "linked", buyer_name=name, order=order)
        await uow.outbox.add(OutMessage(sender.chat_id, text), now)
        return Outcome(attempt.request)

    async def _say(
        self, uow: UnitOfWork, sender: Sender, language: str, template: str, now: datetime
    ) -> None:
        text = self.presenter.buyer(language, template, buyer_name=sender.name)
        await uow.outbox.add(OutMessage(sender.chat_id, text), now)
