"""Refusal and toast templates (``refusal/*``, ``toast/*``): every one declared in
:data:`bot.services.refusals.TEMPLATES` renders in every language of its audience under
StrictUndefined, none is left undeclared, and a refusal never falls back to English words
from the code."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content.paths import shipped_dir
from bot.content.samples import sample_context
from bot.content.templates import SUFFIX, TemplateRenderer
from bot.domain.disputes import BadCommand, parse_answer, parse_command, parse_offer, parse_open
from bot.domain.errors import (
    ContentError,
    InvalidTransition,
    NotAllowed,
    NotFound,
    ParleyError,
    StaleAction,
)
from bot.domain.languages import BUYER_LANGUAGES, SELLER_LANGUAGES
from bot.services import refusals
from bot.services.refusals import BUYER, SELLER, TEMPLATES, refusal
from bot.settings import Settings
from bot.wiring import load_content

LANGUAGES = {BUYER: BUYER_LANGUAGES, SELLER: SELLER_LANGUAGES}
RENDERER = TemplateRenderer(shipped_dir("replies"))
CASES = [(audience, lang, name) for audience, name in TEMPLATES for lang in LANGUAGES[audience]]


@pytest.mark.parametrize(("audience", "language", "name"), CASES, ids=["/".join(c) for c in CASES])
def test_every_refusal_renders_in_every_language(audience: str, language: str, name: str) -> None:
    text = RENDERER.render(audience, language, name, sample_context(name))
    assert text.strip()
    assert "{{" not in text and "{%" not in text


def test_every_refusal_file_is_declared() -> None:
    """A refusal added for one language only, or never declared, is caught here."""
    root = shipped_dir("replies")
    declared = {(a, lang, name) for a, lang, name in CASES}
    found = {
        (path.parts[0], path.parts[1], "/".join(path.parts[2:]).removesuffix(SUFFIX))
        for path in (p.relative_to(root) for p in root.rglob(f"*{SUFFIX}"))
        if path.parts[2] in ("refusal", "toast")
    }
    assert found == declared


def test_a_missing_refusal_stops_start_up(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    shutil.copytree(shipped_dir("replies"), replies)
    (replies / "seller/zh/refusal/dispute_usage.html.j2").unlink()
    with pytest.raises(ContentError, match=r"seller/zh/refusal/dispute_usage\.html\.j2"):
        load_content(Settings(replies_dir=replies))
    shutil.copy(shipped_dir("replies") / "seller/zh/refusal/dispute_usage.html.j2",
                replies / "seller/zh/refusal/dispute_usage.html.j2")  # fmt: skip
    (replies / "buyer/pt/refusal/stale.html.j2").write_text("Nada {{ nickname }}")
    with pytest.raises(ContentError, match=r"buyer/pt/refusal/stale\.html\.j2: 'nickname'"):
        load_content(Settings(replies_dir=replies))


def _parse_errors() -> list[BadCommand]:
    now = datetime(2026, 5, 3, tzinfo=UTC)
    attempts: list[Callable[[], object]] = [
        lambda: parse_command(""),
        lambda: parse_command("<b>x</b>"),
        lambda: parse_open(("2026-13-45",), now, UTC),
        lambda: parse_open(("2026-06-01",), now, UTC),
        lambda: parse_offer(()),
        lambda: parse_answer(("maybe",)),
    ]
    errors = []
    for attempt in attempts:
        with pytest.raises(BadCommand) as caught:
            attempt()
        errors.append(caught.value)
    return errors


@pytest.mark.parametrize("language", SELLER_LANGUAGES)
def test_dispute_parser_errors_have_their_own_seller_template(language: str) -> None:
    for error in _parse_errors():
        assert (SELLER, f"refusal/{error.key}") in TEMPLATES, error.key
        text = refusal(RENDERER, SELLER, language, error)
        generic = RENDERER.render(SELLER, language, "refusal/error", {"detail": ""})
        assert text != generic


def test_usage_is_localised() -> None:
    usage = parse_command_error("")
    assert "Usage" in refusal(RENDERER, SELLER, "en", usage)
    zh = refusal(RENDERER, SELLER, "zh", usage)
    assert "用法" in zh and "/dispute 订单号" in zh and "Usage" not in zh
    wrong = refusal(RENDERER, SELLER, "zh", parse_command_error("<b>x</b>"))
    assert "不是订单号" in wrong and "&lt;b&gt;x&lt;/b&gt;" in wrong and "用法" in wrong


def parse_command_error(args: str) -> BadCommand:
    with pytest.raises(BadCommand) as caught:
        parse_command(args)
    return caught.value


def test_invalid_transition_in_chinese_names_state_and_steps() -> None:
    error = InvalidTransition("responded", "respond", ("negotiate", "agree", "escalate"))
    assert refusal(RENDERER, SELLER, "en", error) == (
        "a dispute that is responded cannot respond (possible now: negotiate, agree, escalate)"
    )
    zh = refusal(RENDERER, SELLER, "zh", error)
    assert zh == "纠纷当前状态为「已答复」，无法答复（目前可以：进入协商、达成一致、升级至平台）"
    finished = refusal(RENDERER, SELLER, "zh", InvalidTransition("closed", "take offers"))
    assert finished == "纠纷当前状态为「已关闭」，无法记录方案（纠纷已结束）"


@pytest.mark.parametrize(
    ("error", "generic"),
    [
        (StaleAction("you have already chosen"), "stale"),
        (NotFound("draft 999"), "not_found"),
        (NotAllowed("this button belongs to another chat"), "not_allowed"),
        (ParleyError("something odd"), "error"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_an_unkeyed_error_gets_its_generic_refusal(error: ParleyError, generic: str) -> None:
    """Older call sites raise English sentences: only the English templates repeat them."""
    english = refusal(RENDERER, BUYER, "en", error)
    assert str(error) in english
    for language in ("ru", "es", "pt", "fr"):
        text = refusal(RENDERER, BUYER, language, error)
        assert text == RENDERER.render(BUYER, language, f"refusal/{generic}", {"detail": ""})
        assert str(error) not in text
    zh = refusal(RENDERER, SELLER, "zh", error)
    assert zh == RENDERER.render(SELLER, "zh", f"refusal/{generic}", {"detail": ""})


def test_a_seller_key_read_by_a_buyer_falls_back_to_the_generic_refusal() -> None:
    error = NotFound("dispute 7", key="unknown_dispute", dispute_id=7)
    assert "7" in refusal(RENDERER, SELLER, "en", error)
    text = refusal(RENDERER, BUYER, "ru", error)
    assert text == RENDERER.render(BUYER, "ru", "refusal/not_found", {"detail": ""})


def test_values_are_escaped_and_toasts_are_plain_text() -> None:
    error = BadCommand("x", key="not_a_date", word="<i>&</i>")
    html = refusal(RENDERER, SELLER, "en", error)
    assert "&lt;i&gt;&amp;&lt;/i&gt;" in html
    assert refusals.toast(html) == "'<i>&</i>' is not a date (write YYYY-MM-DD)"
    assert len(refusals.toast("x" * 500)) == refusals.TOAST_LIMIT
