"""Classification metrics for the intent engine (pure functions over gold/predicted labels)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

NONE = "none"


@dataclass(frozen=True)
class Sample:
    """One labelled message and what the engine said about it."""

    text: str
    gold: str
    predicted: str
    language: str = ""
    confidence: float | None = None  # what the engine said its prediction's probability is


@dataclass(frozen=True)
class IntentScore:
    """Precision, recall and F1 of one intent, with its number of gold samples (support)."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """Everything ``parley eval`` shows."""

    total: int
    accuracy: float
    macro_f1: float
    per_language: dict[str, float]
    per_intent: dict[str, IntentScore]
    confusions: list[tuple[str, str, int]]
    none_false_accept: float
    none_false_reject: float
    ece: float | None = None
    misses: tuple[Sample, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "total": self.total,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_language": dict(self.per_language),
            "per_intent": {
                name: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "support": s.support,
                }
                for name, s in self.per_intent.items()
            },
            "confusions": [
                {"gold": gold, "predicted": pred, "count": n} for gold, pred, n in self.confusions
            ],
            "none_false_accept": self.none_false_accept,
            "none_false_reject": self.none_false_reject,
            "ece": self.ece,
            "misses": [
                {
                    "text": m.text,
                    "intent": m.gold,
                    "predicted": m.predicted,
                    "confidence": m.confidence,
                }
                for m in self.misses
            ],
        }


def accuracy(samples: Sequence[Sample]) -> float:
    """Share of samples whose prediction equals the gold label (0.0 for no samples)."""
    if not samples:
        return 0.0
    return sum(s.gold == s.predicted for s in samples) / len(samples)


def per_language_accuracy(samples: Sequence[Sample]) -> dict[str, float]:
    """Accuracy for each language present in the samples (sorted by language code)."""
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(sample.language or "?", []).append(sample)
    return {lang: accuracy(group) for lang, group in sorted(groups.items())}


def per_intent_scores(samples: Sequence[Sample]) -> dict[str, IntentScore]:
    """Precision/recall/F1 for every label seen as gold or prediction (sorted by label).

    A label never predicted has precision 0; a label with no gold samples has recall 0.
    """
    labels = sorted({s.gold for s in samples} | {s.predicted for s in samples})
    true_pos: Counter[str] = Counter()
    gold_count: Counter[str] = Counter()
    pred_count: Counter[str] = Counter()
    for s in samples:
        gold_count[s.gold] += 1
        pred_count[s.predicted] += 1
        if s.gold == s.predicted:
            true_pos[s.gold] += 1
    result: dict[str, IntentScore] = {}
    for label in labels:
        tp = true_pos[label]
        precision = tp / pred_count[label] if pred_count[label] else 0.0
        recall = tp / gold_count[label] if gold_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = IntentScore(precision, recall, f1, gold_count[label])
    return result


def macro_f1(samples: Sequence[Sample]) -> float:
    """Unweighted mean F1 over the labels that have gold samples."""
    scores = [s.f1 for s in per_intent_scores(samples).values() if s.support]
    return sum(scores) / len(scores) if scores else 0.0


def confusions(samples: Sequence[Sample], top: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (gold, predicted, count) mistakes, most frequent first."""
    counts = Counter((s.gold, s.predicted) for s in samples if s.gold != s.predicted)
    return sorted(((g, p, n) for (g, p), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))[
        :top
    ]


def none_false_accept(samples: Sequence[Sample]) -> float:
    """Share of out-of-scope (``none``) samples that were classified as some intent."""
    nones = [s for s in samples if s.gold == NONE]
    return sum(s.predicted != NONE for s in nones) / len(nones) if nones else 0.0


def none_false_reject(samples: Sequence[Sample]) -> float:
    """Share of in-scope samples that were classified ``none``."""
    real = [s for s in samples if s.gold != NONE]
    return sum(s.predicted == NONE for s in real) / len(real) if real else 0.0


def expected_calibration_error(samples: Sequence[Sample], bins: int = 10) -> float | None:
    """How far stated confidence is from observed accuracy: the sample-weighted mean, over
    ``bins`` equal-width confidence bins, of |accuracy − mean confidence|. None when no
    sample carries a confidence. 0 is perfectly calibrated."""
    rated = [s for s in samples if s.confidence is not None]
    if not rated:
        return None
    groups: dict[int, list[Sample]] = {}
    for sample in rated:
        confidence = min(max(float(sample.confidence or 0.0), 0.0), 1.0)
        groups.setdefault(min(int(confidence * bins), bins - 1), []).append(sample)
    total = 0.0
    for group in groups.values():
        hit = sum(s.gold == s.predicted for s in group) / len(group)
        mean = sum(float(s.confidence or 0.0) for s in group) / len(group)
        total += len(group) * abs(hit - mean)
    return total / len(rated)


def evaluate(samples: Sequence[Sample], top_confusions: int = 10) -> Report:
    """All metrics at once."""
    return Report(
        total=len(samples),
        accuracy=accuracy(samples),
        macro_f1=macro_f1(samples),
        per_language=per_language_accuracy(samples),
        per_intent=per_intent_scores(samples),
        confusions=confusions(samples, top_confusions),
        none_false_accept=none_false_accept(samples),
        none_false_reject=none_false_reject(samples),
        ece=expected_calibration_error(samples),
        misses=tuple(s for s in samples if s.gold != s.predicted),
    )


def format_report(report: Report) -> str:
    """A plain-text report for people."""
    lines = [
        f"messages: {report.total}",
        f"accuracy: {report.accuracy:.3f}",
        f"macro-F1: {report.macro_f1:.3f}",
        f"none false-accept: {report.none_false_accept:.3f}   "
        f"none false-reject: {report.none_false_reject:.3f}",
        *([f"expected calibration error: {report.ece:.3f}"] if report.ece is not None else []),
        "",
        "per language:",
    ]
    lines += [f"  {lang:<4} {acc:.3f}" for lang, acc in report.per_language.items()]
    lines += ["", f"  {'intent':<18} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}"]
    lines += [
        f"  {name:<18} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} {s.support:>4}"
        for name, s in report.per_intent.items()
    ]
    if report.confusions:
        lines += ["", "most frequent confusions (gold -> predicted):"]
        lines += [f"  {n:>3} x {gold} -> {pred}" for gold, pred, n in report.confusions]
    return "\n".join(lines)
