"""Entity extraction: what must be found, and look-alikes that must not match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.entities import (
    PLACEHOLDERS,
    DateMention,
    Size,
    TrackingNumber,
    extract_entities,
    mask_entities,
)
from bot.domain.money import Money


def test_order_number_is_sixteen_digits() -> None:
    found = extract_entities("hi, order 8175342209981234 has not shipped")
    assert found.order_numbers == ("8175342209981234",)
    assert extract_entities("orders 8175342209981234 and 8100223344556677").order_numbers == (
        "8175342209981234",
        "8100223344556677",
    )


@pytest.mark.parametrize(
    "text",
    [
        "call me at +7 912 345-67-89",
        "my phone is +44 20 7946 0958",
        "tel: +5511987654321",
        "phone 8175342209981234",  # a number written as a phone is not an order
        "order 817534220998123",  # 15 digits
        "order 81753422099812345",  # 17 digits
        "it cost $8175342209981234",  # an amount, not an order
        "I paid 29.90 and now it's 21.90",
        "card 4111 1111 1111 1111",
    ],
)
def test_look_alikes_are_not_order_numbers(text: str) -> None:
    assert extract_entities(text).order_numbers == ()


@pytest.mark.parametrize(
    ("text", "number", "carrier"),
    [
        ("tracking RB123456789CN stuck", "RB123456789CN", "UPU"),
        ("trek lp00123456789012 ne menyaetsya", "LP00123456789012", "Cainiao"),
        ("YT2212345678901234 frozen", "YT2212345678901234", "YunExpress"),
        ("code: UB123456789012CN? no: CNG12345678901", "CNG12345678901", "Cainiao"),
    ],
)
def test_tracking_numbers(text: str, number: str, carrier: str) -> None:
    assert TrackingNumber(number, carrier) in extract_entities(text).tracking_numbers


@pytest.mark.parametrize(
    "text",
    ["iPhone 14 Pro", "model A54 vs A34", "size XL2023", "8175342209981234", "RB12345678CN"],
)
def test_look_alikes_are_not_tracking_numbers(text: str) -> None:
    assert extract_entities(text).tracking_numbers == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I paid $34.99", [Money(Decimal("34.99"), "USD")]),
        (
            "US$18.50 then US$11.90",
            [Money(Decimal("18.50"), "USD"), Money(Decimal("11.90"), "USD")],
        ),
        ("Pague 32€ el lunes", [Money(Decimal("32"), "EUR")]),
        ("19,80 € handling", [Money(Decimal("19.80"), "EUR")]),
        ("£12 please", [Money(Decimal("12"), "GBP")]),
        ("comprei por R$ 189", [Money(Decimal("189"), "BRL")]),
        ("платье за 3 800 ₽", [Money(Decimal("3800"), "RUB")]),
        ("кроссовки за 4500 рублей", [Money(Decimal("4500"), "RUB")]),
        ("paid 45 dollars", [Money(Decimal("45"), "USD")]),
        ("Paguei 250 reais", [Money(Decimal("250"), "BRL")]),
        ("60 euros", [Money(Decimal("60"), "EUR")]),
        ("EUR 1.234,56 total", [Money(Decimal("1234.56"), "EUR")]),
        ("20 bucks less", [Money(Decimal("20"), "USD")]),
    ],
)
def test_money(text: str, expected: list[Money]) -> None:
    assert list(extract_entities(text).amounts) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 8175342209981234",
        "it's been 45 days",
        "I ordered 3 shirts",
        "+1 415 555 0132",
        "size 42",
        "30% off",
    ],
)
def test_look_alikes_are_not_money(text: str) -> None:
    assert extract_entities(text).amounts == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("blue sneakers, size EU 40", Size("40", "EU")),
        ("talla 42 por favor", Size("42", "number")),
        ("размер 44 по таблице", Size("44", "number")),
        ("2 XL shirts", Size("XL", "letter")),
        ("exchange it for taille M", Size("M", "letter")),
        ("tamanho G", Size("G", "letter")),
        ("I wear 39 size", Size("39", "number")),
    ],
)
def test_sizes(text: str, expected: Size) -> None:
    assert expected in extract_entities(text).sizes


@pytest.mark.parametrize(
    "text", ["Buenos dias, nos vemos", "I am so sad", "Galaxy S23 Ultra", "a lot", "M. Lopez"]
)
def test_look_alikes_are_not_sizes(text: str) -> None:
    assert extract_entities(text).sizes == ()


@pytest.mark.parametrize(
    ("text", "day", "month", "year"),
    [
        ("ordered on 3 March", 3, 3, None),
        ("ordered on October 2nd", 2, 10, None),
        ("delivered on 02.11", 2, 11, None),
        ("comprei dia 10/05", 10, 5, None),
        ("since 2024-05-03", 3, 5, 2024),
        ("срок до 20 мая", 20, 5, None),
        ("tenia que llegar el 10 de abril", 10, 4, None),
        ("le 2 novembre 2025", 2, 11, 2025),
        ("supposed to arrive by the 15th", 15, None, None),
    ],
)
def test_dates(text: str, day: int, month: int | None, year: int | None) -> None:
    dates = extract_entities(text).dates
    assert [(d.day, d.month, d.year) for d in dates] == [(day, month, year)]
    assert isinstance(dates[0], DateMention)


@pytest.mark.parametrize("text", ["it costs 7.99", "19.80", "rated 4.5 stars", "v2.0"])
def test_prices_are_not_dates(text: str) -> None:
    assert extract_entities(text).dates == ()


def test_everything_at_once_and_masking() -> None:
    text = "Order 8175342209981234: paid $29.90 on 29 April, size EU 38, tracking RB123456789CN"
    found = extract_entities(text)
    assert found.order_numbers == ("8175342209981234",)
    assert found.amounts == (Money(Decimal("29.90"), "USD"),)
    assert found.sizes == (Size("38", "EU"),)
    assert found.tracking_numbers == (TrackingNumber("RB123456789CN", "UPU"),)
    assert [(d.day, d.month) for d in found.dates] == [(29, 4)]
    masked = mask_entities(text)
    for placeholder in PLACEHOLDERS.values():
        assert placeholder in masked
    assert "8175342209981234" not in masked
    assert found.as_dict()["amounts"] == [{"amount": "29.90", "currency": "USD"}]
    assert not extract_entities("nothing here")
