"""Compiled templates kept on disk: a start reuses them, an edited template is compiled again,
and a cache folder that cannot be used changes nothing but speed."""

from __future__ import annotations

from pathlib import Path

from bot.content.templates import TemplateRenderer


def replies(folder: Path, text: str) -> Path:
    """A replies folder with one buyer template saying ``text``."""
    (folder / "buyer" / "en").mkdir(parents=True)
    (folder / "buyer" / "en" / "hello.html.j2").write_text(text)
    return folder


def test_a_second_renderer_reuses_the_compiled_template(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = replies(tmp_path / "replies", "Hello {{ name }}!")
    assert TemplateRenderer(folder, cache).render("buyer", "en", "hello", {"name": "Anna"}) == (
        "Hello Anna!"
    )
    kept = list((cache / "templates").iterdir())
    assert len(kept) == 1
    assert TemplateRenderer(folder, cache).render("buyer", "en", "hello", {"name": "Ivan"}) == (
        "Hello Ivan!"
    )
    assert list((cache / "templates").iterdir()) == kept


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = replies(tmp_path / "a", "Hello {{ name }}!")
    TemplateRenderer(first, cache).render("buyer", "en", "hello", {"name": "Anna"})
    second = replies(tmp_path / "b", "Bye {{ name }}.")  # same name, other folder and text
    assert TemplateRenderer(second, cache).render("buyer", "en", "hello", {"name": "Anna"}) == (
        "Bye Anna."
    )
    assert TemplateRenderer(first, cache).render("buyer", "en", "hello", {"name": "Anna"}) == (
        "Hello Anna!"
    )


def test_an_unusable_or_damaged_cache_only_costs_compiling(tmp_path: Path) -> None:
    folder = replies(tmp_path / "replies", "Hello {{ name }}!")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    assert TemplateRenderer(folder, blocked).render("buyer", "en", "hello", {"name": "A"}) == (
        "Hello A!"
    )
    cache = tmp_path / "cache"
    TemplateRenderer(folder, cache).render("buyer", "en", "hello", {"name": "A"})
    for kept in (cache / "templates").iterdir():
        kept.write_bytes(kept.read_bytes()[:20])  # cut short
    assert TemplateRenderer(folder, cache).render("buyer", "en", "hello", {"name": "B"}) == (
        "Hello B!"
    )
