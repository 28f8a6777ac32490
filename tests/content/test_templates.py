"""Reply templates: shipped set valid; broken files stop start-up naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.paths import shipped_dir
from bot.content.templates import TemplateRenderer
from bot.domain.errors import ContentError, RenderError
from bot.settings import Settings
from bot.wiring import load_content


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "replies"
    shutil.copytree(shipped_dir("replies"), target)
    return target


def test_shipped_content_is_valid() -> None:
    content = load_content(Settings())
    assert len(content.intents.intents) == 20


def test_buyer_text_is_escaped() -> None:
    renderer = TemplateRenderer(shipped_dir("replies"))
    text = renderer.render("buyer", "en", "welcome", {"buyer_name": "<b>Bob</b> & co"})
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; co" in text


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    replies = _copy(tmp_path)
    (replies / "buyer/fr/ack.html.j2").write_text("Merci\n{% if buyer_name %}oops\n")
    with pytest.raises(ContentError, match=r"buyer/fr/ack\.html\.j2:\d+"):
        load_content(Settings(replies_dir=replies))


def test_missing_template_for_a_language_is_named(tmp_path: Path) -> None:
    replies = _copy(tmp_path)
    (replies / "buyer/pt/option/coupon.html.j2").unlink()
    with pytest.raises(ContentError, match=r"buyer/pt/option/coupon\.html\.j2: template missing"):
        load_content(Settings(replies_dir=replies))


def test_undefined_variable_is_caught_at_start_up(tmp_path: Path) -> None:
    replies = _copy(tmp_path)
    (replies / "buyer/es/linked.html.j2").write_text("Hola {{ nickname }}")
    with pytest.raises(ContentError, match=r"buyer/es/linked\.html\.j2: 'nickname' is undefined"):
        load_content(Settings(replies_dir=replies))


def test_render_error_at_run_time_names_what_is_missing() -> None:
    renderer = TemplateRenderer(shipped_dir("replies"))
    with pytest.raises(RenderError, match="'order' is undefined"):
        renderer.render("buyer", "en", "linked", {"buyer_name": "x"})
