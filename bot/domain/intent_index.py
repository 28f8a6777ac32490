"""The nearest-example half of the intent engine: an inverted index over the example phrases.

Each example phrase is a TF-IDF vector (:class:`~bot.domain.features.Featurizer`, L2-normalised),
so the dot product with a message's vector is their cosine similarity. The index keeps, per
feature, the examples that have it and their weights (posting lists, sorted by feature), so a
message only touches the examples that share a feature with it: well under a millisecond for
thousands of examples. The postings' weights and the similarities are 32-bit floats (half the
memory a message reads; the decisions and rounded confidences are those of 64 bits on every
line of the dev, outside-writer and locked sets). scipy's compiled sparse-matrix product adds
the postings up in one pass, reading them where they lie, when scipy is installed; numpy does
the same sums in the same order otherwise (bit for bit the same result).

An intent's score is the mean of its ``top_k`` most similar examples; examples in another
language than the message's count a little less (``foreign_factor``), and an intent whose
negative phrase is closer to the message than its best example loses some of its score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.domain.intent_types import FloatArray, IntArray
from bot.domain.text import LANGUAGES


def sparse_kernels() -> Any:
    """scipy's compiled sparse-matrix loops, or None without scipy (numpy then does the same
    sums, slower). Imported with the first engine, not with this module: importing
    scipy.sparse costs a process about 0.15 s and 15 MB."""
    try:  # scipy comes with scikit-learn
        from scipy.sparse import _sparsetools
    except ImportError:  # pragma: no cover
        return None
    return _sparsetools


class ExampleIndex:
    """Similarities of a message to every example phrase, and the intent scores they give.

    ``vectors`` are the examples' (feature ids, weights), positive examples first, then the
    negative ones (``n_positive`` tells them apart); ``intents`` and ``languages`` give each
    example's intent id and its language's index in :data:`~bot.domain.text.LANGUAGES`.
    """

    def __init__(
        self,
        vectors: Sequence[tuple[IntArray, FloatArray]],
        n_features: int,
        intents: Sequence[int],
        languages: Sequence[int],
        n_positive: int,
        n_intents: int,
    ) -> None:
        self.size = len(vectors)
        self.n_intents = n_intents
        self._ex_intent = np.array(intents, dtype=np.int64)
        self._ex_lang = np.array(languages, dtype=np.int64)
        self._n_positive = n_positive
        self._neg_intent: list[int] = self._ex_intent[n_positive:].tolist()
        rows = np.concatenate([np.full(len(ids), i) for i, (ids, _) in enumerate(vectors)])
        cols = np.concatenate([ids for ids, _ in vectors])
        vals = np.concatenate([w for _, w in vectors])
        order = np.argsort(cols, kind="stable")
        # 32-bit positions: half the memory to read per message (and what scipy's kernels take)
        self._post_rows = rows[order].astype(np.int32)
        self._post_vals = vals[order].astype(np.float32)
        ptr = np.searchsorted(cols[order], np.arange(n_features + 1)).astype(np.int32)
        # per feature, where its postings start and end: a message's rows of this table (its
        # features in descending order) are the column pointers similarities() hands scipy
        self._bounds = np.stack([ptr[:-1], ptr[1:]], axis=1)
        self._init_caches()

    def _init_caches(self) -> None:
        # per (language, foreign_factor): what each example's similarity is multiplied by
        self._lang_factors: dict[tuple[int, float], FloatArray] = {}
        self._kernels = sparse_kernels()

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for cache in ("_lang_factors", "_kernels"):
            del state[cache]  # rebuilt on loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._init_caches()

    def similarities(
        self, ids: IntArray, weights: FloatArray, language: str, foreign_factor: float
    ) -> FloatArray:
        """Cosine similarity of the message vector (``ids`` in ascending order, ``weights``)
        to every example, times ``foreign_factor`` for the examples in another language than
        ``language``."""
        n = self.size
        k = len(ids)
        if k == 0:
            return np.zeros(n, dtype=np.float32)
        # the features from the last to the first: (start, end) of each feature's postings,
        # every start no later than the previous feature's end
        bounds = self._bounds[ids[::-1]]
        sims: FloatArray
        kernels = self._kernels
        if kernels is not None:
            # One pass of scipy's CSC product straight over the postings, no copy: column 2j
            # is feature j's postings (start, end), times its weight; column 2j + 1 runs from
            # feature j's end back to feature j + 1's start, so it is empty. Every example
            # adds its products feature by feature, in the order the numpy code below does.
            column_weights = np.zeros(2 * k - 1, dtype=np.float32)
            column_weights[0::2] = weights[::-1]
            sims = np.zeros(n, dtype=np.float32)
            kernels.csc_matvec(
                n, 2 * k - 1, bounds.ravel(), self._post_rows, self._post_vals,
                column_weights, sims,
            )  # fmt: skip
        else:
            starts = bounds[:, 0].astype(np.int64)
            lengths = bounds[:, 1] - starts
            total = int(lengths.sum())
            # all postings of the message's features in one go: posting j of feature f sits
            # at its start + j and lands at (where f's run begins) + j of the gathered run
            begins = np.zeros(k, dtype=np.int64)
            np.cumsum(lengths[:-1], out=begins[1:])
            offsets = np.repeat(starts - begins, lengths)
            offsets += np.arange(total)
            contributions = self._post_vals[offsets]
            contributions *= np.repeat(weights[::-1].astype(np.float32), lengths)
            sims = np.zeros(n, dtype=np.float32)
            # float32 sums in the order scipy adds them (np.add.at adds one by one, in order)
            np.add.at(sims, self._post_rows[offsets], contributions)
        key = (LANGUAGES.index(language), foreign_factor)
        factor = self._lang_factors.get(key)
        if factor is None:  # 1 for the message's language, foreign_factor for the others
            factor = np.where(self._ex_lang == key[0], 1.0, foreign_factor).astype(np.float32)
            self._lang_factors[key] = factor
        sims *= factor
        return sims

    def intent_scores(
        self, all_sims: FloatArray, top_k: int, negative_weight: float
    ) -> tuple[FloatArray, IntArray]:
        """Per intent: mean of its ``top_k`` best example similarities, and its best example
        (-1 for none).

        An intent whose negative phrase is closer to the message than its best example loses
        ``negative_weight`` times the difference.
        """
        k = self.n_intents
        sims = all_sims[: self._n_positive]
        m = min(len(sims), 40 * top_k)
        candidates = np.argpartition(-sims, m - 1)[:m] if m < len(sims) else np.arange(len(sims))
        values = sims[candidates]
        ranked = np.argsort(-values, kind="stable")  # best first, ties in candidate order
        if not m or values[ranked[0]] == 0.0:  # no example shares a feature with the message
            return np.zeros(k), np.full(k, -1, dtype=np.int64)
        members = candidates[ranked]
        # a few dozen numbers from here on: plain Python beats numpy's per-call cost. Each
        # intent sums its top_k best in that order (the order fixes how the sum rounds).
        totals = [0.0] * k
        firsts = [-1] * k  # each intent's best example
        tops = [0.0] * k  # and its similarity
        counts = [0] * k
        for member, value, intent in zip(
            members.tolist(),
            values[ranked].tolist(),
            self._ex_intent[members].tolist(),
            strict=True,
        ):
            count = counts[intent]
            if count < top_k:
                if not count:
                    firsts[intent], tops[intent] = member, value
                counts[intent] = count + 1
                totals[intent] += value
        totals = [total / top_k for total in totals]
        if len(all_sims) > self._n_positive:
            negative = [0.0] * k
            negatives = all_sims[self._n_positive :].tolist()
            for intent, sim in zip(self._neg_intent, negatives, strict=True):
                if sim > negative[intent]:
                    negative[intent] = sim
            for intent in range(k):
                excess = negative[intent] - tops[intent]
                totals[intent] -= negative_weight * (excess if excess > 0.0 else 0.0)
        return np.array(totals), np.array(firsts, dtype=np.int64)
