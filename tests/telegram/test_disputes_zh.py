"""The dispute clock and metrics in a Chinese seller console (``seller_language = "zh"``)."""

from __future__ import annotations

import copy
import re
from datetime import UTC
from typing import Any

import pytest

from bot.content.loader import Content
from bot.content.samples import sample_context
from bot.domain.disputes import DAY, Dispute, DisputeRules, DisputeState
from bot.domain.languages import SELLER_LANGUAGES
from bot.scheduling.jobs import run_dispute_reminders
from bot.services import dispute_texts
from bot.services.presenter import SELLER, Presenter
from tests.conftest import ORDER_ID, START, World
from tests.conftest import SELLER as SELLER_CHAT
from tests.telegram.test_disputes import STATS_ORDERS


async def test_dispute_card_buttons_and_listing_in_chinese(zh_world: World) -> None:
    world = zh_world
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER_CHAT, f"/dispute {ORDER_ID} 5 late"))
    card = world.last(SELLER_CHAT)
    assert "纠纷" in card and "时间线" in card and "已开启" in card and "请在" in card
    assert "已答复" in world.fake.buttons(SELLER_CHAT)
    await world.act(world.fake.says(SELLER_CHAT, "/disputes"))
    listing = world.last(SELLER_CHAT)
    assert "进行中的纠纷（1 个）" in listing
    line = next(line for line in listing.splitlines() if line.startswith("1. "))
    assert f"{ORDER_ID} · 已开启 · 第 0 天 · 答复截止" in line and "剩余 5 天 0 小时" in line
    assert "Open disputes" not in listing
    await world.act(world.fake.taps(SELLER_CHAT, "已答复"))
    assert world.fake.toasts(SELLER_CHAT)[-1] == f"订单 {ORDER_ID} 的纠纷：已答复"


async def test_dispute_reminder_in_chinese(zh_world: World) -> None:
    world = zh_world
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER_CHAT, f"/dispute {ORDER_ID}"))
    before = len(world.fake.texts(SELLER_CHAT))
    world.clock.advance(days=4)
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    fresh = world.fake.texts(SELLER_CHAT)[before:]
    reminders = [text for text in fresh if "请答复订单" in text or "协商窗口已开启" in text]
    assert reminders, fresh
    assert "目前最佳方案：尚无方案记录" in reminders[0]
    assert "卡片和按钮" in reminders[0] and "Answer the dispute" not in reminders[0]


async def test_no_open_disputes_in_chinese(zh_world: World) -> None:
    await zh_world.act(zh_world.fake.says(SELLER_CHAT, "/disputes"))
    assert "没有进行中的纠纷" in zh_world.last(SELLER_CHAT)


async def test_stats_in_chinese(zh_world: World) -> None:
    world = zh_world
    (world.folder / "orders.csv").write_text(STATS_ORDERS)
    await world.app.imports.orders(world.folder / "orders.csv")
    await world.app.disputes.open("900001", opened_at=START - 5 * DAY, source="cli")
    await world.act(world.fake.says(SELLER_CHAT, "/start"))
    before = len(world.fake.inbox(SELLER_CHAT))
    await world.act(world.fake.says(SELLER_CHAT, "/stats"))
    _text, photo = world.fake.inbox(SELLER_CHAT)[before:]
    table = world.fake.texts(SELLER_CHAT)[before]
    assert "卖家指标" in table and re.search(r"已发货订单\s+10\s+11\s+11", table)
    assert "基于 Parley 自有数据的估算" in table and "Seller metrics" not in table
    assert "近 90 天趋势" in photo["caption"]


def _rendered(presenter: Presenter, name: str, key: str, **changes: Any) -> str:
    context = copy.deepcopy(sample_context())
    context[key].update(changes)
    return presenter.renderer.render(SELLER, presenter.seller_language, name, context)


@pytest.mark.parametrize("language", SELLER_LANGUAGES)
def test_every_branch_of_the_dispute_and_stats_templates_renders(
    content: Content, language: str
) -> None:
    presenter = Presenter(content.renderer, language)
    for step in ("answer", "negotiate", "agreed", "executed", "escalated", "finished"):
        advice = {**sample_context()["dispute_card"]["advice"], "step": step}
        assert _rendered(presenter, "dispute/card", "dispute_card", advice=advice)
    assert _rendered(presenter, "dispute/card", "dispute_card", order=None, next=None,
                     offers=[], claim=[], day=None)  # fmt: skip
    for kind in ("answer_deadline", "window_opens", "window_closing", "last_day",
                 "escalation", "return_shipping"):  # fmt: skip
        assert _rendered(presenter, "dispute/reminder", "dispute_reminder", kind=kind, late="")
    for part in ("empty", "head", "line", "more", "foot"):
        assert _rendered(presenter, "dispute/listing", "dispute_listing", part=part, due=None)
    for direction in ("up", "down"):
        assert _rendered(presenter, "stats/alert", "stats_alert", direction=direction)
    assert _rendered(presenter, "stats/report", "stats_report", first_days=None, intents=[])


def test_chinese_listing_keeps_the_telegram_limit(content: Content) -> None:
    views = [dispute_texts.DisputeView(Dispute(i, f"ORDER{i:012d}", DisputeState.OPENED, START),
                                       None) for i in range(200)]  # fmt: skip
    zh = Presenter(content.renderer, "zh")
    text = dispute_texts.listing(views, DisputeRules(), UTC, START, presenter=zh)
    assert len(text) < 4096 and "还有" in text and "parley dispute list" in text
