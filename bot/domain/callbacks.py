"""Compact callback data for inline buttons (Telegram allows at most 64 bytes).

Format ``<verb>:<id>[:<n>]``. Verbs: ``send``/``edit``/``dism``/``take``/``opts``/``back`` a
draft, ``tog`` an option of a draft, ``esend``/``ecancel`` an edited preview, ``done`` a chosen
action, ``end`` a taken-over conversation; the buyer's ``pick`` (draft id, option index)
and ``clar`` (message id, intent index) answering "is this about X or Y?".
"""

from __future__ import annotations

from dataclasses import dataclass

SELLER_VERBS = frozenset(
    {"send", "edit", "dism", "esend", "ecancel", "done", "opts", "tog", "back", "take", "end"}
)
BUYER_VERBS = frozenset({"pick", "clar"})


@dataclass(frozen=True)
class Callback:
    """A decoded button press."""

    verb: str
    target: int
    index: int = 0


def encode(verb: str, target: int, index: int | None = None) -> str:
    """Callback data for ``verb`` on ``target`` (and option ``index``)."""
    data = f"{verb}:{target}" if index is None else f"{verb}:{target}:{index}"
    if len(data.encode()) > 64:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; ``None`` for anything that is not ours (never raises)."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) not in (2, 3) or parts[0] not in SELLER_VERBS | BUYER_VERBS:
        return None
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        return None
    return Callback(parts[0], numbers[0], numbers[1] if len(numbers) > 1 else 0)
