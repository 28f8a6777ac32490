"""Metrics on a tiny set whose figures are known by hand."""

from __future__ import annotations

import json

import pytest

from bot.domain.evaluation import (
    Sample,
    accuracy,
    confusions,
    evaluate,
    format_report,
    macro_f1,
    none_false_accept,
    none_false_reject,
    per_intent_scores,
    per_language_accuracy,
)

SAMPLES = [
    Sample("a1", "cancel_order", "cancel_order", "en"),
    Sample("a2", "cancel_order", "change_order", "en"),
    Sample("a3", "change_order", "change_order", "es"),
    Sample("a4", "change_order", "change_order", "es"),
    Sample("a5", "none", "none", "en"),
    Sample("a6", "none", "greeting", "fr"),
    Sample("a7", "greeting", "none", "fr"),
    Sample("a8", "greeting", "greeting", "fr"),
]


def test_accuracy_and_per_language() -> None:
    assert accuracy(SAMPLES) == pytest.approx(5 / 8)
    assert per_language_accuracy(SAMPLES) == {
        "en": pytest.approx(2 / 3),
        "es": 1.0,
        "fr": pytest.approx(1 / 3),
    }


def test_per_intent_precision_recall_f1() -> None:
    scores = per_intent_scores(SAMPLES)
    cancel = scores["cancel_order"]
    assert (cancel.precision, cancel.recall, cancel.support) == (1.0, 0.5, 2)
    assert cancel.f1 == pytest.approx(2 / 3)
    change = scores["change_order"]
    assert change.precision == pytest.approx(2 / 3) and change.recall == 1.0
    assert change.f1 == pytest.approx(0.8)
    assert scores["greeting"].f1 == pytest.approx(0.5)
    assert scores["none"].f1 == pytest.approx(0.5)
    assert macro_f1(SAMPLES) == pytest.approx((2 / 3 + 0.8 + 0.5 + 0.5) / 4)


def test_confusions_most_frequent_first() -> None:
    extra = [*SAMPLES, Sample("a9", "cancel_order", "change_order", "en")]
    assert confusions(extra)[0] == ("cancel_order", "change_order", 2)
    assert len(confusions(extra, top=2)) == 2


def test_none_rates() -> None:
    assert none_false_accept(SAMPLES) == pytest.approx(1 / 2)  # a6
    assert none_false_reject(SAMPLES) == pytest.approx(1 / 6)  # a7


def test_empty_and_never_predicted() -> None:
    assert accuracy([]) == 0.0 and macro_f1([]) == 0.0
    assert none_false_accept([]) == 0.0 and none_false_reject([]) == 0.0
    only = [Sample("x", "thanks", "greeting")]
    scores = per_intent_scores(only)
    assert scores["thanks"].precision == 0.0 and scores["greeting"].recall == 0.0
    assert macro_f1(only) == 0.0  # greeting has no gold samples: not averaged


def test_report_json_and_text() -> None:
    report = evaluate(SAMPLES)
    data = json.loads(json.dumps(report.as_dict()))
    for key in ("accuracy", "macro_f1", "per_language", "per_intent", "confusions",
                "none_false_accept", "none_false_reject"):  # fmt: skip
        assert key in data
    assert data["per_intent"]["cancel_order"]["recall"] == 0.5
    text = format_report(report)
    assert "accuracy: 0.625" in text and "cancel_order -> change_order" in text


def test_calibration_error_compares_stated_confidence_with_observed_accuracy() -> None:
    from bot.domain.evaluation import Sample, evaluate, expected_calibration_error

    right = [Sample(f"r{i}", "a", "a", "en", 0.95) for i in range(9)]
    wrong = [Sample("w", "a", "b", "en", 0.95)]
    assert abs((expected_calibration_error(right + wrong) or 0) - 0.05) < 1e-9
    overconfident = [Sample(f"o{i}", "a", "a" if i < 5 else "b", "en", 0.99) for i in range(10)]
    assert abs((expected_calibration_error(overconfident) or 0) - 0.49) < 1e-9
    assert expected_calibration_error([Sample("x", "a", "a")]) is None
    report = evaluate(right + wrong).as_dict()
    assert report["misses"] == [{"text": "w", "intent": "a", "predicted": "b", "confidence": 0.95}]
