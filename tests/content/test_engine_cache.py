"""The trained intent engine kept on disk: reused for the same phrases, retrained for others,
and a damaged file costs a retraining, never a failed start."""

from __future__ import annotations

from pathlib import Path

from bot.content.engine_cache import cached_matcher, engine_key
from bot.domain.intents import Phrase

PHRASES = [
    Phrase("thanks", "en", "thank you so much"),
    Phrase("greeting", "en", "hello there"),
    Phrase("none", "en", "asdf qwerty"),
]


def test_the_same_phrases_load_the_saved_engine(tmp_path: Path) -> None:
    first = cached_matcher(PHRASES, "en", tmp_path)
    files = list(tmp_path.glob("intents-*.pickle"))
    assert len(files) == 1
    again = cached_matcher(list(reversed(PHRASES)), "ru", tmp_path)
    assert again is not first and list(tmp_path.glob("intents-*.pickle")) == files
    assert again.default_language == "ru"  # a setting, not part of what was trained
    assert again.classify("thank you").intent == first.classify("thank you").intent == "thanks"


def test_other_phrases_or_options_train_a_new_engine(tmp_path: Path) -> None:
    other = [*PHRASES, Phrase("thanks", "en", "cheers mate")]
    assert engine_key(PHRASES, {}) != engine_key(other, {})
    assert engine_key(PHRASES, {}) != engine_key(PHRASES, {"strength": 1.0})
    concepts = {"en": {"thanks": ("thanks", "cheers")}}
    assert engine_key(PHRASES, {}) != engine_key(PHRASES, {}, concepts)
    assert engine_key(PHRASES, {}, concepts) != engine_key(
        PHRASES, {}, {"en": {"thanks": ("thanks", "ta")}}
    )
    cached_matcher(PHRASES, "en", tmp_path)
    cached_matcher(other, "en", tmp_path)
    assert len(list(tmp_path.glob("intents-*.pickle"))) == 2


def test_a_damaged_cache_file_is_replaced(tmp_path: Path) -> None:
    cached_matcher(PHRASES, "en", tmp_path)
    (saved,) = tmp_path.glob("intents-*.pickle")
    saved.write_bytes(b"not a pickle")
    assert cached_matcher(PHRASES, "en", tmp_path).classify("hello there").intent == "greeting"
    assert saved.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_folder_only_costs_the_saving(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    matcher = cached_matcher(PHRASES, "en", blocked / "cache")
    assert matcher.classify("thank you so much").intent == "thanks"
