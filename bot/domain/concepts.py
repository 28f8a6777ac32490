"""Concepts: words that mean the same thing, in every buyer language.

The examples teach the engine the words their writers chose. A buyer who writes "reimburse"
or "estorno" where every example says "refund" or "reembolso" would otherwise bring a word
the model has never weighed. The concept lexicon (``intents/concepts/<lang>.toml``, written
from general knowledge of each language, not from the examples) names such groups: ``refund``
holds "refund", "reimburse", "reembolso", "estorno", "remboursement", "возврат"… A message's
words add one feature per concept they belong to (``w@refund``) to the logistic regression's
word block (:mod:`bot.domain.linear`), so what the examples teach about one word of a concept
carries over to its synonyms, in every language. Chosen on held-out writing rounds
(``intents/README.md``).

Words are matched by their Snowball stem in the message's language, like the examples'
words, so inflections match; Russian typed in Latin letters is turned into Cyrillic first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

CONCEPT_PREFIX = "w@"
"""A concept feature's name: in the word block (``w``), with a character no stem has."""

ConceptWords = Mapping[str, Mapping[str, Sequence[str]]]
"""Language → concept id → the words of that concept in that language."""

StemTable = dict[str, dict[str, tuple[str, ...]]]
"""Language → word stem → the feature names of the concepts the stem belongs to."""


def stem_table(
    words: ConceptWords,
    tokens: Callable[[str, str], list[str]],
    stems: Callable[[list[str], str], list[str]],
) -> StemTable:
    """Each language's stems and the concept features they stand for; ``tokens(word, lang)``
    normalises a word as messages are, ``stems(tokens, lang)`` stems them. A word that
    normalises to no single word, or to a one-letter stem, is left out (the loader refuses
    such words in a file)."""
    table: StemTable = {}
    for lang, concepts in words.items():
        found: dict[str, set[str]] = {}
        for concept, members in concepts.items():
            for word in members:
                parts = tokens(word, lang)
                if len(parts) != 1:
                    continue
                stem = stems(parts, lang)[0]
                if len(stem) > 1:
                    found.setdefault(stem, set()).add(CONCEPT_PREFIX + concept)
        table[lang] = {stem: tuple(sorted(names)) for stem, names in found.items()}
    return table


def concept_features(table: StemTable, stems: Sequence[str], lang: str) -> list[str]:
    """The concept features of a message's ``stems`` in ``lang`` (one per word and concept)."""
    known = table.get(lang)
    if not known:
        return []
    result: list[str] = []
    for stem in stems:
        names = known.get(stem)
        if names:
            result.extend(names)
    return result
