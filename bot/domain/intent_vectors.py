"""A message's feature vectors for both halves of the intent engine, built in one pass.

The nearest-example half (:class:`~bot.domain.features.Featurizer`: stems, stem bigrams and
character 3–5-grams) and the logistic regression (:class:`~bot.domain.linear.BlockVectorizer`:
stems, stem bigrams and the words' concepts, character 2–5-grams) name their features
differently but take them from the same words. :class:`MessageVectors` numbers both models'
features in one id space (the linear model's ids after the nearest-example ones), makes each
word's character n-grams once for both models and keeps, per word, stem and stem pair, the ids
found in each model's table in bounded LRU caches: a word the bot has seen before costs one
cache hit instead of a dozen dictionary look-ups of freshly built strings. A message's ids are
then counted and weighed for both models at once, by a few numpy calls over one array.

The vectors hold the features and weights the reference code gives
(``Featurizer.vector(Featurizer.features(...))`` and ``BlockVectorizer.vector(
linear_features(...) + concept_features(...))``), with the ids in ascending order; the weights
agree to the last bit or two (the norms add the same squares in another order).
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from itertools import pairwise

import numpy as np

from bot.domain.concepts import StemTable, concepts_of
from bot.domain.features import Featurizer
from bot.domain.intent_types import FloatArray, IntArray
from bot.domain.language import WORD_CACHE
from bot.domain.linear import BlockVectorizer, char_grams

Vector = tuple[IntArray, FloatArray]  # feature ids and their weights

PAIR_CACHE = 4 * WORD_CACHE  # a message has as many stem pairs as words, and they vary more
_NO_IDS: IntArray = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS: FloatArray = np.zeros(0)


class MessageVectors:
    """Builds a message's vectors for the nearest examples and for the linear model from its
    tokens and stems (both models trained; the caches are rebuilt after unpickling);
    ``concepts``: the concept features of each language's words (:mod:`bot.domain.concepts`),
    which only the linear model has."""

    def __init__(
        self, featurizer: Featurizer, vectorizer: BlockVectorizer, concepts: StemTable | None = None
    ) -> None:
        self.featurizer = featurizer
        self.vectorizer = vectorizer
        # one id space: the nearest-example features, then the linear model's (offset)
        self._offset = len(featurizer.ids)
        # per language, the words and stems that stand for concepts the linear model knows, and
        # their ids (same shape as the concepts' table: bot.domain.concepts)
        self._concept_ids: dict[str, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}
        for lang, (exact, by_stem) in (concepts or {}).items():
            self._concept_ids[lang] = (self._known(exact), self._known(by_stem))
        self._idf: FloatArray = np.concatenate([featurizer.idf, vectorizer.idf])
        # Each vector is normalised in parts, and the parts are runs of ids: the nearest-example
        # features, then the linear model's blocks in the order of their letters ("c" before
        # "w": the vectorizer numbers its features in the order of their names).
        blocks = vectorizer.block
        edges = np.flatnonzero(np.diff(blocks)) + 1 + self._offset
        if len(blocks) and len(edges) + 1 != len(np.unique(blocks)):  # pragma: no cover
            raise ValueError("the linear model's feature blocks are not runs of ids")
        self._edges: list[int] = [self._offset, *edges.tolist()]
        self._init_caches()

    def _init_caches(self) -> None:
        # per word: the ids of its character n-grams in both models (see _word_features), and
        # per stem and stem pair the ids of its feature in both
        self._word_cache = lru_cache(maxsize=WORD_CACHE)(self._word_features)
        self._stem_cache = lru_cache(maxsize=WORD_CACHE)(self._stem_ids)
        self._pair_cache = lru_cache(maxsize=PAIR_CACHE)(self._pair_ids)

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for cache in ("_word_cache", "_stem_cache", "_pair_cache"):
            del state[cache]  # rebuilt on loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._init_caches()

    def build(
        self, tokens: list[str], stems: list[str], language: str = ""
    ) -> tuple[Vector, Vector]:
        """The message's vectors for the nearest examples and for the linear model (ids in
        ascending order), from the words' cached ids; ``language`` picks the words' concepts."""
        word_ids: list[int] = []
        unknown: list[str] = []
        stem_cache = self._stem_cache
        for stem in stems:
            found, name = stem_cache(stem)
            word_ids += found
            if name:
                unknown.append(name)
        concepts = self._concept_ids.get(language)
        if concepts:
            for token, stem in zip(tokens, stems, strict=True):
                word_ids += concepts_of(concepts, token, stem)
        pair_cache = self._pair_cache
        for first, second in pairwise(stems):
            found, name = pair_cache(first, second)
            word_ids += found
            if name:
                unknown.append(name)
        parts = [np.array(word_ids, dtype=np.int64)]
        word_cache = self._word_cache
        for token in tokens:
            ids_array, names = word_cache(token)
            parts.append(ids_array)
            if names:
                unknown += names
        every = np.concatenate(parts)
        if not len(every):
            return (_NO_IDS, _NO_WEIGHTS), (_NO_IDS, _NO_WEIGHTS)
        every.sort()
        # each id once, with its count (the term frequency)
        fresh = np.ones(len(every), dtype=bool)
        np.not_equal(every[1:], every[:-1], out=fresh[1:])
        if fresh.all():
            ids = every
            weights = self._idf[ids]
        else:
            heads = np.flatnonzero(fresh)
            ids = every[heads]
            weights = self._idf[ids]
            tf = np.empty(len(heads))
            tf[:-1] = heads[1:] - heads[:-1]
            tf[-1] = len(every) - heads[-1]
            weights *= 1.0 + np.log(tf)
        # each part's L2 norm: the nearest-example vector, then each block of the linear one
        cuts = np.searchsorted(ids, self._edges).tolist()
        start = 0
        for end in [*cuts, len(ids)]:
            part = weights[start:end]
            squares = float(part @ part)
            if not start and unknown:  # unknown features count in the nearest-example norm
                default = self.featurizer.default_idf
                for count in Counter(unknown).values():
                    weight = (1.0 + math.log(count)) * default
                    squares += weight * weight
            if squares > 0.0:
                part /= math.sqrt(squares)
            start = end
        split = cuts[0]
        return (ids[:split], weights[:split]), (ids[split:] - self._offset, weights[split:])

    def _known(self, names: dict[str, tuple[str, ...]]) -> dict[str, list[int]]:
        """The linear model's ids (offset) of each key's concept features it knows (a word
        whose concepts it knows none of keeps its key: it still stops the look-up by stem)."""
        get, offset = self.vectorizer.ids.get, self._offset
        return {
            key: [i + offset for n in features if (i := get(n)) is not None]
            for key, features in names.items()
        }

    def _ids(self, knn_name: str, lin_name: str) -> tuple[tuple[int, ...], str]:
        """The ids of a feature in both models (the linear one offset), and its name when the
        nearest-example model does not know it (it counts in the norm)."""
        knn_id = self.featurizer.ids.get(knn_name)
        lin_id = self.vectorizer.ids.get(lin_name)
        ids: tuple[int, ...] = () if knn_id is None else (knn_id,)
        if lin_id is not None:
            ids += (lin_id + self._offset,)
        return ids, knn_name if knn_id is None else ""

    def _stem_ids(self, stem: str) -> tuple[tuple[int, ...], str]:
        """A stem: ``w…`` in both models."""
        return self._ids(f"w{stem}", f"w{stem}")

    def _pair_ids(self, first: str, second: str) -> tuple[tuple[int, ...], str]:
        """A stem bigram: ``b…`` for the nearest examples, ``w…`` for the linear model."""
        return self._ids(f"b{first} {second}", f"w{first} {second}")

    def _word_features(self, token: str) -> tuple[IntArray, tuple[str, ...]]:
        """A word's character n-grams, made once for both models: the ids of the known 3–5-grams
        (the whole padded word when it is short) of the nearest-example features and of the
        known 2–5-grams of the linear model (offset), and the names of the nearest-example
        n-grams the examples never use (they count in the norm)."""
        grams = char_grams(token)  # "c" + every 2-, 3-, 4- and 5-gram of " token "
        size = len(token) + 2
        knn_get, lin_get = self.featurizer.ids.get, self.vectorizer.ids.get
        offset = self._offset
        ids: list[int] = []
        unknown: list[str] = []
        for gram in grams[size - 1 :] if size > 5 else grams[-1:]:
            idx = knn_get(gram)
            if idx is None:
                unknown.append(gram)
            else:
                ids.append(idx)
        ids.extend(idx + offset for gram in grams if (idx := lin_get(gram)) is not None)
        return np.array(ids, dtype=np.int64), tuple(unknown)
