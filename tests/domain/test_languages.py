"""Which language a buyer is written to in (one rule for replies and follow-ups)."""

from __future__ import annotations

import pytest

from bot.domain.languages import BUYER_LANGUAGES, SELLER_LANGUAGES, resolve_language


@pytest.mark.parametrize(
    ("order_language", "telegram_code", "expected"),
    [
        ("ru", "en", "ru"),  # the order's language first
        ("", "pt-br", "pt"),  # then the Telegram app's, region dropped
        (None, "es", "es"),
        ("de", "fr", "fr"),  # a language Parley does not speak is skipped
        ("zh", "de", "en"),  # zh is a seller-console language only: the default
        (None, None, "en"),
        ("", "", "en"),
    ],
)
def test_resolve_language(
    order_language: str | None, telegram_code: str | None, expected: str
) -> None:
    assert resolve_language(order_language, telegram_code, "en") == expected


def test_the_default_is_returned_as_given() -> None:
    assert resolve_language(None, "de", "ru") == "ru"


def test_the_language_lists() -> None:
    assert BUYER_LANGUAGES == ("en", "ru", "es", "pt", "fr")
    assert SELLER_LANGUAGES == ("en", "zh")
