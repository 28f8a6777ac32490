"""A message's feature vectors for both halves of the intent engine, built in one pass.

The nearest-example half (:class:`~bot.domain.features.Featurizer`: stems, stem bigrams and
character 3–5-grams) and the logistic regression (:class:`~bot.domain.linear.BlockVectorizer`:
stems and stem bigrams, character 2–5-grams) name their features differently but take them
from the same words. :class:`MessageVectors` makes each word's character n-grams once for both
models and keeps, per word, stem and stem pair, the feature ids found in each model's table in
bounded LRU caches: a word the bot has seen before costs a cache hit instead of a dozen
dictionary look-ups of freshly built strings. The vectors are those the reference code gives
(``Featurizer.vector(Featurizer.features(...))`` and ``BlockVectorizer.vector(
linear_features(...))``), feature for feature and in the same order, so bit for bit.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from itertools import pairwise

from bot.domain.features import Featurizer
from bot.domain.intent_types import FloatArray, IntArray
from bot.domain.language import WORD_CACHE
from bot.domain.linear import BlockVectorizer, char_grams

Vector = tuple[IntArray, FloatArray]  # feature ids and their weights


class MessageVectors:
    """Builds a message's vectors for the nearest examples and for the linear model from its
    tokens and stems (both models trained; the caches are rebuilt after unpickling)."""

    def __init__(self, featurizer: Featurizer, vectorizer: BlockVectorizer) -> None:
        self.featurizer = featurizer
        self.vectorizer = vectorizer
        self._init_caches()

    def _init_caches(self) -> None:
        # per word: the ids of its character n-grams in both models (see _word_features), and
        # of its stem and stem bigrams: each looked up in the big tables once, not per message
        self._word_cache = lru_cache(maxsize=WORD_CACHE)(self._word_features)
        self._stem_cache = lru_cache(maxsize=WORD_CACHE)(self._stem_ids)
        self._pair_cache = lru_cache(maxsize=WORD_CACHE)(self._pair_ids)

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for cache in ("_word_cache", "_stem_cache", "_pair_cache"):
            del state[cache]  # rebuilt on loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._init_caches()

    def build(self, tokens: list[str], stems: list[str]) -> tuple[Vector, Vector]:
        """The message's vectors for the nearest examples and for the linear model, from the
        words' cached n-gram ids instead of feature names looked up one by one."""
        knn: list[int] = []
        unknown: list[str] = []
        lin: list[int] = []
        # stems, then stem bigrams (word features), then each word's character n-grams
        stem_cache = self._stem_cache
        for stem in stems:
            knn_id, lin_id = stem_cache(stem)
            if knn_id is None:
                unknown.append(f"w{stem}")
            else:
                knn.append(knn_id)
            if lin_id is not None:
                lin.append(lin_id)
        pair_cache = self._pair_cache
        for first, second in pairwise(stems):
            knn_id, lin_id = pair_cache(first, second)
            if knn_id is None:
                unknown.append(f"b{first} {second}")
            else:
                knn.append(knn_id)
            if lin_id is not None:
                lin.append(lin_id)
        word_cache = self._word_cache
        for token in tokens:
            knn_ids, knn_unknown, lin_ids = word_cache(token)
            knn += knn_ids
            if knn_unknown:
                unknown += knn_unknown
            lin += lin_ids
        return (
            self.featurizer.weigh(Counter(knn), Counter(unknown) if unknown else {}),
            self.vectorizer.weigh(Counter(lin)),
        )

    def _stem_ids(self, stem: str) -> tuple[int | None, int | None]:
        """The ids of a stem's feature in both models (None: a stem the examples never use)."""
        name = f"w{stem}"
        return self.featurizer.ids.get(name), self.vectorizer.ids.get(name)

    def _pair_ids(self, first: str, second: str) -> tuple[int | None, int | None]:
        """The ids of a stem bigram's feature in both models (``b…`` and ``w…`` features)."""
        return (
            self.featurizer.ids.get(f"b{first} {second}"),
            self.vectorizer.ids.get(f"w{first} {second}"),
        )

    def _word_features(
        self, token: str
    ) -> tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]]:
        """A word's character n-grams, made once for both models: the ids of the known 3–5-grams
        (the whole padded word when it is short) of the nearest-example features and the names of
        the unknown ones (they count in the norm), and the ids of the known 2–5-grams of the
        linear model, each in the order the feature lists give them."""
        grams = char_grams(token)  # "c" + every 2-, 3-, 4- and 5-gram of " token "
        size = len(token) + 2
        knn_get, lin_get = self.featurizer.ids.get, self.vectorizer.ids.get
        knn: list[int] = []
        unknown: list[str] = []
        for gram in grams[size - 1 :] if size > 5 else grams[-1:]:
            idx = knn_get(gram)
            if idx is None:
                unknown.append(gram)
            else:
                knn.append(idx)
        lin = tuple(idx for gram in grams if (idx := lin_get(gram)) is not None)
        return tuple(knn), tuple(unknown), lin
