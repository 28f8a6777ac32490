"""Loading and validating ``intents/*.toml`` (one file per intent).

A file holds ``intent`` (its id, equal to the file name), ``description``, ``examples``
(language → phrases), optional ``keywords`` (language → short cue phrases that add to the
intent's score) and optional ``negative`` (language → phrases that look like this intent but
are not; a message close to one counts against the intent). Anything wrong stops start-up with
a :class:`ContentError` naming the file and line.

The concept lexicon (:mod:`bot.content.concepts`) comes from the folder's ``concepts/``
subfolder, or from the shipped one when the folder has none: it describes the languages, not
the shop, so a seller's own intents folder needs no copy of it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.concepts import load_concepts
from bot.content.paths import shipped_dir
from bot.domain.errors import ContentError
from bot.domain.intents import Phrase
from bot.domain.text import normalize

ALLOWED_KEYS = {"intent", "description", "examples", "keywords", "negative"}
_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class IntentCatalog:
    """Every intent's phrases, validated."""

    intents: dict[str, str]  # id → description
    phrases: tuple[Phrase, ...]
    # language → concept id → words (bot.domain.concepts)
    concepts: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


def _line_of(raw: str, needle: str, after: int = 0) -> int:
    """1-based number of the first line (after line ``after``) containing ``needle``."""
    for number, line in enumerate(raw.splitlines(), start=1):
        if number > after and needle in line:
            return number
    return after or 1


def _table_line(raw: str, key: str) -> int:
    """Line of the ``[key]`` header (or ``key =`` inline table), 0 if absent."""
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if (
            stripped == f"[{key}]"
            or stripped.startswith(f"{key} =")
            or stripped.startswith(f"{key}=")
        ):
            return number
    return 0


def _phrase_lists(
    path: Path, raw: str, data: object, key: str, languages: tuple[str, ...]
) -> dict[str, list[str]]:
    header = _table_line(raw, key)
    if not isinstance(data, dict):
        raise ContentError(f"{path}:{header or 1}: [{key}] must be a table of languages")
    result: dict[str, list[str]] = {}
    for lang, items in data.items():
        line = _line_of(raw, f"{lang} =", header)
        if line == (header or 1):
            line = _line_of(raw, lang, header)
        if lang not in languages:
            raise ContentError(
                f"{path}:{line}: language {lang!r} in [{key}] is not supported "
                f"({', '.join(languages)})"
            )
        if not isinstance(items, list) or not items:
            raise ContentError(f"{path}:{line}: {key}.{lang} must be a non-empty list")
        for item in items:
            if not isinstance(item, str) or not normalize(item):
                raise ContentError(
                    f"{path}:{_line_of(raw, repr(item)[1:-1], header)}: {key}.{lang} has an "
                    "empty or "
                    f"non-text entry {item!r}"
                )
        result[lang] = items
    return result


def load_intents(directory: Path, languages: tuple[str, ...]) -> IntentCatalog:
    """Read and validate every ``*.toml`` in ``directory``."""
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ContentError(f"{directory}: no intent files (*.toml)")
    descriptions: dict[str, str] = {}
    phrases: list[Phrase] = []
    seen: dict[tuple[str, str], tuple[Path, str]] = {}
    for path in files:
        raw = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ContentError(f"{path}: {exc}") from None
        unknown = sorted(set(data) - ALLOWED_KEYS)
        if unknown:
            raise ContentError(f"{path}:{_line_of(raw, unknown[0])}: unknown key {unknown[0]!r}")
        intent = data.get("intent")
        if intent != path.stem or not _ID.match(path.stem):
            raise ContentError(
                f"{path}:{_line_of(raw, 'intent')}: intent = {intent!r} must equal the file "
                f"name {path.stem!r} (lowercase letters, digits, _)"
            )
        examples = _phrase_lists(path, raw, data.get("examples"), "examples", languages)
        keywords = _phrase_lists(path, raw, data.get("keywords", {}), "keywords", languages)
        negative = _phrase_lists(path, raw, data.get("negative", {}), "negative", languages)
        missing = [lang for lang in languages if lang not in examples]
        if missing:
            raise ContentError(f"{path}: no examples for language(s) {', '.join(missing)}")
        descriptions[intent] = str(data.get("description", ""))
        for kind, table in (("example", examples), ("keyword", keywords)):
            for lang, items in table.items():
                for text in items:
                    key = (lang, normalize(text))
                    if key in seen and seen[key][0] != path:
                        other, other_text = seen[key]
                        raise ContentError(
                            f"{path}:{_line_of(raw, text)}: {text!r} is also in {other} "
                            f"({other_text!r}); an example may belong to one intent only"
                        )
                    seen[key] = (path, text)
                    phrases.append(Phrase(intent, lang, text, keyword=kind == "keyword"))
        for lang, items in negative.items():
            for text in items:
                if (lang, normalize(text)) in seen and seen[(lang, normalize(text))][0] == path:
                    raise ContentError(
                        f"{path}:{_line_of(raw, text)}: {text!r} is both an example or keyword "
                        "and a negative phrase of this intent"
                    )
                phrases.append(Phrase(intent, lang, text, negative=True))
    own = directory / "concepts"
    concepts = load_concepts(
        own if own.is_dir() else shipped_dir("intents") / "concepts", languages
    )
    return IntentCatalog(descriptions, tuple(phrases), concepts)
