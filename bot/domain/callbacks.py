"""Compact callback data for inline buttons (Telegram allows at most 64 bytes).

Format ``<verb>:<id>[:<n>|:<name>]``. Verbs: ``send``/``edit``/``dism``/``take``/``opts``/
``topic``/``back`` a draft, ``tog`` an option of a draft, ``retopic`` a draft as the intent
``name``, ``esend``/``ecancel`` an edited preview, ``done`` a chosen action, ``end`` a
taken-over conversation; the buyer's ``pick`` (draft id, option index) and ``clar`` (message
id, intent index) answering "is this about X or Y?", and ``csat`` (question id, rating 1–5)
answering "How did we do?"; the dispute card's ``dsp`` (dispute id,
event name: :mod:`bot.domain.disputes.buttons`) and ``dspo`` (open one from a conversation).
A name is a lower-case identifier (intent ids and dispute events are), never a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SELLER_VERBS = frozenset(
    {"send", "edit", "dism", "esend", "ecancel", "done", "opts", "tog", "back", "take", "end",
     "topic", "retopic", "asgn"}
)  # fmt: skip
BUYER_VERBS = frozenset({"pick", "clar", "csat"})
DISPUTE_VERBS = frozenset({"dsp", "dspo"})
NAMED_VERBS = frozenset({"retopic", "dsp", "clar", "pick"})
"""Verbs whose third part is an id by name (an intent, a dispute event, an option kind).
``clar`` and ``pick`` also read the index of buttons sent before they carried names."""
_VERBS = SELLER_VERBS | BUYER_VERBS | DISPUTE_VERBS
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class Callback:
    """A decoded button press."""

    verb: str
    target: int
    index: int = 0
    name: str = ""


def encode(verb: str, target: int, index: int | None = None, name: str | None = None) -> str:
    """Callback data for ``verb`` on ``target`` (and option ``index``, or the id ``name``)."""
    data = f"{verb}:{target}"
    if name is not None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a name for callback data: {name!r}")
        data += f":{name}"
    elif index is not None:
        data += f":{index}"
    if len(data.encode()) > 64:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; ``None`` for anything that is not ours (never raises)."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) not in (2, 3) or parts[0] not in _VERBS:
        return None
    try:
        target = int(parts[1])
    except ValueError:
        return None
    if len(parts) == 2:
        return Callback(parts[0], target)
    if parts[0] in NAMED_VERBS and _NAME.fullmatch(parts[2]):
        return Callback(parts[0], target, name=parts[2])
    try:
        return Callback(parts[0], target, int(parts[2]))
    except ValueError:
        return None
