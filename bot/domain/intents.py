"""Intent matching: explainable nearest-example scoring over normalised, stemmed text.

How a message is classified (all tables are built once, when the matcher is created):

1. **Entities** — order/tracking numbers, amounts, sizes and dates are found
   (:mod:`bot.domain.entities`) and replaced by placeholder words in the text that is matched.
2. **Language** — Cyrillic means Russian; otherwise a small naive-Bayes model over character
   trigrams and words, trained on the example phrases themselves (plus common function words),
   tells English, Spanish, Portuguese, French and Russian typed in Latin letters apart.
   Telegram's ``language_code`` is only a prior. Latin-typed Russian is mapped to Cyrillic.
3. **Features** — folded words (no case, accents, stutter, digits, emoji), their Snowball stems,
   stem bigrams and character 3–5-grams (which absorb typos and inflections), TF-IDF weighted.
   A word's character n-grams are made once for both models (these 3–5-grams and the linear
   model's 2–5-grams) and their feature ids kept in a bounded per-word cache.
4. **Nearest examples** — cosine similarity to every example phrase (an inverted index, so a
   message costs well under a millisecond); an intent's score is the mean of its best three
   examples, examples in another language than the message's counting a little less.
   A greeting-like intent only counts when the message is mostly made of its words.
5. **Re-ranking** — an averaged perceptron trained on the same examples at start-up (a fraction
   of a second) adds a small share of belief per intent; a seller's keywords found in the
   message (as stems, so inflections match) add a bonus; ``negative`` phrases of an intent
   count against it; a message that counts the wait ("it's been 2 months", "já faz 45 dias")
   leans towards ``late_delivery``.
6. **Decision** — the best intent wins; below ``threshold`` (or with no known content word at
   all) the answer is ``none``; when the runner-up is within ``ambiguity_margin`` the result is
   flagged ``ambiguous`` so the bot can ask the buyer. The evidence names the example (and
   keywords) that decided, and :mod:`rapidfuzz` scores how closely the message's best passage
   matches that example.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from bot.domain.entities import PLACEHOLDERS, Entities, mask_entities, scan_entities
from bot.domain.features import Featurizer
from bot.domain.language import WORD_CACHE, LanguageDetector
from bot.domain.linear import BlockVectorizer, LinearModel, char_grams, linear_features
from bot.domain.text import (
    FUNCTION_WORDS,
    LANGUAGES,
    negated,
    normalize,
    stem_words,
)

_PLACEHOLDER_WORDS = frozenset(PLACEHOLDERS.values())  # entity stand-ins, not words

NONE = "none"
LATE = "late_delivery"
STATUS = "order_status"
# Time the buyer has been waiting, in our languages: "2 months", "45 días", "месяц", "a week"…
ELAPSED = re.compile(
    r"((?<!\bin )(?<!\ben )(?<!dans )(?<!через )"  # "in 3 days" is ahead, not waited
    r"\b\d+\s*(days?|weeks?|months?|d[ií]as|semanas?|mes(es)?|jours?|semaines?|mois)\b"
    r"|\b(a|one|two|three) (weeks?|months?)\b|\bun mes\b|\bum m[eê]s\b|\bun mois\b"
    r"|\b\d*\s*(дн(я|ей)|недел[юиь]|месяц(а|ев)?)\b|\bмесяц\b)",
    re.IGNORECASE,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def sparse_kernels() -> Any:
    """scipy's compiled sparse-matrix loops, or None without scipy (numpy then does the same
    sums, slower). Imported with the first engine, not with this module: importing
    scipy.sparse costs a process about 0.15 s and 15 MB."""
    try:  # scipy comes with scikit-learn
        from scipy.sparse import _sparsetools
    except ImportError:  # pragma: no cover
        return None
    return _sparsetools


@dataclass(frozen=True)
class Phrase:
    """One example phrase, keyword or negative phrase of an intent in one language."""

    intent: str
    lang: str
    text: str
    keyword: bool = False
    negative: bool = False


@dataclass(frozen=True)
class IntentResult:
    """What a message is about, how sure we are, and why.

    ``alternatives`` are the next best intents with their scores; ``evidence`` is a readable
    account of what decided (the example phrase, keywords); ``example`` and ``keywords`` hold
    the same facts as data. ``ambiguous`` is set when the runner-up is too close to call, so
    the bot should ask the buyer to choose between ``intent`` and ``runner_up``.
    """

    intent: str
    confidence: float
    language: str
    alternatives: tuple[tuple[str, float], ...]
    evidence: str
    entities: Entities = field(default_factory=Entities)
    ambiguous: bool = False
    runner_up: str | None = None
    example: str = ""
    keywords: tuple[str, ...] = ()
    score: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view (used by ``parley classify``)."""
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "language": self.language,
            "ambiguous": self.ambiguous,
            "runner_up": self.runner_up,
            "alternatives": [{"intent": i, "score": s} for i, s in self.alternatives],
            "evidence": self.evidence,
            "example": self.example,
            "keywords": list(self.keywords),
            "entities": self.entities.as_dict(),
        }


# ----------------------------------------------------------------------------- language


@dataclass(frozen=True)
class _Keyword:
    intent: str
    text: str
    stems: tuple[str, ...]
    negative: bool


@dataclass(frozen=True)
class Reading:
    """What :meth:`IntentMatcher.read` found in a message, before any decision."""

    language: str
    entities: Entities
    words: list[str]
    logits: FloatArray | None
    why: str = ""  # why there are no logits
    sims: FloatArray = field(default_factory=lambda: np.zeros(0))
    best_example: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matched: list[_Keyword] = field(default_factory=list)


class IntentMatcher:
    """Classifies buyer messages against intent phrases (built once, used for every message)."""

    def __init__(
        self,
        phrases: Iterable[Phrase],
        *,
        default_language: str = "en",
        threshold: float = 0.6,
        ambiguity_margin: float = 0.4,
        keyword_bonus: float = 0.4,
        elapsed_bonus: float = 1.25,
        foreign_factor: float = 0.85,
        negative_weight: float = 0.5,
        max_keywords: int = 2,
        knn_weight: float = 5.0,
        linear: bool = True,
        strength: float = 10.0,
        temperature: float = 0.5,
        top_k: int = 3,
        standalone_intents: tuple[str, ...] = ("greeting",),
        standalone_coverage: float = 0.6,
        standalone_penalty: float = 5.0,
    ) -> None:
        self.default_language = default_language
        self.threshold = threshold
        self.ambiguity_margin = ambiguity_margin
        self.keyword_bonus = keyword_bonus
        self.elapsed_bonus = elapsed_bonus
        self.negative_weight = negative_weight
        self.max_keywords = max_keywords
        self.knn_weight = knn_weight
        self.temperature = temperature
        self.foreign_factor = foreign_factor
        self.top_k = top_k
        self.standalone_coverage = standalone_coverage
        self.standalone_penalty = standalone_penalty
        phrases = list(phrases)
        self.detector = LanguageDetector((p.lang, p.text) for p in phrases if not p.negative)
        self._featurizer = Featurizer()
        examples = [p for p in phrases if not p.keyword]
        examples.sort(key=lambda p: (p.negative, p.intent))
        self.intents: list[str] = sorted({p.intent for p in phrases})
        if NONE not in self.intents:
            self.intents.append(NONE)
            self.intents.sort()
        self._intent_id = {name: i for i, name in enumerate(self.intents)}
        self._examples = examples
        feats = [self._featurizer.raw_features(mask_entities(p.text), p.lang) for p in examples]
        self._featurizer.fit(feats)
        self._ex_intent = np.array([self._intent_id[p.intent] for p in examples], dtype=np.int64)
        self._ex_lang = np.array([LANGUAGES.index(p.lang) for p in examples], dtype=np.int64)
        self._n_positive = sum(not p.negative for p in examples)
        vectors = [self._featurizer.vector(f) for f in feats]
        self._build_index(vectors)
        self._train_linear(examples[: self._n_positive] if linear else [], strength)
        # word stems the examples use (a message with none of them is gibberish or off-topic)
        self._known_stems = {f[1:] for f in self._featurizer.ids if f[0] == "w" and len(f) > 2}
        # intents that only stand on their own ("hello"), and the words their examples use
        self._standalone: dict[int, set[str]] = {}
        for name in standalone_intents:
            if name in self._intent_id:
                vocab = {
                    f[1:]
                    for p, fs in zip(examples, feats, strict=True)
                    if p.intent == name and not p.negative
                    for f in fs
                    if f[0] == "w"
                }
                self._standalone[self._intent_id[name]] = vocab
        self._normalized = [normalize(mask_entities(p.text)) for p in examples]
        self._keywords: dict[str, list[_Keyword]] = {}
        for p in phrases:
            if p.keyword:
                tokens = self._featurizer.tokens(p.text, p.lang, False)
                stems = tuple(stem_words(tokens, p.lang))
                if stems:
                    self._keywords.setdefault(p.lang, []).append(
                        _Keyword(p.intent, p.text, stems, p.negative)
                    )
                    self._known_stems.update(st for st in stems if len(st) > 1)
        # keywords by their first stem, so a message only checks the ones it could contain
        self._keyword_index: dict[str, dict[str, list[_Keyword]]] = {}
        for lang, kws in self._keywords.items():
            index = self._keyword_index.setdefault(lang, {})
            for kw in kws:
                index.setdefault(kw.stems[0], []).append(kw)
        self._neg_intent: list[int] = self._ex_intent[self._n_positive :].tolist()
        self._init_caches()

    def _init_caches(self) -> None:
        # per word: the ids of its character n-grams in both models (see _word_features), and
        # of its stem and stem bigrams: each looked up in the big tables once, not per message
        self._word_cache = lru_cache(maxsize=WORD_CACHE)(self._word_features)
        self._stem_cache = lru_cache(maxsize=WORD_CACHE)(self._stem_ids)
        self._pair_cache = lru_cache(maxsize=WORD_CACHE)(self._pair_ids)
        # per (language, foreign_factor): what each example's similarity is multiplied by
        self._lang_factors: dict[tuple[int, float], FloatArray] = {}
        self._kernels = sparse_kernels()

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        for cache in ("_word_cache", "_stem_cache", "_pair_cache", "_lang_factors", "_kernels"):
            del state[cache]  # rebuilt on loading
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._init_caches()

    def _build_index(self, vectors: list[tuple[IntArray, FloatArray]]) -> None:
        n_features = len(self._featurizer.ids)
        rows = np.concatenate([np.full(len(ids), i) for i, (ids, _) in enumerate(vectors)])
        cols = np.concatenate([ids for ids, _ in vectors])
        vals = np.concatenate([w for _, w in vectors])
        order = np.argsort(cols, kind="stable")
        # 32-bit positions: half the memory to read per message (and what scipy's kernels take)
        self._post_rows = rows[order].astype(np.int32)
        self._post_vals = vals[order]
        self._post_ptr = np.searchsorted(cols[order], np.arange(n_features + 1)).astype(np.int32)
        self._post_len = np.diff(self._post_ptr)

    def _train_linear(self, examples: list[Phrase], strength: float) -> None:
        """The logistic regression over the example phrases (see :mod:`bot.domain.linear`)."""
        docs = []
        for p in examples:
            tokens = self._featurizer.tokens(mask_entities(p.text), p.lang, False)
            docs.append(linear_features(tokens, stem_words(tokens, p.lang)))
        self._vectorizer = BlockVectorizer(docs)
        vectors = [self._vectorizer.vector(d) for d in docs]
        labels = [self._intent_id[p.intent] for p in examples]
        self._linear = LinearModel.train(
            vectors, labels, len(self._vectorizer.ids), len(self.intents), strength
        )

    # ------------------------------------------------------------------ scoring

    def similarities(self, text: str, language: str, latin_russian: bool) -> FloatArray:
        """Cosine similarity of ``text`` to every example phrase (language-weighted)."""
        ids, weights = self._featurizer.vector(
            self._featurizer.raw_features(text, language, latin_russian)
        )
        return self._similarities(ids, weights, language)

    def _similarities(self, ids: IntArray, weights: FloatArray, language: str) -> FloatArray:
        n = len(self._examples)
        if len(ids) == 0:
            return np.zeros(n)
        lengths = self._post_len[ids]
        ends = np.empty(len(ids) + 1, dtype=np.int32)
        ends[0] = 0
        np.cumsum(lengths, out=ends[1:])
        total = int(ends[-1])
        if total == 0:
            return np.zeros(n)
        sims: FloatArray
        kernels = self._kernels
        if kernels is not None:
            # the message's postings copied into one run (csr_row_index), then every posting
            # adds its value times the feature's weight to its example (csc_matvec): the same
            # products added in the same order as the numpy code below, in two C loops
            rows = np.empty(total, dtype=np.int32)
            values = np.empty(total)
            kernels.csr_row_index(
                len(ids), ids.astype(np.int32), self._post_ptr, self._post_rows,
                self._post_vals, rows, values,
            )  # fmt: skip
            sims = np.zeros(n)
            kernels.csc_matvec(n, len(ids), ends, rows, values, weights, sims)
        else:
            # gather all postings of the message's features in one go: posting j of feature
            # f sits at _post_ptr[f] + j, and lands at ends[f] + j of the gathered run
            offsets = np.repeat(self._post_ptr[ids] - ends[:-1], lengths)
            offsets += np.arange(total)
            contributions = self._post_vals[offsets]
            contributions *= np.repeat(weights, lengths)
            counted = np.bincount(self._post_rows[offsets], weights=contributions, minlength=n)
            sims = counted.astype(np.float64, copy=False)
        key = (LANGUAGES.index(language), self.foreign_factor)
        factor = self._lang_factors.get(key)
        if factor is None:  # 1 for the message's language, foreign_factor for the others
            factor = np.where(self._ex_lang == key[0], 1.0, self.foreign_factor)
            self._lang_factors[key] = factor
        sims *= factor
        return sims

    def language_of(self, text: str, hint: str | None = None) -> str:
        """The language of ``text`` as :meth:`classify` detects it (the one detector Parley
        has); ``hint`` is Telegram's language code, if any."""
        return self._prepare(text, hint)[3]

    def _prepare(self, raw: str, hint: str | None) -> tuple[Entities, str, list[str], str, bool]:
        """(entities, text with entities masked, its words, language, typed_in_latin)."""
        entities, spans = scan_entities(raw)
        text = mask_entities(raw, spans) if spans else raw
        words = normalize(text).split()
        # The language comes from the buyer's own words: placeholders like "qqsizeqq" are
        # Latin letters and would make "Есть 42 размер?" look Portuguese.
        own = [w for w in words if w not in _PLACEHOLDER_WORDS]
        language, latin_russian = self.detector.detect(
            raw, hint, self.default_language, tokens=own or words
        )
        return entities, text, words, language, latin_russian

    def read(self, text: str, hint: str | None = None) -> Reading:
        """Everything the decision needs: language, entities and the log-odds per intent
        (``logits`` is None when the message has no word the examples know)."""
        raw = text
        entities, text, words, language, latin_russian = self._prepare(raw, hint)
        if not words:
            return Reading(language, entities, words, None, "no words in the message")
        tokens = self._featurizer.tokens(text, language, latin_russian, words)
        stems = stem_words(tokens, language)
        if not any(
            s in self._known_stems and t not in FUNCTION_WORDS
            for t, s in zip(tokens, stems, strict=True)
        ):
            return Reading(language, entities, words, None, "no known word in the message")
        (ids, weights), linear = self._vectors(tokens, stems)
        sims = self._similarities(ids, weights, language)
        knn, best_example = self._intent_scores(sims)
        logits = self._linear.logits(*linear)
        logits += self.knn_weight * knn
        for intent_id, vocab in self._standalone.items():
            covered = sum(s in vocab for s in stems) / len(stems)
            if covered < self.standalone_coverage:
                logits[intent_id] -= self.standalone_penalty * (1.0 - covered)
        matched = self._keyword_hits(tokens, stems, language)
        for kw in matched:
            i = self._intent_id.get(kw.intent)
            if i is not None:
                logits[i] += -self.keyword_bonus if kw.negative else self.keyword_bonus
        # "where is it, it's been 2 months": counting the wait turns a status question into a
        # lateness complaint (only for this near-miss pair: "stuck in customs" stays customs)
        late, status = self._intent_id.get(LATE), self._intent_id.get(STATUS)
        if (
            late is not None
            and status is not None
            and status in np.argsort(-logits)[:2]
            and ELAPSED.search(raw)
        ):
            logits[late] += self.elapsed_bonus
        return Reading(language, entities, words, logits, "", sims, best_example, matched)

    def _vectors(
        self, tokens: list[str], stems: list[str]
    ) -> tuple[tuple[IntArray, FloatArray], tuple[IntArray, FloatArray]]:
        """The message's vectors for the nearest examples and for the linear model: the same
        as ``Featurizer.vector(Featurizer.features(...))`` and ``BlockVectorizer.vector(
        linear_features(...))``, feature for feature and in the same order, from the words'
        cached n-gram ids instead of feature names looked up one by one."""
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
            self._featurizer.weigh(Counter(knn), Counter(unknown) if unknown else {}),
            self._vectorizer.weigh(Counter(lin)),
        )

    def _stem_ids(self, stem: str) -> tuple[int | None, int | None]:
        """The ids of a stem's feature in both models (None: a stem the examples never use)."""
        name = f"w{stem}"
        return self._featurizer.ids.get(name), self._vectorizer.ids.get(name)

    def _pair_ids(self, first: str, second: str) -> tuple[int | None, int | None]:
        """The ids of a stem bigram's feature in both models (``b…`` and ``w…`` features)."""
        return (
            self._featurizer.ids.get(f"b{first} {second}"),
            self._vectorizer.ids.get(f"w{first} {second}"),
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
        knn_get, lin_get = self._featurizer.ids.get, self._vectorizer.ids.get
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

    def classify(self, text: str, hint: str | None = None) -> IntentResult:
        """Classify one message; ``hint`` is Telegram's language code, if any."""
        reading = self.read(text, hint)
        language, entities, words, logits = (
            reading.language, reading.entities, reading.words, reading.logits
        )  # fmt: skip
        if logits is None:
            return IntentResult(NONE, 1.0, language, (), reading.why, entities=entities)
        sims, best_example, matched = reading.sims, reading.best_example, reading.matched
        # calibrated probabilities (the temperature was fitted on held-out messages)
        scaled = (logits - logits.max()) / self.temperature
        probs = np.exp(scaled)
        probs /= probs.sum()
        order: list[int] = np.argsort(-probs).tolist()
        chance: list[float] = probs.tolist()
        top, second = order[0], order[1]
        top_p, second_p = chance[top], chance[second]
        alternatives = tuple((self.intents[i], round(chance[i], 3)) for i in order[1:4])
        top_intent = self.intents[top]
        example_idx = int(best_example[top])
        example = self._examples[example_idx].text if example_idx >= 0 else ""
        kws = tuple(kw.text for kw in matched if kw.intent == top_intent and not kw.negative)
        evidence = self._explain(
            " ".join(words),
            self._normalized[example_idx] if example else "",
            example,
            float(sims[example_idx]) if example else 0.0,
            kws,
        )
        runner_up = self.intents[second]
        # two in-scope intents share the belief and neither is clearly ahead: ask the buyer
        ambiguous = (
            top_intent != NONE
            and runner_up != NONE
            and top_p - second_p < self.ambiguity_margin
            and top_p + second_p >= self.threshold
        )
        if top_intent != NONE and top_p < self.threshold and not ambiguous:
            # no intent is likely enough: the chance that it is none of them is at least the
            # chance that the best one is wrong
            return IntentResult(
                NONE, round(1.0 - top_p, 3), language, ((top_intent, round(top_p, 3)),
                *alternatives[:2]), f"below threshold {self.threshold}: {evidence}",
                entities=entities, example=example, keywords=kws, score=round(top_p, 3),
            )  # fmt: skip
        return IntentResult(
            top_intent, round(top_p, 3), language, alternatives, evidence,
            entities=entities, ambiguous=ambiguous, runner_up=runner_up, example=example,
            keywords=kws, score=round(top_p, 3),
        )  # fmt: skip

    def _intent_scores(self, all_sims: FloatArray) -> tuple[FloatArray, IntArray]:
        """Per intent: mean of its ``top_k`` best example similarities, and its best example.

        An intent whose negative phrase is closer to the message than its best example loses
        ``negative_weight`` times the difference.
        """
        k = len(self.intents)
        sims = all_sims[: self._n_positive]
        m = min(len(sims), 40 * self.top_k)
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
        top_k = self.top_k
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
                totals[intent] -= self.negative_weight * (excess if excess > 0.0 else 0.0)
        return np.array(totals), np.array(firsts, dtype=np.int64)

    def _keyword_hits(self, tokens: list[str], stems: list[str], language: str) -> list[_Keyword]:
        """Keywords of ``language`` whose stems occur, in order, in the message's ``stems``.

        A keyword right after a negation ("don't cancel", "no quiero cancelar", "не отменяйте")
        does not count: the buyer says what they do *not* want.
        """
        index = self._keyword_index.get(language)
        if not index:
            return []
        hits: list[_Keyword] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        per_intent: Counter[str] = Counter()
        for start, stem in enumerate(stems):
            if stem not in index:
                continue
            for kw in index[stem]:
                key = (kw.intent, kw.stems)
                if key in seen or per_intent[kw.intent] >= self.max_keywords:
                    continue
                end = start + len(kw.stems)
                if tuple(stems[start:end]) != kw.stems or negated(tokens, start, end, language):
                    continue
                hits.append(kw)
                seen.add(key)
                per_intent[kw.intent] += 1
        return hits

    @staticmethod
    def _explain(
        message: str, normalized_example: str, example: str, similarity: float,
        keywords: tuple[str, ...],
    ) -> str:  # fmt: skip
        """Which example (and keywords) decided, with rapidfuzz's view of the closest passage."""
        if not example:
            return "no similar example"
        fuzzy = fuzz.partial_ratio(normalized_example, message) / 100.0
        why = f"example {example!r} (similarity {similarity:.2f}, fuzzy {fuzzy:.2f})"
        if keywords:
            why += " + keyword " + ", ".join(repr(k) for k in keywords)
        return why
