"""Refusals and error answers in the reader's audience and language, through the real
Dispatcher: a buyer is refused in their language (the one they write in, else their order's,
else Telegram's), the seller console in ``policy.seller_language``; nothing comes in English
from the code."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.content.paths import shipped_dir
from bot.content.templates import TemplateRenderer
from tests.conftest import BUYER, CATALOG_CSV, ORDER_ID, ORDERS_HEADER, SELLER, World

SHIPPED = TemplateRenderer(shipped_dir("replies"))
RU_BUYER = 5550003
RU_ORDER = "8175342209987777"
ORDERS = ORDERS_HEADER + (
    f"{ORDER_ID},Anna,Handmade cloth shoes,CS-BLK-38,1,29.90,USD,2026-04-29T10:15:00Z,paid,"
    ",,,2026-05-25,,US,en\n"
    f"{RU_ORDER},Борис,Handmade cloth shoes,CS-BLK-38,1,29.90,USD,2026-04-29T11:00:00Z,paid,"
    ",,,2026-05-25,,RU,ru\n"
)
RU_COMPLAINT = "Цена упала сразу после моего заказа, верните разницу в цене"
COMPLAINT = "The price dropped right after I ordered, I want the difference back"


def expected(audience: str, language: str, key: str, **values: Any) -> str:
    """A refusal as the reader sees it in a toast."""
    return SHIPPED.render(audience, language, f"refusal/{key}", {"detail": "", **values})


def card_button(world: World, chat: int, label: str) -> tuple[dict[str, Any], str]:
    """The latest message in ``chat`` with a button labelled ``label``, and its data."""
    for message in world.fake.inbox(chat)[::-1]:
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b["text"] == label:
                    return copy.deepcopy(message), str(b["callback_data"])
    raise LookupError(f"no button {label!r} in chat {chat}")


async def prepared(world: World, telegram_language: str = "en") -> None:
    """Anna (en) and Boris (ru order) linked; Anna's complaint waits on the seller's card."""
    world.fake.user(RU_BUYER, "Борис", telegram_language)
    await world.import_data(ORDERS, CATALOG_CSV)
    await world.act(world.fake.says(SELLER, "/start"))
    await world.act(world.fake.says(BUYER, f"/start {await world.payload(ORDER_ID)}"))
    await world.act(world.fake.says(RU_BUYER, f"/start {await world.payload(RU_ORDER)}"))
    await world.act(world.fake.says(BUYER, COMPLAINT))


@pytest.mark.parametrize("telegram", ["ru", "en"])  # en: the order says ru
@pytest.mark.parametrize("where", ["own chat", "seller chat"])
async def test_russian_buyer_pressing_a_seller_button_is_refused_in_russian(
    world: World, where: str, telegram: str
) -> None:
    await prepared(world, telegram_language=telegram)
    card, send = card_button(world, SELLER, "Send")
    chat = {"id": RU_BUYER, "type": "private"} if where == "own chat" else card["chat"]
    before = world.fake.texts(RU_BUYER)
    await world.act(world.fake.presses(RU_BUYER, dict(card, chat=chat), send))
    assert world.fake.toasts(RU_BUYER) == ["Эта кнопка только для продавца."]
    assert world.fake.toasts(RU_BUYER) == [expected("buyer", "ru", "seller_only")]
    assert world.fake.texts(RU_BUYER) == before  # nothing was sent
    assert world.fake.buttons(SELLER) == [
        "Send",
        "Edit",
        "Options",
        "Topic",
        "Dismiss",
        "Take over",
    ]


async def test_the_language_a_buyer_writes_in_comes_first(world: World) -> None:
    await prepared(world)  # Anna: Telegram en, order en; she now writes in Russian
    await world.act(world.fake.says(BUYER, RU_COMPLAINT))
    card, send = card_button(world, SELLER, "Send")
    await world.act(
        world.fake.presses(BUYER, dict(card, chat={"id": BUYER, "type": "private"}), send)
    )
    assert world.fake.toasts(BUYER) == [expected("buyer", "ru", "seller_only")]


async def test_a_stranger_is_refused_in_telegrams_language_else_the_default(
    world: World,
) -> None:
    await prepared(world)
    card, send = card_button(world, SELLER, "Send")
    for user, language, told in [(5550011, "es", "es"), (5550012, "pt-br", "pt"),
                                 (5550013, "de", "en")]:  # fmt: skip
        world.fake.user(user, "Someone", language)
        await world.act(
            world.fake.presses(user, dict(card, chat={"id": user, "type": "private"}), send)
        )
        assert world.fake.toasts(user) == [expected("buyer", told, "seller_only")]


async def test_a_russian_buyer_pressing_another_buyers_option_is_refused_in_russian(
    world: World,
) -> None:
    await prepared(world)
    await world.act(world.fake.taps(SELLER, "Send"))  # the reply to Anna, with options
    await world.act(world.fake.says(RU_BUYER, RU_COMPLAINT))  # Boris writes in Russian
    reply = next(m for m in world.fake.inbox(BUYER)[::-1] if m.get("reply_markup"))
    pick = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    copied = dict(reply, chat={"id": RU_BUYER, "type": "private"})
    await world.act(world.fake.presses(RU_BUYER, copied, pick))
    assert world.fake.toasts(RU_BUYER) == [expected("buyer", "ru", "not_yours")]


async def test_stale_press_of_a_russian_buyer_is_answered_in_russian(world: World) -> None:
    await prepared(world)
    await world.act(world.fake.says(RU_BUYER, RU_COMPLAINT))
    card, send = card_button(world, SELLER, "Send")
    await world.act(world.fake.presses(SELLER, card, send))
    reply = world.fake.inbox(RU_BUYER)[-1]
    first = reply["reply_markup"]["inline_keyboard"][0][0]
    await world.act(world.fake.presses(RU_BUYER, reply, first["callback_data"]))
    assert world.fake.toasts(RU_BUYER)[-1] == f"✔ {first['text']}"  # the option, in Russian
    await world.act(world.fake.presses(RU_BUYER, reply, first["callback_data"]))
    assert world.fake.toasts(RU_BUYER)[-1] == expected("buyer", "ru", "already_chosen")
    assert world.fake.toasts(RU_BUYER)[-1] == "Ничего делать не нужно: вы уже сделали выбор"


async def test_stale_presses_in_a_chinese_console_are_answered_in_chinese(
    zh_world: World,
) -> None:
    world = zh_world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    card, send = card_button(world, SELLER, "发送")
    await world.act(world.fake.presses(SELLER, card, send))
    await world.act(world.fake.presses(SELLER, card, send))
    by = "Li @li_shoes"
    assert world.fake.toasts(SELLER)[-1] == expected(
        "seller", "zh", "already_decided", status="sent", by=by
    )
    assert world.fake.toasts(SELLER)[-1] == f"无需操作：已由 {by} 发送"  # who, in Chinese
    # An old dispute button: the dispute is no longer in the state it was made for.
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    old, answered = card_button(world, SELLER, "已答复")
    await world.act(world.fake.presses(SELLER, old, answered))
    await world.act(world.fake.presses(SELLER, old, answered))
    toast = world.fake.toasts(SELLER)[-1]
    assert toast.startswith("纠纷当前状态为「已答复」，无法答复"), toast
    assert not any(c.isascii() and c.isalpha() for c in toast), toast


async def test_a_chinese_console_gets_dispute_command_problems_in_chinese(
    zh_world: World,
) -> None:
    world = zh_world
    await world.linked_buyer()
    for args, words in [
        ("", ["用法：", "/dispute 订单号 — 查看纠纷时间线和按钮"]),
        ("<b>x</b>", ["「&lt;b&gt;x&lt;/b&gt;」不是订单号", "用法："]),
        ("999999999", ["订单 999999999 尚未导入"]),
        (f"{ORDER_ID} 2027-01-01", ["2027-01-01 是将来的日期"]),
        (f"{ORDER_ID} 2026-13-45", ["「2026-13-45」不是日期"]),
        (f"{ORDER_ID} offer 8", [f"订单 {ORDER_ID} 没有进行中的纠纷"]),
    ]:
        await world.act(world.fake.says(SELLER, f"/dispute {args}".strip()))
        raw = world.fake.inbox(SELLER)[-1]["text"]
        assert raw.startswith("⚠️ ") and all(w in raw for w in words), raw
        for english in ("Usage", "is not", "has no", "future", "order id"):
            assert english not in raw, raw
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer accept"))
    assert "没有可接受的方案" in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer maybe"))
    assert "请这样写" in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} offer"))
    assert "请写明您的方案" in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 9.99 again"))
    assert f"订单 {ORDER_ID} 已有进行中的纠纷（开启于 " in world.last(SELLER)


async def test_an_english_console_keeps_its_english_answers(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, "/dispute"))
    assert world.last(SELLER).startswith("⚠️ Usage:\n/dispute ORDER_ID [YYYY-MM-DD]")
    await world.act(world.fake.says(SELLER, "/dispute a/b"))
    assert world.last(SELLER).startswith("⚠️ 'a/b' is not an order id.\nUsage:")
