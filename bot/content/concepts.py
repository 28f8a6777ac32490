"""Loading and validating the concept lexicon, ``intents/concepts/<lang>.toml``.

One file per buyer language; each line names a concept and lists its words in that language::

    refund = ["refund", "refunded", "reimburse", "money-back"]

What a concept is for is in :mod:`bot.domain.concepts`. A concept id is lowercase letters,
digits and ``_``; a word must read as one word once normalised like a message (so "money
back" is refused: write the distinctive word alone). A language may lack a file (its messages
then get no concept features). Anything wrong stops start-up with a :class:`ContentError`
naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.content.toml_lines import key_line
from bot.domain.errors import ContentError
from bot.domain.text import normalize

_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def load_concepts(
    directory: Path, languages: tuple[str, ...]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Language → concept id → words, from every ``*.toml`` in ``directory`` (none: empty)."""
    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.stem not in languages:
            raise ContentError(
                f"{path}: not a buyer language ({', '.join(languages)}); "
                "name a concept file after its language, e.g. en.toml"
            )
        raw = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            raise ContentError(f"{path}: {exc}") from None
        concepts: dict[str, tuple[str, ...]] = {}
        for concept, words in data.items():
            line = key_line(raw, concept)
            if not _ID.match(concept):
                raise ContentError(
                    f"{path}:{line}: concept {concept!r} must be lowercase letters, digits and _"
                )
            if not isinstance(words, list) or not words:
                raise ContentError(f"{path}:{line}: {concept} must be a non-empty list of words")
            for word in words:
                if not isinstance(word, str) or len(normalize(word).split()) != 1:
                    raise ContentError(
                        f"{path}:{line}: {word!r} in {concept} is not one word "
                        "(write the distinctive word of an expression alone)"
                    )
            concepts[concept] = tuple(words)
        result[path.stem] = concepts
    return result
