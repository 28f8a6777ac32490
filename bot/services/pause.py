"""Whether a buyer's automation is paused (taken over, or asked for a person), read from storage.

The rules are :mod:`bot.domain.pause`'s. :func:`buyer_pause` looks at every conversation of the
buyer's chat that is not closed — the one about no order and one per linked order — in the
caller's transaction: one query for the linked orders, one per (chat, order) and one per open
conversation not taken over for its unanswered messages. A caller that has a conversation and
its unanswered messages at hand passes them, and they are not read again.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import Conversation
from bot.domain.pause import Pause, pause_of, strongest
from bot.domain.ports import StoredMessage, UnitOfWork


async def buyer_pause(
    uow: UnitOfWork,
    chat_id: int,
    known: Conversation | None = None,
    unanswered: Sequence[StoredMessage] = (),
) -> Pause | None:
    """Why Parley must not write to this buyer on its own right now, or None.

    ``known`` (with its ``unanswered`` buyer messages) is one of the chat's conversations the
    caller has just read or written; it is used as given."""
    pauses: list[Pause | None] = []
    if known is not None:
        pauses.append(pause_of(known, unanswered))
        if pauses[-1] is Pause.TAKEN_OVER:
            return Pause.TAKEN_OVER
    orders = await uow.orders.linked_to(chat_id)
    others: list[Conversation] = []
    for order_id in [None, *(o.order_id for o in orders)]:
        if known is not None and order_id == known.order_id:
            continue
        conversation = await uow.conversations.open_for(chat_id, order_id)
        if conversation is not None:
            others.append(conversation)
    if any(c.taken_over_by is not None for c in others):
        return Pause.TAKEN_OVER
    for conversation in others:
        if Pause.ASKED_FOR_PERSON in pauses:
            break
        pauses.append(pause_of(conversation, await uow.conversations.unanswered(conversation.id)))
    return strongest(pauses)
