"""Telling en, es, pt, fr and Russian (Cyrillic or typed in Latin letters) apart."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from bot.domain.text import (
    LANGUAGES,
    STOPWORDS,
    cyrillic_to_latin,
    is_cyrillic,
    normalize,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

WORD_CACHE = 4096  # words whose n-gram lookups are kept (a bounded LRU per model)


class LanguageDetector:
    """Naive Bayes over character trigrams and words, trained on in-domain phrases.

    Classes are the five languages plus ``ru_latn`` (Russian typed in Latin letters).
    """

    CLASSES: tuple[str, ...] = ("en", "es", "pt", "fr", "ru_latn")

    def __init__(self, samples: Iterable[tuple[str, str]], alpha: float = 0.5) -> None:
        counts: dict[str, Counter[str]] = {c: Counter() for c in self.CLASSES}
        for lang, text in samples:
            if lang == "ru":
                latin = text if not is_cyrillic(text) else cyrillic_to_latin(normalize(text))
                counts["ru_latn"].update(self._grams(latin))
            elif lang in counts:
                counts[lang].update(self._grams(text))
        for lang, stop in STOPWORDS.items():
            for word in stop:
                counts[lang].update(self._grams(word))
        vocab = sorted(set().union(*counts.values()))
        self._index = {g: i for i, g in enumerate(vocab)}
        table = np.zeros((len(vocab) + 1, len(self.CLASSES)))
        for j, lang in enumerate(self.CLASSES):
            total = sum(counts[lang].values()) + alpha * (len(vocab) + 1)
            for gram, n in counts[lang].items():
                table[self._index[gram], j] = math.log((n + alpha) / total)
            table[:, j][table[:, j] == 0] = math.log(alpha / total)
            table[len(vocab), j] = math.log(alpha / total)
        self._table = table
        self._unknown = len(vocab)
        # the rows of the words last seen: a word's trigrams are looked up once, not per message
        self._word_rows = lru_cache(maxsize=WORD_CACHE)(self._rows)

    @staticmethod
    def _grams(text: str, tokens: list[str] | None = None) -> list[str]:
        if tokens is None:
            tokens = normalize(text).split()
        grams: list[str] = [f"w:{t}" for t in tokens]
        for token in tokens:
            padded = f" {token} "
            grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
        return grams

    def scores(self, text: str, tokens: list[str] | None = None) -> dict[str, float]:
        """Log-likelihood per class (higher is likelier); ``tokens`` are its normalised words."""
        if tokens is None:
            tokens = normalize(text).split()
        if not tokens:
            return dict.fromkeys(self.CLASSES, 0.0)
        # the rows of :meth:`_grams` (all words, then each word's trigrams), word by word
        words = [self._word_rows(t) for t in tokens]
        rows = [word for word, _ in words]
        for _, trigrams in words:
            rows.extend(trigrams)
        totals = self._table[rows].sum(axis=0).tolist()
        return dict(zip(self.CLASSES, totals, strict=True))

    def _rows(self, token: str) -> tuple[int, tuple[int, ...]]:
        """Table rows of a word and of its trigrams (kept per word: see ``__init__``)."""
        get, unknown = self._index.get, self._unknown
        padded = f" {token} "
        trigrams = tuple(get(padded[i : i + 3], unknown) for i in range(len(padded) - 2))
        return get(f"w:{token}", unknown), trigrams

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_word_rows"]  # a cache, rebuilt on loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._word_rows = lru_cache(maxsize=WORD_CACHE)(self._rows)

    def detect(
        self, text: str, hint: str | None, default: str, tokens: list[str] | None = None
    ) -> tuple[str, bool]:
        """(language, typed_in_latin): the language of ``text``; ``hint`` is a soft prior.

        ``tokens`` (the normalised words of ``text``) may be passed to save recomputing them.
        """
        if is_cyrillic(text):
            return "ru", False
        if tokens is None:
            tokens = normalize(text).split()
        if not tokens:
            return (hint if hint in LANGUAGES else default), False
        scores = self.scores(text, tokens)
        prior = "ru_latn" if hint == "ru" else hint
        if prior in scores:
            # the shorter the message, the more the chat's language setting counts
            scores[prior] += max(2.0, 8.0 / len(tokens))
        best = max(scores, key=lambda lang: scores[lang])
        if best == "ru_latn":
            return "ru", True
        return best, False
