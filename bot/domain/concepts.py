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

A message's word matches a lexicon word of its language as written (folded like every word:
no case, no accents), or by Snowball stem when the stem is long enough not to collide with
other words (:data:`MIN_STEM`), so most inflections match; Russian typed in Latin letters is
turned into Cyrillic first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

CONCEPT_PREFIX = "w@"
"""A concept feature's name: in the word block (``w``), with a character no stem has."""

ConceptWords = Mapping[str, Mapping[str, Sequence[str]]]
"""Language → concept id → the words of that concept in that language."""

MIN_STEM = 5
"""A word of a message matches a lexicon word by stem only when the stem has at least this many
letters: short stems collide ("com" is the stem of Portuguese "com" and of "comer", "tall" of
Spanish "talla" and "taller"). Shorter ones match the word as written (folded)."""

LanguageTable = tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]
"""(folded word → concept features, stem of ``MIN_STEM``+ letters → concept features)."""

StemTable = dict[str, LanguageTable]
"""Language → its :data:`LanguageTable`."""


def stem_table(
    words: ConceptWords,
    tokens: Callable[[str, str], list[str]],
    stems: Callable[[list[str], str], list[str]],
) -> StemTable:
    """Each language's words and stems and the concept features they stand for;
    ``tokens(word, lang)`` normalises a word as messages are, ``stems(tokens, lang)`` stems
    them. A word that normalises to no single word is left out (the loader refuses such words
    in a file)."""
    table: StemTable = {}
    for lang, concepts in words.items():
        exact: dict[str, set[str]] = {}
        by_stem: dict[str, set[str]] = {}
        for concept, members in concepts.items():
            name = CONCEPT_PREFIX + concept
            for word in members:
                parts = tokens(word, lang)
                if len(parts) != 1:
                    continue
                exact.setdefault(parts[0], set()).add(name)
                stem = stems(parts, lang)[0]
                if len(stem) >= MIN_STEM:
                    by_stem.setdefault(stem, set()).add(name)
        table[lang] = (
            {word: tuple(sorted(names)) for word, names in exact.items()},
            {stem: tuple(sorted(names)) for stem, names in by_stem.items()},
        )
    return table


def concepts_of(
    table: tuple[Mapping[str, Sequence[T]], Mapping[str, Sequence[T]]], token: str, stem: str
) -> Sequence[T]:
    """What one word of a message stands for in a language's (exact, by-stem) table: its
    folded form's entry, else its stem's when the stem has :data:`MIN_STEM` letters. The
    entries are concept features here and their feature ids in
    :class:`~bot.domain.intent_vectors.MessageVectors`; an entry the word has, even an empty
    one, stops the look-up by stem."""
    exact, by_stem = table
    found = exact.get(token)
    if found is None and len(stem) >= MIN_STEM:
        found = by_stem.get(stem)
    return found or ()


def concept_features(
    table: StemTable, tokens: Sequence[str], stems: Sequence[str], lang: str
) -> list[str]:
    """The concept features of a message's words in ``lang`` (one per word and concept)."""
    known = table.get(lang)
    if not known:
        return []
    result: list[str] = []
    for token, stem in zip(tokens, stems, strict=True):
        result.extend(concepts_of(known, token, stem))
    return result
