"""What the intent engine (:mod:`bot.domain.intents`) takes in and gives back.

:class:`Phrase` is one line of an intent file; :class:`IntentResult` is the answer for one
message; :class:`Reading` is what the engine found in a message before deciding (for tools
that tune the decision); :class:`Keyword` is a seller's keyword as the engine matches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bot.domain.entities import Entities

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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


@dataclass(frozen=True)
class Keyword:
    """A keyword (or negative keyword) phrase of an intent, as the stems a message must hold
    in this order."""

    intent: str
    text: str
    stems: tuple[str, ...]
    negative: bool


@dataclass(frozen=True)
class Reading:
    """What :meth:`~bot.domain.intents.IntentMatcher.read` found in a message, before any
    decision."""

    language: str
    entities: Entities
    words: list[str]
    logits: FloatArray | None
    why: str = ""  # why there are no logits
    sims: FloatArray = field(default_factory=lambda: np.zeros(0))
    best_example: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matched: list[Keyword] = field(default_factory=list)
