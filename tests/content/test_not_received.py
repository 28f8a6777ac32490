"""The not_received reply names the carrier and the tracking number the tracking is about."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.content.loader import Content
from bot.domain.languages import BUYER_LANGUAGES as LANGUAGES
from bot.domain.models import Order
from bot.domain.playbook import SellerPolicy, plan_reply
from bot.services.presenter import Presenter
from tests.content.test_every_reply_renders import ITEM, NOW, SITUATIONS


def _delivered() -> Order:
    order = SITUATIONS["delivered"]
    assert order is not None and order.carrier and order.tracking_number
    return order


DELIVERED = _delivered()


def _render(content: Content, lang: str, order: Order) -> str:
    plan = plan_reply("not_received", order, ITEM, SellerPolicy(), NOW)
    assert plan.facts["stage"] == "delivered"
    return Presenter(content.renderer).reply(plan.template, lang, "Anna", order, ITEM, plan.facts)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_delivered_but_not_received_quotes_tracking_number_and_carrier(
    content: Content, lang: str
) -> None:
    text = _render(content, lang, DELIVERED)
    assert DELIVERED.tracking_number and DELIVERED.carrier
    assert f"<code>{DELIVERED.tracking_number}</code>" in text, text
    assert DELIVERED.carrier in text, text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("carrier", "tracking_number"),
    [("", ""), ("Cainiao", ""), ("", "LP00123456789012")],
)
def test_missing_tracking_data_is_left_out_gracefully(
    content: Content, lang: str, carrier: str, tracking_number: str
) -> None:
    order = replace(DELIVERED, carrier=carrier, tracking_number=tracking_number)
    text = _render(content, lang, order)
    assert text.strip()
    assert "None" not in text and "<code></code>" not in text and "()" not in text, text
    if carrier:
        assert carrier in text
    if tracking_number:
        assert f"<code>{tracking_number}</code>" in text
