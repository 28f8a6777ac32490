"""The evidence summary: everything the platform needs, and buyer text escaped in both formats."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.services.evidence import md_escape, render
from tests.conftest import BUYER, ORDER_ID, SELLER, World

HOSTILE = "<script>alert('x')</script> **free** [link](http://evil) | a & b\n# not a heading"


async def _case(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(
        BUYER, "Hi! I bought the cloth shoes for $29.90 and now they cost $21.90, the price "
        "dropped right after I ordered, that's not fair!"))  # fmt: skip
    await world.act(world.fake.taps(SELLER, "Send"))
    await world.act(world.fake.taps(BUYER, "Refund the price difference"))
    await world.act(world.fake.says(BUYER, HOSTILE))
    world.clock.advance(days=1)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 29.90 <b>price</b> & more"))
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} offer 8 partial refund"))
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer reject no <i>way</i>"))


async def test_html_evidence_has_everything_and_escapes_buyer_text(world: World) -> None:
    await _case(world)
    page = render(await world.app.disputes.evidence(ORDER_ID), "html", ZoneInfo("UTC"))
    assert page.startswith("<!DOCTYPE html>")
    for fact in (ORDER_ID, "Handmade cloth shoes", "US$29.90", "Anna", "Buyer protection ends",
                 "Answer deadline", "Negotiation window", "partial refund", "US$8.00",
                 "rejected", "refund difference", "May Day Labor Day sale",
                 "2026-05-02 09:30 UTC"):  # fmt: skip
        assert fact in page, fact
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;price&lt;/b&gt; &amp; more" in page  # the seller's reason, escaped too
    assert "no &lt;i&gt;way&lt;/i&gt;" in page
    assert page.count('<tr class="in">') >= 3 and '<tr class="out">' in page
    for step in ("open", "respond", "negotiate"):
        assert f"<td>{step}</td>" in page


async def test_markdown_evidence_escapes_buyer_text(world: World) -> None:
    await _case(world)
    text = render(await world.app.disputes.evidence(ORDER_ID), "md", ZoneInfo("Asia/Shanghai"))
    assert text.startswith(f"# Evidence summary — dispute on order {ORDER_ID}")
    assert "\\<script\\>" in text and "<script>" not in text
    assert "\\*\\*free\\*\\*" in text and "\\[link\\](http://evil) \\| a & b" in text
    assert "> \\# not a heading" in text
    assert "2026-05-02 17:30 CST" in text  # the seller's timezone
    assert "| **Tracking number** |" in text
    assert md_escape("1. x\n- y") == "1\\. x\n\\- y"
