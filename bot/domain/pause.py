"""When Parley stops writing to a buyer on its own: a seller took over, or a person was asked for.

While a buyer's automation is paused, no follow-up and no automatic reply goes to them: a due
follow-up is held (it stays ``pending`` with the reason, ``"held: taken over"`` or ``"held:
asked for a person"``, and is looked at again later), and an intent the seller lets Parley
answer at once (``policy.auto_approve``) gets an approval card instead.

The pause is per buyer chat, over the chat's conversations that are not closed (resolved or
dismissed): one per linked order, and at most one about no order.

* **Taken over**: one of them is taken over by a seller (**Take over** … **End**). **End**
  resolves it and hands the buyer back.
* **Asked for a person**: one of them has an *unanswered* buyer message classified
  ``human_agent``. Unanswered means sent after the last reply that reached the buyer through
  the seller, so the request stands — whatever the buyer writes next ("where is my order?"
  included) — until a seller answers it: **Send** (or **Send edited**) of the conversation's
  reply, **Take over** (which then pauses as taken over), **Dismiss** (which closes the
  conversation), or the conversation being resolved. A seller who picks another **Topic** for
  those messages says they were not a request for a person, and the pause ends with it. An
  automatic reply never answers a request for a person: while one stands nothing is sent
  automatically, in that conversation or any other of the buyer's.

When both hold, the reason is the take-over. :func:`pause_of` decides for one conversation;
:mod:`bot.services.pause` looks at all of a buyer's conversations.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bot.domain.models import Conversation, Direction
from bot.domain.repositories.conversations import StoredMessage

HUMAN_REQUEST = "human_agent"
"""The intent of a buyer asking for a real person."""


class Pause(StrEnum):
    """Why automation is paused for a buyer (a held follow-up's reason is :attr:`held`)."""

    TAKEN_OVER = "taken over"
    ASKED_FOR_PERSON = "asked for a person"

    @property
    def held(self) -> str:
        """The reason stored on a follow-up held for this pause."""
        return f"held: {self.value}"


def asked_for_person(unanswered: Iterable[StoredMessage]) -> bool:
    """Whether one of a conversation's unanswered buyer messages asks for a person."""
    return any(m.direction == Direction.IN and m.intent == HUMAN_REQUEST for m in unanswered)


def pause_of(conversation: Conversation, unanswered: Iterable[StoredMessage]) -> Pause | None:
    """The pause one conversation imposes (``unanswered``: its unanswered buyer messages),
    or None; a closed conversation imposes none."""
    if conversation.status.closed:
        return None
    if conversation.taken_over_by is not None:
        return Pause.TAKEN_OVER
    return Pause.ASKED_FOR_PERSON if asked_for_person(unanswered) else None


def strongest(pauses: Iterable[Pause | None]) -> Pause | None:
    """The reason to give when several conversations pause a buyer (a take-over first)."""
    found = {p for p in pauses if p is not None}
    if Pause.TAKEN_OVER in found:
        return Pause.TAKEN_OVER
    return Pause.ASKED_FOR_PERSON if found else None
