"""Callback data of the dispute buttons (≤ 64 bytes) and its decoding."""

from __future__ import annotations

from dataclasses import dataclass

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
    return f"{STEP_PREFIX}:{dispute_id}:{event.value}"


def open_data(conversation_id: int) -> str:
    """Callback data of the button that opens a dispute from a buyer's conversation."""
    return f"{OPEN_PREFIX}:{conversation_id}"


def decode_press(data: str | None) -> Press | None:
    """Parse dispute callback data; None for anything else (never raises)."""
    parts = (data or "").split(":")
    try:
        if len(parts) == 3 and parts[0] == STEP_PREFIX:
            event = DisputeEvent(parts[2])
            return None if event is DisputeEvent.OPEN else Press(int(parts[1]), event)
        if len(parts) == 2 and parts[0] == OPEN_PREFIX:
            return Press(int(parts[1]))
    except ValueError:
        return None
    return None
