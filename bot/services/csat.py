"""Buyer satisfaction: one "How did we do?" per resolved conversation, the rating, the comment.

The rules (which conversations, when, what is a comment) are :mod:`bot.domain.csat`'s. Here:

* :meth:`CsatService.run_due` (a scheduled job, every minute) finds newly resolved
  conversations, gives each its one row, and asks the due ones — or holds them (quiet hours,
  an open dispute, a pause) or skips them (too late, the buyer blocked the bot).
* :meth:`CsatService.rate` stores a press of 1–5 and turns the question into a thank-you that
  invites a comment; :meth:`CsatService.take_comment` takes the buyer's next text as that
  comment when it is one (:class:`~bot.services.buyers.BuyerService` asks it first, in the
  message's own transaction).

**Why the outbox and not the follow-up runner.** "At most once asked" is decided by the row:
the question is queued in the same transaction that moves the row ``pending`` → ``asked``
(compare-and-set), so a job that runs twice, two workers, a restart or a second resolution
never queue it twice — and the outbox never loses it once queued (a held question is simply
still ``pending``). The follow-up runner's at-most-once *delivery* would trade that for a
question lost at a crash mid-send, and it is keyed by (order, rule) with plain-text messages,
while this question belongs to a conversation (maybe about no order) and carries buttons that
the rating edits later (by the outbox's ``ref``). What the outbox adds is its documented rare
duplicate: a crash after Telegram accepted the question and before the row is marked sent sends
the same question again; a press on either copy is the one rating (``rate`` is
compare-and-set), so the figures count it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import callbacks
from bot.domain.csat import (
    ASK_EXPIRES,
    COMMENT_WINDOW,
    RATINGS,
    Action,
    AskStatus,
    CsatAsk,
    decide,
    is_comment,
    valid_rating,
)
from bot.domain.errors import NotAllowed, StaleAction
from bot.domain.intents import IntentResult
from bot.domain.models import Button, OutMessage, Sender
from bot.domain.ports import Clock, Store, UnitOfWork
from bot.domain.quiethours import QuietHours, Timing, buyer_zone
from bot.domain.text import strip_html
from bot.services.desk import Desk
from bot.services.pause import buyer_pause
from bot.services.presenter import BUYER, SELLER, Presenter

log = logging.getLogger(__name__)

TEMPLATES: tuple[tuple[str, str], ...] = (
    (BUYER, "csat/ask"),  # the question
    (BUYER, "csat/button"),  # one rating button: rating
    (BUYER, "csat/rated"),  # the question once rated: rating, window (minutes)
    (BUYER, "csat/toast"),  # the answer to a press: rating
    (BUYER, "csat/already_rated"),  # a second press: rating (the first one)
    (BUYER, "csat/comment_thanks"),  # after the comment
    (SELLER, "csat/comment_notice"),  # to the sellers: buyer, order, rating, comment
)
"""(audience, name) of the templates this use case renders (required at start-up)."""

MAX_COMMENT = 2000  # characters kept of a comment


@dataclass(frozen=True)
class CsatConfig:
    """What the satisfaction question needs from settings."""

    seller_chat_ids: tuple[int, ...] = ()
    quiet: QuietHours | None = None
    fallback_zone: str = "UTC"
    look_back: timedelta = ASK_EXPIRES  # resolutions older than this are never asked
    comment_window: timedelta = COMMENT_WINDOW
    batch: int = 100


class CsatService:
    """Asks resolved conversations' buyers how it went and records the answers."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        presenter: Presenter,
        config: CsatConfig,
        desk: Desk | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.presenter = presenter
        self.config = config
        self.desk = desk or Desk.of(config.seller_chat_ids)  # comments go to the buyer's topic

    async def run_due(self) -> int:
        """Plan a row for every newly resolved conversation that qualifies, then ask, hold or
        skip each due row (each in its own transaction); returns how many were asked."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            found = await uow.csat.resolved_unasked(now - self.config.look_back,
                                                    self.config.batch)  # fmt: skip
            for resolved in found:
                await uow.csat.plan(resolved, now, now)
            due = await uow.csat.due(now, self.config.batch)
        asked = 0
        for ask in due:
            async with self.store.transaction() as uow:
                asked += await self._one(uow, ask, now)
        if asked:
            log.info("asked %d buyer(s) how it went", asked)
        return asked

    async def _one(self, uow: UnitOfWork, ask: CsatAsk, now: datetime) -> bool:
        """Ask, hold or skip one due row, in the caller's transaction; whether it was asked."""
        if await uow.followups.unreachable(ask.chat_id):
            await uow.csat.skip(ask.id, "the buyer blocked the bot", now)
            return False
        order = await uow.orders.get(ask.order_id) if ask.order_id else None
        zone = buyer_zone(order.buyer_country if order else "", self.config.fallback_zone)
        pause = await buyer_pause(uow, ask.chat_id)
        decision = decide(
            ask.resolved_at, now, Timing(self.config.quiet, zone),
            dispute_open=await self._dispute_open(uow, ask),
            paused=pause.held if pause is not None else None,
        )  # fmt: skip
        if decision.action is Action.SKIP:
            await uow.csat.skip(ask.id, decision.reason, now)
            return False
        if decision.action is Action.HOLD:
            assert decision.at is not None
            await uow.csat.hold(ask.id, decision.at, decision.reason, now)
            return False
        if not await uow.csat.mark_asked(ask.id, now):
            return False  # another worker or pass asked it
        await uow.outbox.add(self._question(ask), now)
        return True

    async def _dispute_open(self, uow: UnitOfWork, ask: CsatAsk) -> bool:
        """An open dispute on the conversation's order or any other order of the buyer."""
        orders = {o.order_id for o in await uow.orders.linked_to(ask.chat_id)}
        if ask.order_id:
            orders.add(ask.order_id)
        for order_id in sorted(orders):
            if await uow.disputes.active_for(order_id) is not None:
                return True
        return False

    def _question(self, ask: CsatAsk) -> OutMessage:
        language = ask.language
        text = self.presenter.buyer(language, "csat/ask")
        row = tuple(
            Button(
                strip_html(self.presenter.buyer(language, "csat/button", rating=rating)),
                callbacks.encode("csat", ask.id, rating),
            )
            for rating in RATINGS
        )
        return OutMessage(ask.chat_id, text, (row,), ref=f"csat:{ask.id}")

    async def rate(self, sender: Sender, ask_id: int, rating: int) -> str:
        """The buyer pressed ``rating`` on question ``ask_id``: store it once and thank them
        (the question becomes a thank-you inviting a comment); returns the answer to the press.
        A second press, or a press on a copy of the question, changes nothing and is answered
        with the first rating."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            ask = await uow.csat.get(ask_id)
            if ask is None or ask.status is not AskStatus.ASKED or not valid_rating(rating):
                raise StaleAction(f"no open question {ask_id}", key="stale")
            if ask.chat_id != sender.chat_id:
                raise NotAllowed("the button belongs to another chat", key="not_yours")
            language = ask.language
            if not await uow.csat.rate(ask.id, rating, now):
                first = ask.rating or rating
                return self.presenter.buyer(language, "csat/already_rated", rating=first)
            minutes = int(self.config.comment_window.total_seconds() // 60)
            rated = self.presenter.buyer(language, "csat/rated", rating=rating, window=minutes)
            await uow.outbox.add(
                OutMessage(ask.chat_id, rated, ref=f"csat:{ask.id}", edit=True), now
            )
            return self.presenter.buyer(language, "csat/toast", rating=rating)

    async def take_comment(
        self,
        uow: UnitOfWork,
        sender: Sender,
        text: str,
        classify: Callable[[], IntentResult],
        now: datetime,
    ) -> bool:
        """Whether the buyer's ``text`` is the comment on their latest rating (then it is stored,
        the buyer thanked and the sellers shown it, in the caller's transaction). ``classify``
        reads the text's intent; it is called only when a rating awaits its comment."""
        ask = await uow.csat.awaiting_comment(sender.chat_id, now - self.config.comment_window)
        if ask is None or not text.strip():
            return False
        if not is_comment(ask.answered_at, now, classify().intent, self.config.comment_window):
            return False
        comment = text.strip()[:MAX_COMMENT]
        if not await uow.csat.add_comment(ask.id, comment, now):
            return False
        thanks = self.presenter.buyer(ask.language, "csat/comment_thanks")
        await uow.outbox.add(OutMessage(sender.chat_id, thanks), now)
        order = await uow.orders.get(ask.order_id) if ask.order_id else None
        notice = self.presenter.seller(
            "csat/comment_notice", buyer=sender, order=order, rating=ask.rating, comment=comment
        )
        for seller in await self.desk.about(uow, sender.chat_id, now):
            await uow.outbox.add(OutMessage(seller, notice), now)
        return True
