"""The rest of the words come from templates (issue 12): the console's buttons and answers,
stale presses with their details, a buyer's stale option and the ✔ marks, in the reader's
language, through the real Dispatcher."""

from __future__ import annotations

from bot.content.paths import shipped_dir
from bot.content.templates import TemplateRenderer
from bot.domain import callbacks
from bot.domain.text import strip_html
from tests.conftest import BUYER, DOUBTFUL_MESSAGE, SELLER, World
from tests.telegram.test_localised_refusals import (
    RU_BUYER,
    RU_COMPLAINT,
    card_button,
    expected,
    prepared,
)

SHIPPED = TemplateRenderer(shipped_dir("replies"))
COMPLAINT = "The price dropped right after I ordered, I want the difference back"
REFUND = "Refund the price difference (US$8.00)"
BY = "Li @li_shoes"  # the seller's label in the test world


def word(language: str, key: str) -> str:
    """A console word as the seller reads it."""
    return strip_html(SHIPPED.render("seller", language, f"word/{key}", {}))


async def test_a_chinese_console_gets_its_buttons_answers_and_details_in_chinese(
    zh_world: World,
) -> None:
    world = zh_world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    keys = ["send", "edit", "opts", "topic", "dism", "take"]
    assert world.fake.buttons(SELLER) == [word("zh", k) for k in keys]
    assert world.fake.buttons(SELLER) == ["发送", "编辑", "方案", "改意图", "忽略", "接管"]
    await world.act(world.fake.taps(SELLER, "发送"))
    assert world.fake.toasts(SELLER)[-1] == word("zh", "sent") == "已发送给买家"
    await world.act(world.fake.taps(BUYER, REFUND))
    card, done = card_button(world, SELLER, "完成")
    await world.act(world.fake.presses(SELLER, card, done))
    assert world.fake.toasts(SELLER)[-1] == word("zh", "told") == "已完成，已通知买家"
    await world.act(world.fake.presses(SELLER, card, done))  # Done again: who did it
    assert world.fake.toasts(SELLER)[-1] == expected("seller", "zh", "already_done", by=BY)
    assert world.fake.toasts(SELLER)[-1] == f"无需操作：已由 {BY} 完成"


async def test_a_chinese_console_is_told_in_chinese_it_is_already_talking(
    zh_world: World,
) -> None:
    world = zh_world
    await world.import_data()
    await world.act(world.fake.says(BUYER, f"/start {await world.payload()}"))
    await world.act(world.fake.says(5550002, f"/start {await world.payload('8175342209985555')}"))
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "接管"))
    assert world.fake.toasts(SELLER)[-1] == word("zh", "taken")
    await world.act(world.fake.says(5550002, "where is my parcel? it is late"))
    await world.act(world.fake.taps(SELLER, "接管"))
    toast = world.fake.toasts(SELLER)[-1]
    assert toast.startswith("无需操作：您正在会话 #") and "中与买家对话" in toast, toast
    assert "already" not in toast


async def test_an_english_console_keeps_its_details(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, COMPLAINT))
    await world.act(world.fake.taps(SELLER, "Send"))
    await world.act(world.fake.taps(BUYER, REFUND))
    card, done = card_button(world, SELLER, "Done")
    await world.act(world.fake.presses(SELLER, card, done))
    await world.act(world.fake.presses(SELLER, card, done))
    assert world.fake.toasts(SELLER)[-1] == f"Nothing to do: already done by {BY}"
    await world.act(world.fake.presses(SELLER, card, callbacks.encode("done", 999)))
    assert world.fake.toasts(SELLER)[-1] == "Nothing to do: choice 999"


async def test_a_russian_buyer_tapping_a_stale_option_is_answered_in_russian(
    world: World,
) -> None:
    await prepared(world)
    await world.act(world.fake.says(RU_BUYER, RU_COMPLAINT))
    card, send = card_button(world, SELLER, "Send")
    await world.act(world.fake.presses(SELLER, card, send))
    reply = world.fake.inbox(RU_BUYER)[-1]
    first = reply["reply_markup"]["inline_keyboard"][0][0]
    press = callbacks.decode(first["callback_data"])
    assert press is not None
    gone = callbacks.encode("pick", press.target, 99)  # an option the reply no longer has
    await world.act(world.fake.presses(RU_BUYER, reply, gone))
    assert world.fake.toasts(RU_BUYER)[-1] == expected("buyer", "ru", "offer_closed")
    assert world.fake.toasts(RU_BUYER)[-1] == (
        "Ничего делать не нужно: это предложение больше не действует"
    )
    missing = callbacks.encode("pick", 999, 0)
    await world.act(world.fake.presses(RU_BUYER, reply, missing))
    assert world.fake.toasts(RU_BUYER)[-1] == "Ничего делать не нужно: этого ответа больше нет"
    await world.act(world.fake.presses(RU_BUYER, reply, first["callback_data"]))
    mark = SHIPPED.render("buyer", "ru", "chosen_mark", {"label": first["text"]})
    edited = [m["text"] for m in world.fake.inbox(RU_BUYER) if m["text"].endswith(mark)]
    assert edited and edited[-1].startswith(reply["text"])  # the reply, ✔ its option below


async def test_topic_marks_and_stale_topics_come_from_the_buyers_templates(
    doubtful_world: World,
) -> None:
    world = doubtful_world
    await world.linked_buyer()
    await world.act(world.fake.says(BUYER, DOUBTFUL_MESSAGE))
    question = world.fake.inbox(BUYER)[-1]
    first = question["reply_markup"]["inline_keyboard"][0][0]
    press = callbacks.decode(first["callback_data"])
    assert press is not None
    unknown_topic = callbacks.encode("clar", press.target, 999)
    await world.act(world.fake.presses(BUYER, question, unknown_topic))
    assert world.fake.toasts(BUYER)[-1] == expected("buyer", "en", "unknown_topic")
    await world.act(world.fake.presses(BUYER, question, callbacks.encode("clar", 99999, 0)))
    assert world.fake.toasts(BUYER)[-1] == expected("buyer", "en", "unknown_message")
    await world.act(world.fake.taps(BUYER, "customs or import fees"))
    mark = SHIPPED.render("buyer", "en", "chosen_mark", {"label": "customs or import fees"})
    assert mark == "✔ customs or import fees"
    assert world.last(BUYER).endswith(f"\n{mark}")  # the question, answered
    await world.act(world.fake.taps(SELLER, "Dismiss"))  # the seller has answered
    await world.act(world.fake.presses(BUYER, question, first["callback_data"]))
    assert world.fake.toasts(BUYER)[-1] == expected("buyer", "en", "already_answered")
    assert world.fake.toasts(BUYER)[-1] == "Nothing to do: the seller has already answered"
