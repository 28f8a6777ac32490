"""The dispute buttons' callback data, in the one codec of :mod:`bot.domain.callbacks`:
``dsp:<dispute id>:<event>`` records a step, ``dspo:<conversation id>`` opens a dispute."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import callbacks
from bot.domain.disputes.state import DisputeEvent

STEP_PREFIX = "dsp"
OPEN_PREFIX = "dspo"


@dataclass(frozen=True)
class Press:
    """A decoded dispute button: a step on dispute ``target``, or (``event`` None) the
    seller's confirmation to open a dispute from conversation ``target``."""

    target: int
    event: DisputeEvent | None = None


def step_data(dispute_id: int, event: DisputeEvent) -> str:
    """Callback data of the button that records ``event`` on a dispute (≤ 64 bytes)."""
    return callbacks.encode(STEP_PREFIX, dispute_id, name=event.value)


def open_data(conversation_id: int) -> str:
    """Callback data of the button that opens a dispute from a buyer's conversation."""
    return callbacks.encode(OPEN_PREFIX, conversation_id)


def dispute_press(press: callbacks.Callback) -> Press | None:
    """The dispute button a decoded press stands for; None if it is not a valid one."""
    if press.verb == OPEN_PREFIX and not press.index and not press.name:
        return Press(press.target)
    if press.verb == STEP_PREFIX:
        try:
            event = DisputeEvent(press.name)
        except ValueError:
            return None
        return None if event is DisputeEvent.OPEN else Press(press.target, event)
    return None


def decode_press(data: str | None) -> Press | None:
    """Parse dispute callback data; None for anything else (never raises)."""
    press = callbacks.decode(data)
    return dispute_press(press) if press is not None else None
