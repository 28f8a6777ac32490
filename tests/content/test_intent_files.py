"""Validation of intents/*.toml: every broken edit stops start-up naming file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.intents import ALLOWED_KEYS, load_intents
from bot.content.paths import shipped_dir
from bot.domain.errors import ContentError
from bot.domain.languages import BUYER_LANGUAGES

LABELS = {
    "price_drop", "order_status", "late_delivery", "not_received", "damaged_item", "wrong_item",
    "not_as_described", "missing_items", "size_exchange", "return_refund", "cancel_order",
    "change_order", "dispute_followup", "customs_fees", "product_question", "coupon_request",
    "human_agent", "greeting", "thanks", "none",
}  # fmt: skip


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "intents"
    shutil.copytree(shipped_dir("intents"), target)
    return target


def _line(path: Path, needle: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_shipped_intents_are_valid_and_complete() -> None:
    catalog = load_intents(shipped_dir("intents"), BUYER_LANGUAGES)
    assert set(catalog.intents) == LABELS
    for intent in LABELS:
        for lang in BUYER_LANGUAGES:
            assert any(
                p.intent == intent and p.lang == lang and not p.keyword and not p.negative
                for p in catalog.phrases
            ), (intent, lang)
    assert "negative" in ALLOWED_KEYS


def test_unknown_key(copy: Path) -> None:
    path = copy / "thanks.toml"
    path.write_text('synonyms = ["x"]\n' + path.read_text("utf-8"), "utf-8")
    with pytest.raises(ContentError) as err:
        load_intents(copy, BUYER_LANGUAGES)
    assert f"{path}:{_line(path, 'synonyms')}:" in str(err.value)
    assert "unknown key 'synonyms'" in str(err.value)


def test_empty_list(copy: Path) -> None:
    path = copy / "greeting.toml"
    text = path.read_text("utf-8")
    start = text.index("fr = [")
    end = text.index("]", start)
    path.write_text(text[:start] + "fr = []" + text[end + 1 :], "utf-8")
    with pytest.raises(ContentError) as err:
        load_intents(copy, BUYER_LANGUAGES)
    assert f"{path}:{_line(path, 'fr = []')}:" in str(err.value)
    assert "examples.fr must be a non-empty list" in str(err.value)


def test_same_example_under_two_intents(copy: Path) -> None:
    path = copy / "thanks.toml"
    text = path.read_text("utf-8")
    # "buenas noches" is a greeting example; put it (with other case/accents) under thanks too
    path.write_text(text.replace("es = [", 'es = [\n  "BUÉNAS NOCHES",', 1), "utf-8")
    with pytest.raises(ContentError) as err:
        load_intents(copy, BUYER_LANGUAGES)
    message = str(err.value)
    assert "BUÉNAS NOCHES" in message and "greeting.toml" in message
    assert "one intent only" in message
    assert f"{path}:{_line(path, 'BUÉNAS NOCHES')}:" in message or (
        f":{_line(path, 'buenas noches')}:" in message
    )


def test_unsupported_language(copy: Path) -> None:
    path = copy / "greeting.toml"
    path.write_text(
        path.read_text("utf-8").replace("[examples]", '[examples]\nde = ["hallo"]', 1), "utf-8"
    )
    with pytest.raises(ContentError) as err:
        load_intents(copy, BUYER_LANGUAGES)
    assert f"{path}:{_line(path, 'de = ')}:" in str(err.value)
    assert "language 'de'" in str(err.value)


def test_negative_phrases_are_validated_too(copy: Path) -> None:
    path = copy / "thanks.toml"
    path.write_text(path.read_text("utf-8") + '\n[negative]\nxx = ["thanks but no"]\n', "utf-8")
    with pytest.raises(ContentError) as err:
        load_intents(copy, BUYER_LANGUAGES)
    assert f"{path}:{_line(path, 'xx = ')}:" in str(err.value)


def test_negative_phrases_load(copy: Path) -> None:
    path = copy / "thanks.toml"
    path.write_text(
        path.read_text("utf-8") + '\n[negative]\nen = ["thanks but it arrived broken"]\n', "utf-8"
    )
    catalog = load_intents(copy, BUYER_LANGUAGES)
    negatives = [p for p in catalog.phrases if p.negative and p.intent == "thanks"]
    assert [(p.intent, p.text) for p in negatives] == [("thanks", "thanks but it arrived broken")]
    # the shipped files' own negative phrases load too (e.g. "don't cancel" under cancel_order)
    assert any(p.negative and p.intent == "cancel_order" for p in catalog.phrases)


def test_broken_toml_and_wrong_intent_id(copy: Path) -> None:
    path = copy / "thanks.toml"
    path.write_text(path.read_text("utf-8").replace('intent = "thanks"', 'intent = "thank"'))
    with pytest.raises(ContentError, match=rf"{path}:1: intent = 'thank' must equal"):
        load_intents(copy, BUYER_LANGUAGES)
    path.write_text("intent = \n", "utf-8")
    with pytest.raises(ContentError, match=str(path)):
        load_intents(copy, BUYER_LANGUAGES)
