"""Pure domain: money, deep-link signatures, callback data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain import callbacks, links
from bot.domain.errors import LinkRefused
from bot.domain.money import Money


def test_money_is_exact_and_formatted_for_buyers() -> None:
    paid, now = Money(Decimal("29.90"), "usd"), Money(Decimal("21.90"), "USD")
    assert paid - now == Money(Decimal("8.00"), "USD")
    assert str(paid - now) == "US$8.00"
    assert str(Money(Decimal("1234.5"), "EUR")) == "€1,234.50"
    assert str(Money(Decimal("990"), "RUB")) == "990.00 ₽"
    assert str(Money(Decimal("3"), "CNY")) == "3.00 CNY"
    assert Money(Decimal("8.80"), "USD").ceil_whole() == Money(Decimal(9), "USD")
    with pytest.raises(ValueError):
        _ = paid - Money(Decimal(1), "EUR")


def test_deep_link_round_trip_and_refusals() -> None:
    secret = b"s" * 32
    payload = links.make_payload(secret, "8175342209981234")
    assert len(payload) <= 64 and payload.replace("-", "").replace("_", "").isalnum()
    assert links.read_payload(secret, payload) == "8175342209981234"
    with pytest.raises(LinkRefused):
        links.read_payload(b"other-secret-000000", payload)  # foreign
    with pytest.raises(LinkRefused):
        links.read_payload(
            secret, links.make_payload(secret, "8175342209981235")[:-12] + payload[-12:]
        )
    for junk in ("", "short", "!" * 30, "a" * 80):
        with pytest.raises(LinkRefused):
            links.read_payload(secret, junk)
    assert links.deep_link("@shop_bot", payload) == f"https://t.me/shop_bot?start={payload}"
    with pytest.raises(ValueError):
        links.make_payload(secret, "x" * 60)


def test_callback_data_round_trip_and_garbage() -> None:
    data = callbacks.encode("pick", 123456789, 3)
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == callbacks.Callback("pick", 123456789, 3)
    assert callbacks.decode("send:7") == callbacks.Callback("send", 7, 0)
    for junk in (None, "", "send", "send:x", "nope:1", "send:1:2:3", "pick:1:Z!", "send:1:z"):
        assert callbacks.decode(junk) is None


def test_buttons_carry_intents_and_options_by_name() -> None:
    data = callbacks.encode("pick", 123456789, name="return_full_refund")
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == callbacks.Callback(
        "pick", 123456789, name="return_full_refund"
    )
    assert callbacks.decode("clar:5:size_exchange") == callbacks.Callback(
        "clar", 5, name="size_exchange"
    )
    assert callbacks.decode("clar:5:8") == callbacks.Callback("clar", 5, 8)  # sent before names
    with pytest.raises(ValueError):
        callbacks.encode("retopic", 1, name="Not A Name")
