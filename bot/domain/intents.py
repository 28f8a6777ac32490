"""Intent matching: rapidfuzz over example phrases and keywords, explainable and fast.

Each intent's score is its best-matching example in the message's language (keywords add a
bonus when they occur in the message). Below ``threshold`` the answer is ``none``; the result
always carries the runner-up intents and the example that decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.text import guess_language, normalize

NONE = "none"


@dataclass(frozen=True)
class Phrase:
    """One example phrase or keyword of an intent in one language."""

    intent: str
    lang: str
    text: str
    keyword: bool = False


@dataclass(frozen=True)
class IntentResult:
    """What a message is about, how sure we are, and why."""

    intent: str
    confidence: float
    language: str
    alternatives: tuple[tuple[str, float], ...]
    evidence: str


class IntentMatcher:
    """Classifies buyer messages against intent phrases (built once, used for every message)."""

    def __init__(
        self,
        phrases: Iterable[Phrase],
        *,
        default_language: str = "en",
        threshold: float = 0.55,
    ) -> None:
        self.default_language = default_language
        self.threshold = threshold
        self._examples: dict[str, tuple[list[str], list[str], list[str]]] = {}
        self._keywords: dict[str, list[tuple[str, str]]] = {}
        grouped: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            if phrase.keyword:
                self._keywords.setdefault(phrase.lang, []).append(
                    (normalize(phrase.text), phrase.intent)
                )
            else:
                grouped.setdefault(phrase.lang, []).append(phrase)
        for lang, items in grouped.items():
            self._examples[lang] = (
                [normalize(p.text) for p in items],
                [p.intent for p in items],
                [p.text for p in items],
            )
        self.intents = sorted({i for _, intents, _ in self._examples.values() for i in intents})

    def classify(self, text: str, hint: str | None = None) -> IntentResult:
        """Classify one message; ``hint`` is Telegram's language code, if any."""
        language = guess_language(text, hint, self.default_language)
        query = normalize(text)
        if not query or language not in self._examples:
            return IntentResult(NONE, 0.0, language, (), "")
        norm, intents, originals = self._examples[language]
        best: dict[str, tuple[float, str]] = {}
        for _, score, idx in process.extract(query, norm, scorer=fuzz.WRatio, limit=None):
            intent = intents[idx]
            if intent not in best:
                best[intent] = (float(score) / 100.0, originals[idx])
        padded = f" {query} "
        for keyword, intent in self._keywords.get(language, []):
            if f" {keyword} " in padded:
                score, why = best.get(intent, (0.0, ""))
                best[intent] = (min(1.0, score + 0.15), f"{why} + keyword '{keyword}'")
        ranked = sorted(best.items(), key=lambda kv: kv[1][0], reverse=True)
        top_intent, (top_score, evidence) = ranked[0]
        alternatives = tuple((i, round(s, 3)) for i, (s, _) in ranked[1:4])
        if top_score < self.threshold:
            return IntentResult(NONE, round(1 - top_score, 3), language, alternatives, evidence)
        return IntentResult(top_intent, round(top_score, 3), language, alternatives, evidence)
