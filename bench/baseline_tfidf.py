"""A trained baseline for the intent engine: TF-IDF (word + char n-grams) logistic regression.

Trains on exactly what ``parley intents export`` prints (every example phrase with its
intent), evaluates on the dev set (``tests/data/intents_dev.jsonl`` or the first argument)
and prints the baseline next to Parley: accuracy, macro-F1, none false-accept. With
``--group-cv`` it instead prints the baseline's held-out-round accuracy, the figure
``python bench/intents_tune.py --group-cv`` prints for Parley (each writing round's phrases,
trained on all the other rounds').
scikit-learn is a runtime dependency (it trains Parley's own engine too).
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from bot.cli_intents import build_matcher, export_examples, read_jsonl, run_samples
from bot.content.intents import IntentCatalog, load_intents
from bot.content.paths import shipped_dir
from bot.domain.evaluation import Report, Sample, evaluate
from bot.domain.languages import BUYER_LANGUAGES as SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def baseline(train: list[dict[str, str]], test: list[dict[str, str]]) -> list[Sample]:
    """Fit TF-IDF word 1-2 + char_wb 2-5 grams → LogisticRegression; predict the test set."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                        strip_accents="unicode", lowercase=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                        strip_accents="unicode", lowercase=True),
    )  # fmt: skip
    model = make_pipeline(features, LogisticRegression(C=10.0, max_iter=5000))
    model.fit([r["text"] for r in train], [r["intent"] for r in train])
    predicted = model.predict([r["text"] for r in test])
    return [
        Sample(r["text"], r["intent"], str(p), r.get("lang", ""))
        for r, p in zip(test, predicted, strict=True)
    ]


def main() -> int:
    """Train, evaluate both, print side by side."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is not installed: pip install -e '.[bench]' (skipping baseline)")
        return 0
    if "--group-cv" in sys.argv:
        return group_cross_validate()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data = Path(args[0]) if args else ROOT / "tests" / "data" / "intents_dev.jsonl"
    catalog = load_intents(shipped_dir("intents"), SUPPORTED_LANGUAGES)
    train = exported_records(catalog)
    test = list(read_jsonl(data))
    started = time.perf_counter()
    base_samples = baseline(train, test)
    base = evaluate(base_samples)
    base_s = time.perf_counter() - started
    matcher = build_matcher(catalog, SimpleNamespace(default_language="en"))
    our_samples = list(run_samples(matcher, iter(test)))
    ours = evaluate(our_samples)
    print(
        f"trained on {len(train)} exported examples, evaluated on {len(test)} lines of {data.name}"
    )
    print(f"(baseline trained and evaluated in {base_s:.1f} s)\n")
    _table(base, ours)
    _agreement(base_samples, our_samples)
    better = ours.accuracy > base.accuracy and ours.macro_f1 > base.macro_f1
    print("\nParley beats the baseline" if better else "\nPARLEY DOES NOT BEAT THE BASELINE")
    return 0 if better else 1


def exported_records(catalog: IntentCatalog) -> list[dict[str, str]]:
    """What ``parley intents export`` prints for ``catalog``, as records."""
    exported = io.StringIO()
    export_examples(catalog, exported)
    return [json.loads(line) for line in exported.getvalue().splitlines()]


def group_cross_validate() -> int:
    """The baseline on each writing round's phrases, trained on the other rounds' phrases."""
    from intents_tune import ROUNDS, example_rounds  # this folder is on sys.path

    records = exported_records(load_intents(shipped_dir("intents"), SUPPORTED_LANGUAGES))
    rounds = example_rounds()
    of = [rounds.get((r["intent"], r["lang"], r["text"])) for r in records]
    scores = []
    for name in ROUNDS:
        held = [r for r, n in zip(records, of, strict=True) if n == name]
        train = [r for r, n in zip(records, of, strict=True) if n != name]
        samples = baseline(train, held)
        scores.append(sum(s.predicted == s.gold for s in samples) / len(held))
        print(f"  {name}: {scores[-1]:.3f} on {len(held)} examples")
    print(f"baseline held-out-round accuracy (mean over rounds): {sum(scores) / len(scores):.4f}")
    return 0


def _agreement(base: list[Sample], ours: list[Sample]) -> None:
    """How the two models' misses overlap (counts only: the lines are not printed, so that a
    check set's lines stay unread). Lines both miss bound what choosing between the two, or
    any blend of them, can reach: the "either right" accuracy."""
    both = [
        (b, o)
        for b, o in zip(base, ours, strict=True)
        if b.predicted != b.gold and o.predicted != o.gold
    ]
    same = sum(b.predicted == o.predicted for b, o in both)
    print(
        f"\nlines both miss: {len(both)} ({same} with the same wrong answer); "
        f"either right: {1 - len(both) / len(ours):.3f}"
    )


def _table(base: Report, ours: Report) -> None:
    rows = [
        ("accuracy", base.accuracy, ours.accuracy),
        ("macro-F1", base.macro_f1, ours.macro_f1),
        ("none false-accept", base.none_false_accept, ours.none_false_accept),
        ("none false-reject", base.none_false_reject, ours.none_false_reject),
    ]
    rows += [
        (f"accuracy [{lang}]", base.per_language.get(lang, 0.0), acc)
        for lang, acc in ours.per_language.items()
    ]
    print(f"{'metric':<22} {'TF-IDF+LR':>10} {'Parley':>10}")
    for name, b, o in rows:
        print(f"{name:<22} {b:>10.3f} {o:>10.3f}")


if __name__ == "__main__":
    sys.exit(main())
