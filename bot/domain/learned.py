"""Examples the seller taught (the card's Topic button, ``parley intents teach``).

A taught example is a buyer's message with the intent the seller says it has. It decides a
new message outright when the two read almost the same (``fuzz.ratio`` of the normalised,
entity-masked texts at or above :data:`TAUGHT_SIMILARITY`): the seller has said what such a
message means, so a typo, another size or another order number does not change it. Anything
less similar is left to the trained engine, so teaching one message cannot move the answer to
unrelated ones.

A new example that reads like a shipped example of another intent, or like another taught
example with another intent, is a *conflict*: it is reported and not applied (the seller
decides which one is right by editing the intents folder or forgetting the taught one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from rapidfuzz import fuzz, process

from bot.domain.entities import Scan
from bot.domain.intents import IntentMatcher, IntentResult, Phrase
from bot.domain.text import normalize

TAUGHT_SIMILARITY = 88.0
"""``fuzz.ratio`` (0–100) from which a taught example decides a message (and from which a new
example conflicts with a shipped or taught one of another intent). Chosen with
``bench/intents_teach.py``: typo variants of a taught line stay above it, and teaching does
not move the answer to unrelated lines."""
MAX_TEXT = 500  # a taught example is a buyer's message, not a document


@dataclass(frozen=True)
class LearnedExample:
    """One taught example as stored (``id`` 0 before it is stored)."""

    text: str
    intent: str
    language: str
    taught_by: str = ""
    taught_at: datetime | None = None
    id: int = 0


@dataclass(frozen=True)
class Conflict:
    """Why a new example was not applied: the example it contradicts and where that is."""

    text: str
    intent: str
    source: str  # "shipped" or "taught #<id>"
    similarity: float

    def describe(self) -> str:
        """One line for a person: ``"…" is a shipped example of wrong_item (93 %)``."""
        return (
            f"{self.text!r} is a {self.source} example of {self.intent} "
            f"({self.similarity:.0f} % alike)"
        )


def comparable(text: str, scan: Scan | None = None) -> str:
    """The form taught examples are compared in: entities masked, folded, no punctuation or
    digits (so "size 41" and "size 43", or two order numbers, read the same); ``scan``: the
    text's entity scan, if the caller has one."""
    return normalize(Scan.reuse(scan, text[:MAX_TEXT]).masked())


class TaughtIndex:
    """The applied taught examples, searchable by similarity (rebuilt whenever they change)."""

    def __init__(self, examples: Iterable[LearnedExample] = (), revision: object = None) -> None:
        self.examples: tuple[LearnedExample, ...] = tuple(examples)
        self.revision = revision
        self._keys = [comparable(e.text) for e in self.examples]

    def __len__(self) -> int:
        return len(self.examples)

    def nearest(
        self, text: str, cutoff: float = TAUGHT_SIMILARITY, scan: Scan | None = None
    ) -> tuple[LearnedExample, float] | None:
        """The taught example most like ``text`` (and its similarity), if one reaches
        ``cutoff``; on a tie the latest taught wins (``scan``: the text's entity scan)."""
        key = comparable(text, scan)
        if not key or not self._keys:
            return None
        best: tuple[LearnedExample, float] | None = None
        for _, score, index in process.extract_iter(
            key, self._keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff
        ):
            if best is None or score >= best[1]:
                best = (self.examples[index], float(score))
        return best


class ShippedExamples:
    """The example phrases of the intent files, in comparable form (built on first use:
    only teaching needs them)."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        self._phrases = [p for p in phrases if not p.keyword and not p.negative]
        self._keys: list[str] | None = None

    def like(self, key: str, cutoff: float) -> list[tuple[Phrase, float]]:
        """Shipped examples whose comparable form is at least ``cutoff`` alike ``key``,
        most alike first."""
        if self._keys is None:
            self._keys = [comparable(p.text) for p in self._phrases]
        found = process.extract_iter(
            key, self._keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff
        )
        ranked = sorted(((score, index) for _, score, index in found), reverse=True)
        return [(self._phrases[index], float(score)) for score, index in ranked]


def find_conflict(
    example: LearnedExample, shipped: ShippedExamples, taught: Sequence[LearnedExample]
) -> Conflict | None:
    """The shipped or taught example that reads like ``example`` but has another intent."""
    key = comparable(example.text)
    if not key:
        return None
    for other in reversed(taught):
        if other.intent == example.intent:
            continue
        score = fuzz.ratio(key, comparable(other.text), processor=None)
        if score >= TAUGHT_SIMILARITY:
            return Conflict(other.text, other.intent, f"taught #{other.id}", score)
    for phrase, score in shipped.like(key, TAUGHT_SIMILARITY):
        if phrase.intent != example.intent:
            return Conflict(phrase.text, phrase.intent, "shipped", score)
    return None


class Classifier(Protocol):
    """What the buyer use cases classify with: the engine, or the engine plus taught examples."""

    def classify(
        self, text: str, hint: str | None = None, scan: Scan | None = None
    ) -> IntentResult:
        """What ``text`` is about (``hint``: Telegram's language code; ``scan``: the
        message's entity scan, when the caller has made it)."""
        ...

    def language_of(self, text: str, hint: str | None = None, scan: Scan | None = None) -> str:
        """The language of ``text``."""
        ...


class TeachableMatcher:
    """The trained engine plus the seller's taught examples (same calls as the engine).

    ``taught`` is swapped whole by :meth:`use`, so a reader never sees half an update.
    """

    def __init__(
        self, engine: IntentMatcher, phrases: Iterable[Phrase], taught: TaughtIndex | None = None
    ) -> None:
        self.engine = engine
        self.shipped = ShippedExamples(phrases)
        self.taught = taught or TaughtIndex()

    @property
    def intents(self) -> list[str]:
        """The intents the engine knows."""
        return self.engine.intents

    def conflict(self, example: LearnedExample) -> Conflict | None:
        """Whether ``example`` contradicts a shipped or an applied taught example."""
        return find_conflict(example, self.shipped, self.taught.examples)

    def use(self, taught: TaughtIndex) -> None:
        """Apply a new set of taught examples from the next message on."""
        self.taught = taught

    def language_of(self, text: str, hint: str | None = None, scan: Scan | None = None) -> str:
        """The language of ``text`` (see :meth:`IntentMatcher.language_of`)."""
        return self.engine.language_of(text, hint, scan)

    def classify(
        self, text: str, hint: str | None = None, scan: Scan | None = None
    ) -> IntentResult:
        """A taught example that reads almost the same decides; otherwise the engine does."""
        scan = Scan.reuse(scan, text)
        result = self.engine.classify(text, hint, scan)
        found = self.taught.nearest(text, scan=scan) if len(self.taught) else None
        if found is None:
            return result
        example, similarity = found
        alternatives = ((result.intent, result.confidence), *result.alternatives[:2])
        return replace(
            result,
            intent=example.intent,
            confidence=round(similarity / 100.0, 3),
            alternatives=tuple((i, c) for i, c in alternatives if i != example.intent),
            evidence=f"taught example #{example.id} {example.text!r} "
            f"(fuzzy {similarity / 100.0:.2f})",
            ambiguous=False,
            runner_up=None,
            example=example.text,
            keywords=(),
            score=round(similarity / 100.0, 3),
        )


class LearnedRepository(Protocol):
    """Taught examples. Forgetting keeps the row (``forgotten_at`` set), so the revision
    only ever moves forward."""

    async def add(self, example: LearnedExample, now: datetime) -> int:
        """Store an applied example; returns its id (ids only grow)."""
        ...

    async def find(self, text: str, intent: str) -> LearnedExample | None:
        """The applied example with exactly this text and intent, if any."""
        ...

    async def active(self) -> list[LearnedExample]:
        """Every applied (not forgotten) example, oldest first."""
        ...

    async def forget(self, example_id: int, now: datetime) -> bool:
        """Stop applying example ``example_id``; False when there is no such applied one."""
        ...

    async def revision(self) -> tuple[int, int]:
        """A value that changes whenever an example is added or forgotten (by any process,
        whatever order transactions commit in): (rows, rows forgotten). One read; compare,
        don't interpret."""
        ...
