"""The languages Parley speaks, and which one a buyer gets.

Buyers are answered in one of :data:`BUYER_LANGUAGES` (intent examples and buyer templates
exist for each); the seller console speaks :data:`SELLER_LANGUAGES`.
"""

from __future__ import annotations

BUYER_LANGUAGES: tuple[str, ...] = ("en", "ru", "es", "pt", "fr")
SELLER_LANGUAGES: tuple[str, ...] = ("en", "zh")


def resolve_language(order_language: str | None, telegram_code: str | None, default: str) -> str:
    """The language to write to a buyer in.

    The order's language comes first (the marketplace knows what the buyer reads), then the
    language of their Telegram app (``pt-br`` counts as ``pt``), else ``default``. Anything
    outside :data:`BUYER_LANGUAGES` is skipped.
    """
    for candidate in (order_language or "", (telegram_code or "")[:2]):
        if candidate in BUYER_LANGUAGES:
            return candidate
    return default
