"""Where the shipped intents and replies live: inside the wheel, or at the checkout root."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_dir(name: str) -> Path:
    """The shipped ``intents`` or ``replies`` folder (installed copy first, then the checkout)."""
    installed = _PACKAGE / "_content" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def shipped_file(name: str) -> Path:
    """A shipped top-level file such as ``followups.toml`` (installed copy, then checkout)."""
    installed = _PACKAGE / "_content" / name
    if installed.is_file():
        return installed
    return _PACKAGE.parent / name
