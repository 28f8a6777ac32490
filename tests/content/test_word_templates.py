"""Short words, refusal details and command descriptions are templates, complete in every
language (issue 12): rendered from ``replies/``, nothing from Python tables."""

from __future__ import annotations

from typing import Any, cast

import pytest
from aiogram import Bot

from bot.content.paths import shipped_dir
from bot.content.samples import sample_context
from bot.content.templates import TemplateRenderer
from bot.domain.errors import NotFound, StaleAction
from bot.domain.languages import BUYER_LANGUAGES as LANGUAGES
from bot.domain.languages import SELLER_LANGUAGES
from bot.services import commands, dispute_texts, presenter, refusals
from bot.services.presenter import Presenter
from bot.telegram.commands import register_commands

RENDERER = TemplateRenderer(shipped_dir("replies"))
EN, ZH = Presenter(RENDERER, "en"), Presenter(RENDERER, "zh")


@pytest.mark.parametrize("key", presenter.WORDS)
def test_every_console_word_is_a_template_in_both_languages(key: str) -> None:
    en, zh = EN.word(key), ZH.word(key)
    assert en and zh and en != zh, (en, zh)
    assert not any("a" <= c.lower() <= "z" for c in zh.replace("Parley", "")), zh


@pytest.mark.parametrize("key", dispute_texts.WORDS)
def test_every_dispute_word_is_a_template_in_both_languages(key: str) -> None:
    values = {"order": "81", "state": "x"} if key in ("already_open", "recorded", "stepped") else {}
    en, zh = dispute_texts.word(key, EN, **values), dispute_texts.word(key, ZH, **values)
    assert en and zh and en != zh, (en, zh)


def test_buttons_and_dispute_words_keep_their_english_and_get_chinese() -> None:
    assert EN.seller_button("send", 1).text == "Send"
    assert ZH.seller_button("send", 1).text == "发送"
    assert dispute_texts.word("kind.return_refund", EN) == "return refund"  # English was missing
    assert dispute_texts.word("kind.return_refund", ZH) == "退货退款"
    assert dispute_texts.word("stepped", ZH, order="81", state="已关闭") == "订单 81 的纠纷：已关闭"
    assert dispute_texts.word("recorded", EN, order="<81>") == "Dispute recorded for order <81>"


SELLER_ERRORS = [
    (StaleAction("x", key="already_decided", status="sent", by="Li"),
     "Nothing to do: already sent by Li", "无需操作：已由 Li 发送"),
    (StaleAction("x", key="already_decided", status="taken_over", by=""),
     "Nothing to do: already taken over", "无需操作：已接管"),
    (StaleAction("x", key="already_done", by="Li"),
     "Nothing to do: already done by Li", "无需操作：已由 Li 完成"),
    (NotFound("x", key="unknown_draft", draft_id=7),
     "Nothing to do: draft 7", "无需操作：草稿 7 不存在"),
    (NotFound("x", key="unknown_option", option=3),
     "Nothing to do: option 3", "无需操作：方案 3 不存在"),
    (StaleAction("x", key="already_talking", conversation_id=4),
     "Nothing to do: you are already talking in conversation #4",
     "无需操作：您正在会话 #4 中与买家对话"),
    (StaleAction("x", key="nothing_taken_over"),
     "Nothing to do: no conversation is taken over here", "无需操作：这里没有被接管的会话"),
    (StaleAction("x", key="no_edit_waiting"),
     "Nothing to do: no edited text waiting for this draft", "无需操作：此草稿没有待发送的修改"),
    (NotFound("x", key="unknown_choice", choice_id=5),
     "Nothing to do: choice 5", "无需操作：买家的选择 5 不存在"),
]  # fmt: skip


@pytest.mark.parametrize(("error", "en", "zh"), SELLER_ERRORS, ids=lambda v: getattr(v, "key", ""))
def test_seller_refusals_keep_their_details_in_chinese(error: Any, en: str, zh: str) -> None:
    assert refusals.refusal(RENDERER, "seller", "en", error) == en
    assert refusals.refusal(RENDERER, "seller", "zh", error) == zh


@pytest.mark.parametrize(
    "key", ["unknown_topic", "unknown_message", "already_answered", "offer_closed",
            "already_chosen", "unknown_draft", "not_yours"],
)  # fmt: skip
def test_buyer_refusals_exist_in_every_buyer_language(key: str) -> None:
    texts = {
        lang: refusals.refusal(RENDERER, "buyer", lang, StaleAction("x", key=key, message_id=1))
        for lang in LANGUAGES
    }
    assert len(set(texts.values())) == len(LANGUAGES), texts  # each language its own words
    generic = RENDERER.render("buyer", "ru", "refusal/stale", {"detail": ""})
    assert texts["ru"] != generic


def test_the_chosen_mark_escapes_the_label() -> None:
    for lang in LANGUAGES:
        mark = RENDERER.render("buyer", lang, "chosen_mark", {"label": "<b>x</b>"})
        assert mark == "✔ &lt;b&gt;x&lt;/b&gt;"


def test_command_descriptions_are_complete_and_short() -> None:
    for audience, name in commands.TEMPLATES:
        languages = LANGUAGES if audience == "buyer" else SELLER_LANGUAGES
        for lang in languages:
            text = RENDERER.render(audience, lang, name, sample_context(name))
            assert 3 <= len(text) <= 256, (audience, lang, name, text)


class RecordingBot:
    """Records setMyCommands calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def set_my_commands(self, commands: list[Any], **kwargs: Any) -> bool:
        self.calls.append({"commands": {c.command: c.description for c in commands}, **kwargs})
        return True


async def test_commands_are_registered_per_language_and_the_console_in_its_language() -> None:
    bot = RecordingBot()
    await register_commands(cast(Bot, bot), [111, 222], renderer=RENDERER, seller_language="zh")
    default, *per_language = [c for c in bot.calls if "scope" not in c]
    assert default == {"commands": {"start": "Start / link your order"}}
    by_language = {c["language_code"]: c["commands"]["start"] for c in per_language}
    assert set(by_language) == set(LANGUAGES)
    assert by_language["ru"] == "Начать / привязать заказ"
    assert by_language["fr"] == "Commencer / lier votre commande"
    seller = [c for c in bot.calls if "scope" in c]
    assert [c["scope"].chat_id for c in seller] == [111, 222]
    assert list(seller[0]["commands"]) == list(commands.SELLER_COMMANDS)
    inbox = "未处理的会话，等待最久的在前（/inbox mine：分配给你的）"
    assert seller[0]["commands"]["inbox"] == inbox


async def test_a_failing_set_my_commands_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    class Failing:
        async def set_my_commands(self, *args: Any, **kwargs: Any) -> bool:
            raise RuntimeError("Bot API down")

    await register_commands(cast(Bot, Failing()), [1], renderer=RENDERER)
    assert "setMyCommands failed" in caplog.text
