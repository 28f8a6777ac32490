"""First-response reminders: a conversation waiting for the seller longer than the target.

Who hears it first: the assignee when the conversation has one — mentioned by name in the
buyer's topic of the team group (Telegram notifies a mentioned member even in a muted group),
or alone in their own seller chat when the console is private chats — else everyone. An
assigned conversation still waiting after twice the target is escalated once to everyone (the
team group's General topic, or every seller chat). Both happen once per wait: an answer
resets them (``ConversationRepository.answered``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.models import Conversation, OutMessage, Sender
from bot.domain.ports import Clock, Store, UnitOfWork
from bot.domain.team import Assignee, is_topic
from bot.services.desk import Desk
from bot.services.presenter import Presenter


async def remind(
    store: Store, clock: Clock, presenter: Presenter, desk: Desk, after: timedelta
) -> int:
    """Send the reminders due now; how many conversations were reminded or escalated."""
    now = clock.now()
    async with store.transaction() as uow:
        due = await uow.conversations.waiting_too_long(now - after)
        for conversation in due:
            assignee = _assignee(conversation)
            chats = await desk.about(uow, conversation.chat_id, now)
            if assignee is not None and not desk.console.team:
                own = assignee.user_id in desk.console.seller_chat_ids
                chats = (assignee.user_id,) if own else chats
            await _say(uow, presenter, desk, chats, conversation, now, assignee, escalated=False)
            await uow.conversations.mark_reminded(conversation.id, now)
        late = await uow.conversations.waiting_unescalated(now - 2 * after)
        for conversation in late:
            await _say(uow, presenter, desk, desk.everyone, conversation, now, None, escalated=True)
            await uow.conversations.mark_escalated(conversation.id, now)
        return len(due) + len(late)


def _assignee(conversation: Conversation) -> Assignee | None:
    if conversation.assignee_id is None:
        return None
    return Assignee(conversation.assignee_id, conversation.assignee_name or "")


async def _say(
    uow: UnitOfWork,
    presenter: Presenter,
    desk: Desk,
    chats: tuple[int, ...],
    conversation: Conversation,
    now: datetime,
    assignee: Assignee | None,
    *,
    escalated: bool,
) -> None:
    buyer = await uow.chats.get(conversation.chat_id) or Sender(conversation.chat_id)
    since = conversation.waiting_since or now
    for chat in chats:
        text = presenter.seller(
            "reminder",
            buyer=buyer,
            conversation=conversation,
            waiting=presenter.duration(now - since),
            assignee=assignee if is_topic(chat) else None,  # a mention only where it pings
            escalated=escalated,
            in_topic=is_topic(chat),
            team=desk.console.team,
        )
        await uow.outbox.add(OutMessage(chat, text), now)
