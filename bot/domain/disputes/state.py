"""The dispute state machine: which step a dispute may take from which state.

States::

    opened ─respond─> responded ─negotiate─> negotiating ─agree─> agreed ─execute─> executed
       │                  │   └──────────agree──────────────┘                         │
       │                  │                                                      close
       ├──────────────────┴─── escalate ──> escalated ─rule_buyer─> ruled_for_buyer   v
       │                                       └──────rule_seller─> ruled_for_seller closed
       ├─ lapse (no answer in time: the platform executed the buyer's request) ─> ruled_for_buyer
       └─ withdraw (the buyer withdrew; also from responded/negotiating) ─> closed
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import InvalidTransition


class DisputeState(StrEnum):
    """Where a dispute stands."""

    OPENED = "opened"
    RESPONDED = "responded"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    EXECUTED = "executed"
    CLOSED = "closed"
    ESCALATED = "escalated"
    RULED_FOR_BUYER = "ruled_for_buyer"
    RULED_FOR_SELLER = "ruled_for_seller"

    @property
    def terminal(self) -> bool:
        """Closed or ruled: nothing can happen to it any more."""
        return self in _TERMINAL

    @property
    def negotiable(self) -> bool:
        """Still without agreement or ruling: offers can be made, the window clock runs."""
        return self in _NEGOTIABLE


_TERMINAL = frozenset(
    {DisputeState.CLOSED, DisputeState.RULED_FOR_BUYER, DisputeState.RULED_FOR_SELLER}
)
_NEGOTIABLE = frozenset({DisputeState.OPENED, DisputeState.RESPONDED, DisputeState.NEGOTIATING})


class DisputeEvent(StrEnum):
    """What can happen to a dispute (``open`` only starts one)."""

    OPEN = "open"
    RESPOND = "respond"
    NEGOTIATE = "negotiate"
    AGREE = "agree"
    EXECUTE = "execute"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    ESCALATE = "escalate"
    RULE_FOR_BUYER = "rule_buyer"
    RULE_FOR_SELLER = "rule_seller"
    LAPSE = "lapse"


S, E = DisputeState, DisputeEvent
TRANSITIONS: dict[tuple[DisputeState, DisputeEvent], DisputeState] = {
    (S.OPENED, E.RESPOND): S.RESPONDED,
    (S.RESPONDED, E.NEGOTIATE): S.NEGOTIATING,
    (S.RESPONDED, E.AGREE): S.AGREED,
    (S.NEGOTIATING, E.AGREE): S.AGREED,
    (S.AGREED, E.EXECUTE): S.EXECUTED,
    (S.EXECUTED, E.CLOSE): S.CLOSED,
    (S.OPENED, E.WITHDRAW): S.CLOSED,
    (S.RESPONDED, E.WITHDRAW): S.CLOSED,
    (S.NEGOTIATING, E.WITHDRAW): S.CLOSED,
    (S.OPENED, E.ESCALATE): S.ESCALATED,
    (S.RESPONDED, E.ESCALATE): S.ESCALATED,
    (S.NEGOTIATING, E.ESCALATE): S.ESCALATED,
    (S.ESCALATED, E.RULE_FOR_BUYER): S.RULED_FOR_BUYER,
    (S.ESCALATED, E.RULE_FOR_SELLER): S.RULED_FOR_SELLER,
    (S.OPENED, E.LAPSE): S.RULED_FOR_BUYER,
}
"""Every valid step; anything else raises :class:`InvalidTransition`."""
del S, E


def allowed_events(state: DisputeState) -> tuple[DisputeEvent, ...]:
    """The events ``state`` accepts, in a stable order."""
    return tuple(event for (source, event) in TRANSITIONS if source == state)


def transition(state: DisputeState, event: DisputeEvent) -> DisputeState:
    """The state after ``event``; :class:`InvalidTransition` when the step is not allowed."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidTransition(state.value, event.value, tuple(allowed_events(state)))
    return target
