"""Taught examples: what decides a message, what is a conflict (pure, small engines)."""

from __future__ import annotations

import pytest

from bot.domain.intents import IntentMatcher, Phrase
from bot.domain.learned import (
    LearnedExample,
    ShippedExamples,
    TaughtIndex,
    TeachableMatcher,
    comparable,
    find_conflict,
)

PHRASES = [
    Phrase("size_exchange", "en", "it is too small, can I exchange it for a bigger size"),
    Phrase("wrong_item", "en", "you sent me the wrong colour"),
    Phrase("product_question", "en", "is this cotton or polyester"),
    Phrase("greeting", "en", "hello"),
    Phrase("none", "en", "what is the weather tomorrow"),
    Phrase("wrong_item", "en", "wrong item", keyword=True),
    Phrase("size_exchange", "en", "you sent me the wrong size", negative=True),
]


@pytest.fixture(scope="module")
def engine() -> IntentMatcher:
    return IntentMatcher(PHRASES, linear=False, threshold=0.0)


def taught(*examples: tuple[str, str]) -> TaughtIndex:
    return TaughtIndex(
        [LearnedExample(text, intent, "en", id=n) for n, (text, intent) in enumerate(examples, 1)],
        len(examples),
    )


def test_sizes_order_numbers_and_punctuation_do_not_change_the_comparable_form() -> None:
    assert comparable("Do you have the 39?") == comparable("do you have the 41!!")
    assert comparable("order 8175342209981234 late") == comparable("Order 8175342209985555 late")
    assert comparable("🤣🤣") == ""


def test_a_taught_example_decides_itself_and_its_typo_variants(engine: IntentMatcher) -> None:
    matcher = TeachableMatcher(engine, PHRASES)
    before = matcher.classify("do you have the 39?")
    assert before.intent != "size_exchange"

    matcher.use(taught(("do you have the 39?", "size_exchange")))
    for text in ("do you have the 39?", "do u have the 40??", "Do you hve the 41"):
        result = matcher.classify(text)
        assert result.intent == "size_exchange", text
        assert "taught example #1" in result.evidence
        assert result.example == "do you have the 39?"
        assert not result.ambiguous
        assert 0.88 <= result.confidence <= 1.0


def test_teaching_leaves_unrelated_messages_to_the_engine(engine: IntentMatcher) -> None:
    matcher = TeachableMatcher(engine, PHRASES)
    plain = {t: engine.classify(t).intent for t in ("hello", "is this cotton or polyester")}
    matcher.use(taught(("do you have the 39?", "size_exchange")))
    assert {t: matcher.classify(t).intent for t in plain} == plain
    assert matcher.classify("do you have a coupon for me?").intent != "size_exchange"


def test_the_latest_of_two_equally_close_taught_examples_wins() -> None:
    index = taught(
        ("do you have the 39", "product_question"), ("do you have the 40", "size_exchange")
    )
    found = index.nearest("do you have the 41")
    assert found is not None and found[0].intent == "size_exchange"
    assert index.nearest("completely different words here") is None
    assert TaughtIndex().nearest("anything") is None


def test_conflicts_with_shipped_and_taught_examples_of_another_intent() -> None:
    shipped = ShippedExamples(PHRASES)
    new = LearnedExample("It's too small! can I exchange it for a bigger size", "wrong_item", "en")
    conflict = find_conflict(new, shipped, [])
    assert conflict is not None and conflict.source == "shipped"
    assert conflict.intent == "size_exchange"
    assert "shipped example of size_exchange" in conflict.describe()

    same_intent = LearnedExample(new.text, "size_exchange", "en")
    assert find_conflict(same_intent, shipped, []) is None

    earlier = [LearnedExample("do you have the 39?", "size_exchange", "en", id=7)]
    clash = find_conflict(LearnedExample("do you have the 40", "product_question", "en"),
                          shipped, earlier)  # fmt: skip
    assert clash is not None and clash.source == "taught #7" and clash.intent == "size_exchange"

    # keywords and negative phrases are not examples: teaching past them is no conflict
    assert find_conflict(LearnedExample("wrong item", "return_refund", "en"), shipped, []) is None
    negative = LearnedExample("you sent me the wrong size", "wrong_item", "en")
    assert find_conflict(negative, shipped, []) is None
