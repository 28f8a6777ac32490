"""The dispute reminder runner.

Opening a dispute stores one ``dispute_reminders`` row per edge (answer deadline, window
opens, N days before the window closes, last day, escalation). The scheduler only wakes
:meth:`DisputeReminders.run_due`, which handles each due row in its own transaction: the row is
marked ``sent`` (or ``skipped`` when the dispute no longer needs it) in the same transaction
that writes the outbox message and, at the escalation edge, the escalation. A crash before the
commit leaves the row pending (it fires at the next run); after the commit it is never fired
again; the outbox then delivers at least once. Rows already past when a dispute is recorded
(a dispute entered late) are stored as ``skipped``, except the escalation, which still happens
at the next run.
"""

from __future__ import annotations

import logging

from bot.domain.disputes import (
    DisputeEvent,
    ReminderAction,
    StoredReminder,
    edge_kind,
    reminder_action,
)
from bot.domain.models import OutMessage
from bot.services import dispute_texts as texts
from bot.services.dispute_cases import DisputeCases

log = logging.getLogger(__name__)


class DisputeReminders:
    """Fires the due reminder rows of every dispute, each once."""

    def __init__(self, cases: DisputeCases) -> None:
        self.cases = cases

    async def run_due(self, limit: int = 100) -> int:
        """Fire every due reminder once (each in its own transaction); returns how many were
        sent (skipped ones are not counted)."""
        now = self.cases.clock.now()
        async with self.cases.store.transaction() as uow:
            rows = await uow.disputes.due_reminders(now, limit)
        sent = 0
        for row in rows:
            sent += await self._fire(row)
        return sent

    async def _fire(self, row: StoredReminder) -> bool:
        c = self.cases
        now = c.clock.now()
        async with c.store.transaction() as uow:
            dispute = await uow.disputes.get(row.dispute_id)
            if dispute is None:  # pragma: no cover - rows reference disputes
                return False
            action = reminder_action(edge_kind(row.edge), dispute.state)
            if action is ReminderAction.SKIP:
                await uow.disputes.finish_reminder(
                    row.id, "skipped", now, f"not needed: dispute is {dispute.state.value}"
                )
                return False
            if not await uow.disputes.finish_reminder(row.id, "sent", now):
                return False  # already handled
            if action is ReminderAction.ESCALATE:
                dispute = await c.apply(
                    uow, dispute, [DisputeEvent.ESCALATE],
                    f"day {c.rules.escalation_day} without agreement (automatic)", now,
                )  # fmt: skip
                await c.send_cards(uow, dispute, now, new_in=())
            view = await c.view(uow, dispute)
            text = texts.reminder(row, view, c.rules, c.tz, now, c.presenter)
            for chat in c.config.seller_chat_ids:
                await uow.outbox.add(OutMessage(chat, text), now)
            log.info("dispute %s: reminder %s sent", dispute.id, row.edge)
            return True
