"""Recognising a buyer's choice written in words ("the refund please", "2") among option labels."""

from __future__ import annotations

from rapidfuzz import fuzz

from bot.domain.text import normalize

MAX_WORDS = 12  # a longer message is a new request, not an answer to the buttons
MIN_WORD = 4  # shorter words ("the", "no", "de") say nothing about which option


def _content_words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if len(w) >= MIN_WORD]


def match_choice(text: str, labels: list[str]) -> int | None:
    """Index of the option the text picks, or None when it is not clearly one of them.

    A bare number picks that option; otherwise the option sharing the most content words
    (typos tolerated) wins, but only if no other option shares as many.
    """
    stripped = text.strip().rstrip(".!)").lstrip("#(")
    if stripped.isdigit() and 1 <= int(stripped) <= len(labels):
        return int(stripped) - 1
    words = _content_words(text)
    if not words or len(normalize(text).split()) > MAX_WORDS:
        return None
    scores = []
    for label in labels:
        label_words = _content_words(label)
        scores.append(sum(any(fuzz.ratio(w, lw) >= 85 for lw in label_words) for w in words))
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return None
    return scores.index(best)
