"""Turning a phrase into weighted features: stems, stem bigrams and character n-grams."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from bot.domain.text import (
    is_cyrillic,
    latin_to_cyrillic,
    normalize,
    stem_words,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Featurizer:
    """Turns text into sparse TF-IDF feature vectors (ids and weights)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.idf: FloatArray = np.zeros(0)
        self.default_idf = 1.0
        self._frozen = False

    def tokens(
        self, text: str, lang: str, latin_russian: bool, words: list[str] | None = None
    ) -> list[str]:
        """Normalised words (``words`` if given), Latin-typed Russian turned into Cyrillic."""
        tokens = normalize(text).split() if words is None else words
        if lang == "ru" and (latin_russian or not is_cyrillic(text)):
            tokens = [
                latin_to_cyrillic(t) if t.isascii() and not t.startswith("qq") else t
                for t in tokens
            ]
        return tokens

    def raw_features(self, text: str, lang: str, latin_russian: bool = False) -> list[str]:
        """Feature names of ``text``: stems, stem bigrams and character n-grams."""
        tokens = self.tokens(text, lang, latin_russian)
        return self.features(tokens, stem_words(tokens, lang))

    @staticmethod
    def features(tokens: list[str], stems: list[str]) -> list[str]:
        """Feature names from a message's tokens and their stems."""
        feats = [f"w{s}" for s in stems]
        feats.extend(f"b{a} {b}" for a, b in pairwise(stems))
        for token in tokens:
            feats.extend(_char_grams(token))
        return feats

    def fit(self, documents: Sequence[list[str]]) -> None:
        """Learn the feature ids and inverse document frequencies."""
        df: Counter[str] = Counter()
        for feats in documents:
            df.update(set(feats))
        self.ids = {f: i for i, f in enumerate(sorted(df))}
        n = len(documents)
        self.idf = np.array(
            [
                (math.log((1 + n) / (1 + df[f])) + 1.0) * (_CHAR_WEIGHT if f[0] == "c" else 1.0)
                for f in sorted(df)
            ]
        )
        self.default_idf = (math.log(1 + n) + 1.0) * _CHAR_WEIGHT
        self._frozen = True

    def vector(self, feats: list[str]) -> tuple[IntArray, FloatArray]:
        """Known feature ids and their L2-normalised weights (unknown ones count in the norm)."""
        counts = Counter(feats)
        get = self.ids.get
        known: dict[int, int] = {}
        unknown: dict[str, int] = {}
        for feat, tf in counts.items():
            idx = get(feat)
            if idx is None:
                unknown[feat] = tf
            else:
                known[idx] = tf
        return self.weigh(known, unknown)

    def weigh(self, known: dict[int, int], unknown: dict[str, int]) -> tuple[IntArray, FloatArray]:
        """:meth:`vector` from the counts of the known feature ids and of the unknown names,
        each in order of first occurrence (the order fixes how the sums round)."""
        unknown2 = 0.0
        for count in unknown.values():
            weight = (1.0 + math.log(count)) * self.default_idf
            unknown2 += weight * weight
        n = len(known)
        ids = np.fromiter(known, dtype=np.int64, count=n)
        tf = np.fromiter(known.values(), dtype=np.float64, count=n)
        weights = (1.0 + np.log(tf)) * self.idf[ids]
        norm = math.sqrt(float(weights @ weights) + unknown2) or 1.0
        result: FloatArray = weights / norm
        return ids, result


_CHAR_WEIGHT = 1.0


@lru_cache(maxsize=65536)
def _char_grams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    if len(padded) <= 5:
        return (f"c{padded}",)
    return tuple(f"c{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1))
