"""``parley intents teach|learned|forget``: taught examples apply to classify and eval at
once, conflicts are reported and not applied, bad input is one clear line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PARLEY_INTENTS_DIR", raising=False)
    monkeypatch.setenv("PARLEY_DATABASE", str(tmp_path / "taught.sqlite3"))
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "parley.toml"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def classify(text: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["classify", text]) == 0
    return str(json.loads(capsys.readouterr().out)["intent"])


def test_teach_applies_at_once_to_classify_and_eval(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert classify("do u have the 40??", capsys) != "size_exchange"
    assert not (env / "taught.sqlite3").exists()  # classify never creates a database

    assert main(["intents", "teach", "do you have the 39?", "size_exchange"]) == 0
    assert "learned #1: 'do you have the 39?' → size_exchange (en)" in capsys.readouterr().out
    assert classify("do u have the 40??", capsys) == "size_exchange"

    lines = env / "check.jsonl"
    lines.write_text(json.dumps({"text": "Do you hve the 41", "intent": "size_exchange"}) + "\n")
    assert main(["eval", str(lines), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0

    assert main(["intents", "teach", "do you have the 39?", "size_exchange"]) == 0
    assert "already known #1" in capsys.readouterr().out


def test_conflicts_are_reported_and_not_applied(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = "the shoes are too big, I need a smaller size"
    assert main(["intents", "teach", shipped, "wrong_item"]) == 1
    out = capsys.readouterr().out
    assert "not learned:" in out and "shipped example of size_exchange" in out

    assert main(["intents", "teach", "do you have the 39?", "size_exchange"]) == 0
    capsys.readouterr()
    assert main(["intents", "teach", "do you have the 40", "product_question", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "taught #1 example of size_exchange" in out
    assert "parley intents forget 1" in out

    assert main(["intents", "learned"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    assert len(listed) == 1 and listed[0].startswith("#1\tsize_exchange\ten\t")


def test_learned_exports_toml_and_forget_stops_applying(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["intents", "learned"]) == 0
    assert "no taught examples" in capsys.readouterr().out
    assert main(["intents", "teach", "do you have the 39?", "size_exchange"]) == 0
    assert main(["intents", "teach", "Есть 42 размер?", "product_question", "--lang", "ru"]) == 0
    capsys.readouterr()

    assert main(["intents", "learned", "--export"]) == 0
    exported = capsys.readouterr().out
    assert "# size_exchange.toml: add to its [examples]" in exported
    chunks = exported.split("\n\n")
    parsed = [tomllib.loads(chunk) for chunk in chunks if chunk.strip()]
    assert {"examples": {"ru": ["Есть 42 размер?"]}} in parsed
    assert {"examples": {"en": ["do you have the 39?"]}} in parsed

    assert main(["intents", "forget", "1"]) == 0
    assert "forgot #1" in capsys.readouterr().out
    assert classify("do u have the 40??", capsys) != "size_exchange"
    assert main(["intents", "forget", "1"]) == 2
    assert "no taught example #1" in capsys.readouterr().err


def test_bad_teaching_is_one_clear_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["intents", "teach", "hello there", "sizes"]) == 2
    assert "unknown intent 'sizes'" in capsys.readouterr().err
    assert main(["intents", "teach", "hello there", "greeting", "--lang", "de"]) == 2
    assert "unknown language 'de'" in capsys.readouterr().err
    assert main(["intents", "teach", "🤣🤣 !!", "thanks"]) == 2
    assert "no words" in capsys.readouterr().err
