"""The discriminative half of the intent engine: a multinomial logistic regression.

It learns which words, word pairs and character patterns tell the intents apart (where the
nearest-example half only measures likeness), so it carries over to wordings nobody wrote as
an example. Features come in two blocks, each with sublinear TF-IDF weights and L2-normalised
on its own (so long messages' many character n-grams do not drown their few words):

* ``w`` — stems, stem bigrams and the concepts the words belong to (:mod:`bot.domain.concepts`);
* ``c`` — character 2–5-grams of each normalised word, padded with spaces (typos, inflections).

Training uses scikit-learn (imported only when a model is trained; a trained engine is cached
on disk by :mod:`bot.content.engine_cache`, so a normal start-up never imports it). Scoring is
plain numpy: a sum over the message's feature rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BLOCKS = ("w", "c")


def linear_features(tokens: Sequence[str], stems: Sequence[str]) -> list[str]:
    """Feature names: ``w``-block stems and stem bigrams, ``c``-block character n-grams."""
    feats = [f"w{s}" for s in stems]
    feats.extend(f"w{a} {b}" for a, b in pairwise(stems))
    for token in tokens:
        feats.extend(_char_grams(token))
    return feats


def char_grams(token: str) -> tuple[str, ...]:
    """The ``c``-block features of one word: its 2-, 3-, 4- then 5-grams, padded with spaces."""
    padded = f" {token} "
    return tuple(f"c{padded[i : i + n]}" for n in (2, 3, 4, 5) for i in range(len(padded) - n + 1))


_char_grams = lru_cache(maxsize=65536)(char_grams)  # training sees the same words many times


class BlockVectorizer:
    """Feature names → (ids, weights): sublinear TF × smoothed IDF, L2-normalised per block."""

    def __init__(self, documents: Sequence[list[str]]) -> None:
        df: Counter[str] = Counter()
        for feats in documents:
            df.update(set(feats))
        names = sorted(df)
        self.ids = {name: i for i, name in enumerate(names)}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in names])
        self.block = np.array([BLOCKS.index(f[0]) for f in names], dtype=np.int64)

    def vector(self, feats: list[str]) -> tuple[IntArray, FloatArray]:
        """Known feature ids and weights (features never seen in training are dropped)."""
        counts = Counter(feats)
        get = self.ids.get
        return self.weigh({i: tf for f, tf in counts.items() if (i := get(f)) is not None})

    def weigh(self, counts: dict[int, int]) -> tuple[IntArray, FloatArray]:
        """:meth:`vector` from the counts of the known feature ids, in order of first
        occurrence (the order fixes how the sums round)."""
        n = len(counts)
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        ids = np.fromiter(counts, dtype=np.int64, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        weights = (1.0 + np.log(tf)) * self.idf[ids]
        blocks = self.block[ids]
        norms = np.sqrt(np.bincount(blocks, weights=weights * weights, minlength=len(BLOCKS)))
        norms[norms == 0] = 1.0
        result: FloatArray = weights / norms[blocks]
        return ids, result


class LinearModel:
    """Per-intent weights over the vectorizer's features; ``logits`` scores one message."""

    def __init__(self, coef: FloatArray, intercept: FloatArray) -> None:
        self.coef = coef.astype(np.float32)  # (features, intents): half the memory of float64
        self.intercept = intercept

    def logits(self, ids: IntArray, weights: FloatArray) -> FloatArray:
        """Unnormalised log-odds per intent (the intercept alone for an empty vector)."""
        if len(ids) == 0:
            return self.intercept.copy()
        result: FloatArray = weights @ self.coef[ids] + self.intercept
        return result

    @classmethod
    def train(
        cls,
        vectors: Sequence[tuple[IntArray, FloatArray]],
        labels: Sequence[int],
        n_features: int,
        n_classes: int,
        strength: float,
    ) -> LinearModel:
        """Fit an L2-regularised multinomial logistic regression (``strength`` is sklearn's C).

        Intents without an example get a very low intercept, so they are never predicted.
        """
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        lengths = [len(ids) for ids, _ in vectors]
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate([ids for ids, _ in vectors]) if vectors else np.zeros(0)
        data = np.concatenate([w for _, w in vectors]) if vectors else np.zeros(0)
        matrix = csr_matrix((data, indices, indptr), shape=(len(vectors), n_features))
        coef = np.zeros((n_features, n_classes))
        intercept = np.full(n_classes, -30.0)
        present = sorted(set(labels))
        if len(present) < 2:  # nothing to tell apart: the one intent always wins
            intercept[present] = 0.0
            return cls(coef, intercept)
        model = LogisticRegression(C=strength, max_iter=1000, tol=1e-4, random_state=0)
        model.fit(matrix, np.asarray(labels))
        classes = [int(c) for c in model.classes_]
        if len(classes) == 2:  # sklearn keeps one weight vector for two classes
            coef[:, classes[1]] = model.coef_[0]
            intercept[classes[1]] = model.intercept_[0]
            intercept[classes[0]] = 0.0
        else:
            coef[:, classes] = model.coef_.T
            intercept[classes] = model.intercept_
        return cls(coef, intercept)
