"""One duration formatter: :func:`bot.domain.durations.span` splits, ``word/duration`` words
it in the console's language (the dispute texts import the same macro)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.content.paths import shipped_dir
from bot.content.templates import TemplateRenderer
from bot.services.presenter import Presenter
from bot.services.stats import duration

RENDERER = TemplateRenderer(shipped_dir("replies"))
EN, ZH = Presenter(RENDERER, "en"), Presenter(RENDERER, "zh")
DELTAS = (
    timedelta(minutes=45, seconds=59),
    timedelta(hours=3, minutes=12),
    timedelta(days=2, hours=4, minutes=3),
)


@pytest.mark.parametrize(
    ("style", "en", "zh"),
    [
        ("waited", ["45 min", "3 h", "2 d 4 h"], ["45 分钟", "3 小时", "2 天 4 小时"]),
        ("stat", ["45 m", "3 h 12 m", "2 d 4 h"], ["45 分钟", "3 小时 12 分钟", "2 天 4 小时"]),
        ("deadline", ["0 h", "3 h", "2 d 4 h"], ["0 小时", "3 小时", "2 天 4 小时"]),
    ],
)
def test_a_duration_is_worded_by_its_template(style: str, en: list[str], zh: list[str]) -> None:
    assert [EN.duration(d, style) for d in DELTAS] == en
    assert [ZH.duration(d, style) for d in DELTAS] == zh


def test_a_negative_duration_counts_as_none() -> None:
    assert EN.duration(-timedelta(hours=2)) == "0 min"
    assert ZH.duration(-timedelta(hours=2)) == "0 分钟"


def test_stats_show_a_dash_for_no_duration() -> None:
    assert duration(None, ZH) == "—"
    assert duration(timedelta(hours=4, minutes=10), EN) == "4 h 10 m"


def test_the_dispute_macros_word_time_left_with_the_same_template() -> None:
    template = "{% import 'seller/LANG/dispute/macros.html.j2' as m %}{{ m.left(s) }}"
    for lang, ahead, passed in (("en", "3 d 4 h left", "passed 5 h ago"),
                                ("zh", "剩余 3 天 4 小时", "已过 5 小时")):  # fmt: skip
        macro = RENDERER.env.from_string(template.replace("LANG", lang))
        assert macro.render(s={"days": 3, "hours": 4, "ahead": True}) == ahead
        assert macro.render(s={"days": 0, "hours": 5, "ahead": False}) == passed
