"""Intent matching: explainable nearest-example scoring over normalised, stemmed text.

How a message is classified (all tables are built once, when the matcher is created, and a
trained matcher is kept on disk by :mod:`bot.content.engine_cache`):

1. **Entities** — order/tracking numbers, amounts, sizes and dates are found
   (:mod:`bot.domain.entities`) and replaced by placeholder words in the text that is matched.
2. **Language** — Cyrillic means Russian; otherwise a small naive-Bayes model over character
   trigrams and words (:mod:`bot.domain.language`), trained on the example phrases themselves
   (plus common function words), tells English, Spanish, Portuguese, French and Russian typed
   in Latin letters apart. Telegram's ``language_code`` is only a prior. Latin-typed Russian
   is mapped to Cyrillic.
3. **Features** — folded words (no case, accents, stutter, digits, emoji), their Snowball stems,
   stem bigrams and character 3–5-grams (which absorb typos and inflections), TF-IDF weighted
   (:mod:`bot.domain.features`). A word's character n-grams are made once for both models
   (these 3–5-grams and the linear model's 2–5-grams) and their feature ids kept in a bounded
   per-word cache (:mod:`bot.domain.intent_vectors`).
4. **Nearest examples** — cosine similarity to every example phrase (an inverted index, so a
   message costs well under a millisecond); an intent's score is the mean of its best three
   examples, examples in another language than the message's counting a little less, and
   ``negative`` phrases of an intent count against it (:mod:`bot.domain.intent_index`).
   A greeting-like intent only counts when the message is mostly made of its words.
5. **Re-ranking** — a logistic regression trained on the same examples
   (:mod:`bot.domain.linear`; its words also stand for their concepts, so a synonym no example
   uses still counts: :mod:`bot.domain.concepts`) gives the log-odds per intent, to which the
   nearest-example scores are added; a seller's keywords found in the message (as stems, so
   inflections match) add a bonus; a message that counts the wait ("it's been 2 months", "já
   faz 45 dias") leans towards ``late_delivery``.
6. **Decision** — the best intent wins; below ``threshold`` (or with no known content word at
   all) the answer is ``none``; when the runner-up is within ``ambiguity_margin`` the result is
   flagged ``ambiguous`` so the bot can ask the buyer. The evidence names the example (and
   keywords) that decided, and :mod:`rapidfuzz` scores how closely the message's best passage
   matches that example.

:class:`IntentMatcher`, here, trains those parts, reads a message through steps 1–5
(:meth:`IntentMatcher.read`) and decides (:meth:`IntentMatcher.classify`). What goes in and
comes out (:class:`Phrase`, :class:`IntentResult`, :class:`Reading`) is defined in
:mod:`bot.domain.intent_types` and imported from here as well.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
from rapidfuzz import fuzz

from bot.domain.concepts import ConceptWords, concept_features, stem_table
from bot.domain.entities import PLACEHOLDERS, Entities, Scan, mask_entities
from bot.domain.features import Featurizer
from bot.domain.intent_index import ExampleIndex, sparse_kernels
from bot.domain.intent_types import FloatArray, IntArray, IntentResult, Keyword, Phrase, Reading
from bot.domain.intent_vectors import MessageVectors
from bot.domain.language import LanguageDetector
from bot.domain.linear import BlockVectorizer, LinearModel, linear_features
from bot.domain.text import (
    FUNCTION_WORDS,
    LANGUAGES,
    negated,
    normalize,
    stem_words,
)

__all__ = [
    "ELAPSED",
    "LATE",
    "NONE",
    "STATUS",
    "FloatArray",
    "IntArray",
    "IntentMatcher",
    "IntentResult",
    "Keyword",
    "Phrase",
    "Reading",
    "sparse_kernels",
]

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
        negative_weight: float = 1.5,
        max_keywords: int = 2,
        knn_weight: float = 5.0,
        linear: bool = True,
        strength: float = 30.0,
        temperature: float = 0.7,
        top_k: int = 1,
        standalone_intents: tuple[str, ...] = ("greeting",),
        standalone_coverage: float = 0.6,
        standalone_penalty: float = 5.0,
        unknown_weight: float = 2.0,
        concepts: ConceptWords | None = None,
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
        self.unknown_weight = unknown_weight
        phrases = list(phrases)
        self.detector = LanguageDetector((p.lang, p.text) for p in phrases if not p.negative)
        self._featurizer = Featurizer()
        # words of one meaning in every language (see bot.domain.concepts)
        self._concepts = stem_table(
            concepts or {},
            lambda word, lang: self._featurizer.tokens(word, lang, False),
            stem_words,
        )
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
        n_positive = sum(not p.negative for p in examples)
        # the nearest-example half: every example's vector in an inverted index
        self._index = ExampleIndex(
            [self._featurizer.vector(f) for f in feats],
            len(self._featurizer.ids),
            [self._intent_id[p.intent] for p in examples],
            [LANGUAGES.index(p.lang) for p in examples],
            n_positive,
            len(self.intents),
        )
        vectorizer, self._linear = self._train_linear(
            examples[:n_positive] if linear else [], strength
        )
        # a message's vectors for both halves, built from per-word caches
        self._vectors = MessageVectors(self._featurizer, vectorizer, self._concepts)
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
        self._keywords: dict[str, list[Keyword]] = {}
        for p in phrases:
            if p.keyword:
                tokens = self._featurizer.tokens(p.text, p.lang, False)
                stems = tuple(stem_words(tokens, p.lang))
                if stems:
                    self._keywords.setdefault(p.lang, []).append(
                        Keyword(p.intent, p.text, stems, p.negative)
                    )
                    self._known_stems.update(st for st in stems if len(st) > 1)
        # keywords by their first stem, so a message only checks the ones it could contain
        self._keyword_index: dict[str, dict[str, list[Keyword]]] = {}
        for lang, kws in self._keywords.items():
            index = self._keyword_index.setdefault(lang, {})
            for kw in kws:
                index.setdefault(kw.stems[0], []).append(kw)

    def _train_linear(
        self, examples: list[Phrase], strength: float
    ) -> tuple[BlockVectorizer, LinearModel]:
        """The logistic regression over the example phrases (see :mod:`bot.domain.linear`)."""
        docs = []
        for p in examples:
            tokens = self._featurizer.tokens(mask_entities(p.text), p.lang, False)
            stems = stem_words(tokens, p.lang)
            docs.append(
                linear_features(tokens, stems)
                + concept_features(self._concepts, tokens, stems, p.lang)
            )
        vectorizer = BlockVectorizer(docs)
        vectors = [vectorizer.vector(d) for d in docs]
        labels = [self._intent_id[p.intent] for p in examples]
        model = LinearModel.train(vectors, labels, len(vectorizer.ids), len(self.intents), strength)
        return vectorizer, model

    # ------------------------------------------------------------------ scoring

    def similarities(self, text: str, language: str, latin_russian: bool) -> FloatArray:
        """Cosine similarity of ``text`` to every example phrase (language-weighted)."""
        ids, weights = self._featurizer.vector(
            self._featurizer.raw_features(text, language, latin_russian)
        )
        order = np.argsort(ids)
        return self._index.similarities(ids[order], weights[order], language, self.foreign_factor)

    def language_of(self, text: str, hint: str | None = None, scan: Scan | None = None) -> str:
        """The language of ``text`` as :meth:`classify` detects it (the one detector Parley
        has); ``hint`` is Telegram's language code, if any; ``scan``: the message's entity
        scan, if the caller has made it."""
        return self._prepare(text, hint, scan)[3]

    def _prepare(
        self, raw: str, hint: str | None, scan: Scan | None = None
    ) -> tuple[Entities, str, list[str], str, bool]:
        """(entities, text with entities masked, its words, language, typed_in_latin)."""
        scan = Scan.reuse(scan, raw)
        entities, text = scan.entities, scan.masked()
        words = normalize(text).split()
        # The language comes from the buyer's own words: placeholders like "qqsizeqq" are
        # Latin letters and would make "Есть 42 размер?" look Portuguese.
        own = [w for w in words if w not in _PLACEHOLDER_WORDS]
        language, latin_russian = self.detector.detect(
            raw, hint, self.default_language, tokens=own or words
        )
        return entities, text, words, language, latin_russian

    def read(self, text: str, hint: str | None = None, scan: Scan | None = None) -> Reading:
        """Everything the decision needs: language, entities and the log-odds per intent
        (``logits`` is None when the message has no word the examples know)."""
        raw = text
        entities, text, words, language, latin_russian = self._prepare(raw, hint, scan)
        if not words:
            return Reading(language, entities, words, None, "no words in the message")
        tokens = self._featurizer.tokens(text, language, latin_russian, words)
        stems = stem_words(tokens, language)
        if not any(
            s in self._known_stems and t not in FUNCTION_WORDS
            for t, s in zip(tokens, stems, strict=True)
        ):
            return Reading(language, entities, words, None, "no known word in the message")
        (ids, weights), linear = self._vectors.build(tokens, stems, language)
        sims = self._index.similarities(ids, weights, language, self.foreign_factor)
        knn, best_example = self._index.intent_scores(sims, self.top_k, self.negative_weight)
        logits = self._linear.logits(*linear)
        logits += self.knn_weight * knn
        # function words ("do", "you", "to") say nothing about whether the message is a greeting
        content = [s for t, s in zip(tokens, stems, strict=True) if t not in FUNCTION_WORDS]
        content = content or stems
        # words no example uses make it likelier that the message is about something else, not
        # about the one shop word it contains (chosen on held-out writing rounds, intents/README)
        unknown = sum(s not in self._known_stems for s in content) / len(content)
        logits[self._intent_id[NONE]] += self.unknown_weight * unknown
        for intent_id, vocab in self._standalone.items():
            covered = sum(s in vocab for s in content) / len(content)
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
            and ELAPSED.search(raw)
            and status in np.argsort(-logits)[:2]
        ):
            logits[late] += self.elapsed_bonus
        return Reading(language, entities, words, logits, "", sims, best_example, matched)

    def classify(
        self, text: str, hint: str | None = None, scan: Scan | None = None
    ) -> IntentResult:
        """Classify one message; ``hint`` is Telegram's language code, if any; ``scan``: the
        message's entity scan, if the caller has made it (else it is made here)."""
        reading = self.read(text, hint, scan)
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

    def _keyword_hits(self, tokens: list[str], stems: list[str], language: str) -> list[Keyword]:
        """Keywords of ``language`` whose stems occur, in order, in the message's ``stems``.

        A keyword right after a negation ("don't cancel", "no quiero cancelar", "не отменяйте")
        does not count: the buyer says what they do *not* want.
        """
        index = self._keyword_index.get(language)
        if not index:
            return []
        hits: list[Keyword] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        per_intent: Counter[str] = Counter()
        for start, stem in enumerate(stems):
            candidates = index.get(stem)
            if candidates is None:
                continue
            for kw in candidates:
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
