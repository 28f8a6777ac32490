"""Preparing a due follow-up: what becomes of the row, and the message when there is one.

:class:`FollowupPreparer` re-checks a due row against the order's facts as they are now
(:func:`bot.domain.followups.decide`), in the caller's transaction, and either

* finishes it as skipped (the order is gone, the rule no longer applies, the buyer blocked
  the bot) or moves it (held, out of the buyer's quiet hours, waiting for a linked chat),
  returning the :class:`Outcome`; a buyer-facing row is also held while the buyer's
  automation is paused (:mod:`bot.domain.pause`: a seller took a conversation of theirs
  over, or they asked for a person and no seller has answered): it stays ``pending`` with
  the reason (``held: taken over`` / ``held: asked for a person``), is looked at again every
  ``held_recheck``, and goes out at the first look after the pause ended — if the facts,
  re-checked then as always, still call for it (a message that became too late is skipped);
* for an approval rule (late delivery, protection ending), hands it to the seller: a draft
  in the approval flow (:class:`DraftProposer`) when the buyer can be written to, else an
  alert; the row is finished either way;
* or renders the buyer's message in the buyer's language and returns it as a :class:`Job`
  for :class:`bot.services.followup_runner.FollowupRunner` to send at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.errors import RenderError
from bot.domain.followups import (
    APPROVAL_RULES,
    Action,
    FollowupRow,
    OrderFacts,
    RowStatus,
    decide,
    message_facts,
)
from bot.domain.languages import resolve_language
from bot.domain.models import Option, Order, OutMessage
from bot.domain.playbook import SellerPolicy, plan_reply
from bot.domain.ports import Clock, Renderer, UnitOfWork
from bot.domain.text import strip_html
from bot.services.business import followup_hold
from bot.services.followups import FollowupPlanner
from bot.services.pause import buyer_pause

APPROVAL_INTENTS = {"late_delivery": "late_delivery", "protection_expiring": "order_status"}


class DraftProposer(Protocol):
    """The approval flow: a draft Parley wrote on its own goes to the seller like any other."""

    async def propose_followup(
        self,
        uow: UnitOfWork,
        chat_id: int,
        order: Order,
        intent: str,
        language: str,
        note: str,
        text: str,
        options: tuple[Option, ...],
    ) -> int: ...


@dataclass(frozen=True)
class RunnerConfig:
    """What preparing and sending follow-ups need from settings (the workers, batch and
    attempts are the runner's; also importable from :mod:`bot.services.followup_runner`)."""

    seller_chat_ids: tuple[int, ...] = ()
    default_language: str = "en"
    seller_language: str = "en"
    policy: SellerPolicy = field(default_factory=SellerPolicy)
    workers: int = 32
    batch: int = 200
    unlinked_recheck: timedelta = timedelta(hours=1)
    max_attempts: int = 8
    held_recheck: timedelta = timedelta(minutes=10)  # a row held for a paused buyer


class Outcome(StrEnum):
    """What preparing did with a due row it did not return to send (a run report's counter)."""

    SKIPPED = "skipped"  # finished as skipped
    RESCHEDULED = "rescheduled"  # held or moved: due again later
    TO_SELLER = "to_seller"  # an approval rule: a draft or an alert went to the seller


@dataclass(frozen=True)
class Job:
    """A buyer-facing follow-up ready to send: its row, the buyer's chat and the text."""

    row: FollowupRow
    chat_id: int
    text: str


class FollowupPreparer:
    """Re-checks due rows and renders their messages (see the module's docstring)."""

    def __init__(
        self,
        clock: Clock,
        planner: FollowupPlanner,
        renderer: Renderer,
        config: RunnerConfig,
        proposer: DraftProposer | None = None,
    ) -> None:
        self.clock = clock
        self.planner = planner
        self.renderer = renderer
        self.config = config
        self.proposer = proposer

    async def prepare(self, uow: UnitOfWork, row: FollowupRow) -> Job | Outcome:
        """Re-check the facts of a due row; finish or move it (returns what became of it), or
        return the buyer-facing message to send (the row is claimed when it goes out)."""
        now = self.clock.now()
        skip = RowStatus.SKIPPED
        order = await uow.orders.get(row.order_id)
        if order is None:
            await uow.followups.finish(row.id, skip, "the order no longer exists", now)
            return Outcome.SKIPPED
        facts = await self.planner.facts(uow, order)
        decision = decide(row.rule, facts, self.planner.rules, self.planner.timing(order), now)
        if decision is None or decision.action is Action.SKIP:
            reason = decision.reason if decision else "no longer applies"
            await uow.followups.finish(row.id, skip, reason, now)
            return Outcome.SKIPPED
        assert decision.at is not None
        if decision.action is Action.HOLD or decision.at > now:
            raw = decision.raw_due
            why = decision.reason or (
                "moved out of the buyer's quiet hours" if raw and raw <= now else "due later"
            )
            await uow.followups.reschedule(row.id, decision.at, why, now)
            return Outcome.RESCHEDULED
        chat = await uow.orders.buyer_chat(order.order_id)
        if row.rule in APPROVAL_RULES:
            await self._to_seller(uow, row, order, facts, chat, now)
            return Outcome.TO_SELLER
        if chat is None:
            await uow.followups.reschedule(row.id, now + self.config.unlinked_recheck,
                                           "waiting for the buyer to link a chat", now)  # fmt: skip
            return Outcome.RESCHEDULED
        if await uow.followups.unreachable(chat):
            await uow.followups.finish(row.id, skip, "the buyer blocked the bot", now)
            return Outcome.SKIPPED
        pause = await buyer_pause(uow, chat)
        held = pause.held if pause is not None else await followup_hold(uow, chat, now)
        if held is not None:  # not sent, not skipped: due again at the next look
            await uow.followups.reschedule(row.id, now + self.config.held_recheck, held, now)
            return Outcome.RESCHEDULED
        language, name = await self._buyer(uow, order, chat)
        context = self._context(row.rule, facts, order, name, now)
        text = self.renderer.render("buyer", language, f"followup/{row.rule}", context)
        return Job(row, chat, text)

    async def _buyer(self, uow: UnitOfWork, order: Order, chat: int) -> tuple[str, str]:
        hint, name = await uow.followups.buyer_profile(chat)
        language = resolve_language(order.buyer_language, hint, self.config.default_language)
        return language, order.buyer_name or name

    def _context(
        self, rule: str, facts: OrderFacts, order: Order, name: str, now: datetime
    ) -> dict[str, Any]:
        return {"buyer_name": name, "order": order,
                **message_facts(rule, facts, self.planner.rules, now)}  # fmt: skip

    async def _to_seller(
        self,
        uow: UnitOfWork,
        row: FollowupRow,
        order: Order,
        facts: OrderFacts,
        chat: int | None,
        now: datetime,
    ) -> None:
        """Approval-needed rules: a draft for the seller to approve (or just an alert when the
        buyer cannot be written to). Not held by quiet hours: the seller decides when."""
        reachable = chat is not None and not await uow.followups.unreachable(chat)
        usable = reachable and self.proposer is not None
        context = self._context(row.rule, facts, order, order.buyer_name, now)
        note = self._seller_note({**context, "has_chat": usable})
        if not usable or chat is None or self.proposer is None:
            for seller in self.config.seller_chat_ids:
                await uow.outbox.add(OutMessage(seller, note), now)
            why = "buyer has no reachable chat" if self.proposer else "no approval flow"
            await uow.followups.finish(row.id, RowStatus.SENT, f"seller alerted ({why})", now)
            return
        language, name = await self._buyer(uow, order, chat)
        context["buyer_name"] = name
        text = self.renderer.render("buyer", language, f"followup/{row.rule}", context)
        options = self._options(row.rule, order, now)
        draft_id = await self.proposer.propose_followup(
            uow, chat, order, APPROVAL_INTENTS[row.rule], language, _plain(note), text, options
        )
        await uow.followups.finish(row.id, RowStatus.SENT,
                                   f"draft #{draft_id} sent to the seller for approval", now,
                                   chat_id=chat)  # fmt: skip

    def _options(self, rule: str, order: Order, now: datetime) -> tuple[Option, ...]:
        """Options offered with an approval draft: the playbook's for a late delivery."""
        if rule != "late_delivery":
            return ()
        return plan_reply("late_delivery", order, None, self.config.policy, now).options

    def _seller_note(self, context: dict[str, Any]) -> str:
        try:
            return self.renderer.render("seller", self.config.seller_language, "followup_note",
                                        context)  # fmt: skip
        except RenderError:
            return self.renderer.render("seller", "en", "followup_note", context)


def _plain(text: str) -> str:
    """The seller note as plain text (it is shown quoted on the approval card)."""
    return strip_html(text).strip()
