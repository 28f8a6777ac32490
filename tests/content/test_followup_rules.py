"""``followups.toml`` and the follow-up templates are validated at start-up, naming the file."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.content.followups import load_followup_rules, parse_duration
from bot.content.paths import shipped_dir, shipped_file
from bot.domain.errors import ContentError
from bot.domain.followups import RULES, default_rules
from bot.settings import Settings
from bot.wiring import load_content


def test_shipped_rules_are_the_documented_defaults() -> None:
    rules = load_followup_rules(shipped_file("followups.toml"))
    assert dict(rules.rules) == default_rules()
    assert rules.handling_time == timedelta(days=3) and rules.protection == timedelta(days=60)


def test_durations() -> None:
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("0") == timedelta(0)
    with pytest.raises(ValueError):
        parse_duration("3 weeks")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[thank_you]\nenabled = true\nafter = "soon"\n', r"rules\.toml:3: thank_you\.after"),
        ('[thank_you]\nafter = "1h"\n\n[thankyou]\nafter = "1h"\n', r"rules\.toml:4: unknown rule"),
        ('[shipped]\nafter = "1h"\nbefore = "2d"\n', r"rules\.toml:3: unknown key 'before'"),
        ('handling = "3d"\n', r"rules\.toml:1: unknown setting 'handling'"),
        ('[review_request]\nenabled = "yes"\n', r"rules\.toml:2: review_request\.enabled"),
        ("[thank_you\n", r"rules\.toml: .*line 1"),
    ],
)
def test_a_broken_rules_file_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ContentError, match=message):
        load_followup_rules(path)


def test_a_rule_can_be_switched_off_and_tuned(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[review_request]\nenabled = false\n[late_delivery]\nexpires = "never"\n')
    rules = load_followup_rules(path)
    assert not rules.rule("review_request").enabled
    assert rules.rule("late_delivery").expires is None
    assert rules.rule("shipped") == default_rules()["shipped"]


def test_every_rule_needs_its_template_in_every_language(tmp_path: Path) -> None:
    replies = tmp_path / "replies"
    shutil.copytree(shipped_dir("replies"), replies)
    assert sorted(p.stem.removesuffix(".html") for p in
                  (replies / "buyer/fr/followup").iterdir()) == sorted(RULES)  # fmt: skip
    (replies / "buyer/pt/followup/review_request.html.j2").unlink()
    with pytest.raises(ContentError, match=r"buyer/pt/followup/review_request\.html\.j2: "
                                           "template missing"):  # fmt: skip
        load_content(Settings(replies_dir=replies))
    (replies / "buyer/pt/followup/review_request.html.j2").write_text("Olá {{ reviewer }}")
    with pytest.raises(ContentError, match="'reviewer' is undefined"):
        load_content(Settings(replies_dir=replies))


def test_start_up_refuses_a_broken_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "followups.toml"
    path.write_text('[shipped]\nafter = "later"\n')
    with pytest.raises(ContentError, match=r"followups\.toml:2"):
        load_content(Settings(followups_file=path))
