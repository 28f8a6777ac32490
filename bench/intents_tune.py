"""Where the intent engine's decision constants come from: fitted on the dev set, never on the
outside writer's set or the locked split (intents/README.md, "Protocol").

Prints, for the shipped intents and ``tests/data/intents_dev.jsonl`` (or the first argument):

* the temperature that makes the confidence a probability (least negative log-likelihood) and
  the calibration error at each candidate;
* the ``none`` threshold: the lowest confidence bar that keeps ``none`` false-accepts ≤ 5 %
  while in-scope recall stays ≥ 95 %;
* the "ask the buyer" margin: how often the right intent is the runner-up at each margin;
* with ``--cv``, 5-fold cross-validation over the example phrases themselves;
* with ``--group-cv``, cross-validation that holds out one writing round at a time (the
  examples a round's commit added, found with ``git blame``): every held-out phrase was written
  by writers the training phrases did not come from, as a real buyer's message is. Random folds
  put lines by the same writer on both sides and so reward memorising a writer's style.

Usage: ``python bench/intents_tune.py [DEV.jsonl] [--cv] [--group-cv]``
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

from bot.cli_intents import read_jsonl
from bot.domain.evaluation import Sample, expected_calibration_error
from bot.domain.intents import NONE, IntentMatcher
from bot.wiring import intent_matcher, load_intent_catalog

ROOT = Path(__file__).resolve().parent.parent
TEMPERATURES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
MAX_FALSE_ACCEPT = 0.05
MIN_RECALL = 0.95


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature``."""
    z = logits / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    result: np.ndarray = z / z.sum(axis=1, keepdims=True)
    return result


def read_all(matcher: IntentMatcher, records: list[dict[str, str]]) -> tuple[np.ndarray, list[int]]:
    """Logits per message (a certain ``none`` where the engine stops early) and gold ids."""
    k = len(matcher.intents)
    none = matcher.intents.index(NONE)
    rows, gold = [], []
    for record in records:
        logits = matcher.read(record["text"], record.get("hint")).logits
        if logits is None:
            logits = np.full(k, -50.0)
            logits[none] = 50.0
        rows.append(logits)
        gold.append(matcher.intents.index(record["intent"]))
    return np.array(rows), gold


def tune(matcher: IntentMatcher, records: list[dict[str, str]]) -> None:
    """Print the temperature, threshold and margin sweeps on ``records``."""
    logits, gold_ids = read_all(matcher, records)
    gold = np.array(gold_ids)
    none = matcher.intents.index(NONE)
    rows = np.arange(len(gold))
    print("temperature   NLL     ECE    (lower is better)")
    best_t, best_nll = 1.0, float("inf")
    for t in TEMPERATURES:
        p = softmax(logits, t)
        nll = float(-np.log(np.clip(p[rows, gold], 1e-12, None)).mean())
        pred = p.argmax(axis=1)
        samples = [
            Sample("", str(g), str(q), confidence=float(c))
            for g, q, c in zip(gold, pred, p.max(axis=1), strict=True)
        ]
        ece = expected_calibration_error(samples) or 0.0
        print(f"  {t:<10} {nll:.4f}  {ece:.4f}")
        if nll < best_nll:
            best_t, best_nll = t, nll
    print(f"best temperature: {best_t} (the engine uses {matcher.temperature})")
    p = softmax(logits, matcher.temperature)
    pred, conf = p.argmax(axis=1), p.max(axis=1)
    is_none = gold == none
    print("\nthreshold  none-FA  in-scope recall  accuracy")
    for bar in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        decided = np.where((pred != none) & (conf < bar), none, pred)
        fa = float((decided[is_none] != none).mean()) if is_none.any() else 0.0
        recall = float((decided[~is_none] == gold[~is_none]).mean())
        ok = "  <- meets both" if fa <= MAX_FALSE_ACCEPT and recall >= MIN_RECALL else ""
        print(f"  {bar:<8} {fa:.3f}    {recall:.3f}            {(decided == gold).mean():.3f}{ok}")
    print(f"(the engine uses {matcher.threshold})")
    order = np.argsort(-p, axis=1)
    second = order[:, 1]
    gap = p[rows, order[:, 0]] - p[rows, second]
    print("\nmargin  asked  of them wrong at first  wrong and not asked")
    for margin in (0.1, 0.2, 0.3, 0.4, 0.5):
        asked = (gap < margin) & (pred != none) & (second != none)
        wrong = pred != gold
        print(
            f"  {margin:<6} {asked.mean():.3f}  {(asked & wrong).sum() / max(asked.sum(), 1):.3f}"
            f"                  {(wrong & ~asked).mean():.3f}"
        )
    print(f"(the engine uses {matcher.ambiguity_margin})")


def cross_validate(folds: int = 5) -> None:
    """Accuracy of an engine trained on 4/5 of the examples on the other fifth."""
    catalog = load_intent_catalog(None)
    examples = [p for p in catalog.phrases if not p.keyword and not p.negative]
    others = [p for p in catalog.phrases if p.keyword or p.negative]
    random.Random(7).shuffle(examples)
    scores = []
    for fold in range(folds):
        held = examples[fold::folds]
        train = [p for i, p in enumerate(examples) if i % folds != fold]
        matcher = IntentMatcher([*train, *others], concepts=catalog.concepts)
        right = sum(matcher.classify(p.text).intent == p.intent for p in held)
        scores.append(right / len(held))
        print(f"  fold {fold + 1}: {scores[-1]:.3f} on {len(held)} examples")
    print(f"cross-validation accuracy: {np.mean(scores):.3f} ± {np.std(scores):.3f}")


# The commits that added the example phrases, by writing round (``git log -- intents``). Lines
# from any other commit are always trained on.
ROUNDS = {
    "first examples, the team": ("8930c10", "2ba8443", "7bdb4a1"),
    "wider examples, the team": ("3d05d00", "16d934c", "3b5b064", "9377c4a"),
    "five other writers": ("d959a1a",),
    "buyer personas": ("4881cb3",),
    "two new writers, fr/en/ru and fr/es": ("e6cf01a", "6265c19"),
    "rounds five to eight": ("d8525b3", "879c7ba", "c6d7b56", "3becc58"),
}


def example_rounds() -> dict[tuple[str, str, str], str]:
    """(intent, language, phrase) → the writing round whose commit added the phrase."""
    round_of = {commit: name for name, commits in ROUNDS.items() for commit in commits}
    found: dict[tuple[str, str, str], str] = {}
    for path in sorted((ROOT / "intents").glob("*.toml")):
        blame = subprocess.run(
            ["git", "blame", "--line-porcelain", str(path)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        ).stdout.splitlines()  # fmt: skip
        commit, section, lang = "", "", ""
        for line in blame:
            if not line.startswith("\t"):
                head = line.split(" ", 1)[0]
                if len(head) == 40:
                    commit = head[:7]
                continue
            text = line[1:].strip()
            if text.startswith("["):
                section = text.strip("[]")
            elif "= [" in text:
                lang = text.split("=", 1)[0].strip()
            elif text.startswith('"') and section == "examples" and commit in round_of:
                phrase = tomllib.loads(f"x = [{text.rstrip(',')}]")["x"][0]
                found[(path.stem, lang, phrase)] = round_of[commit]
    return found


def group_cross_validate() -> None:
    """Accuracy on each writing round's phrases of an engine trained on all the others."""
    catalog = load_intent_catalog(None)
    examples = [p for p in catalog.phrases if not p.keyword and not p.negative]
    others = [p for p in catalog.phrases if p.keyword or p.negative]
    rounds = example_rounds()
    of = [rounds.get((p.intent, p.lang, p.text)) for p in examples]
    scores = []
    for name in ROUNDS:
        held = [p for p, n in zip(examples, of, strict=True) if n == name]
        train = [p for p, n in zip(examples, of, strict=True) if n != name]
        matcher = IntentMatcher([*train, *others], concepts=catalog.concepts)
        right = sum(matcher.classify(p.text).intent == p.intent for p in held)
        scores.append(right / len(held))
        print(f"  {name}: {scores[-1]:.3f} on {len(held)} examples")
    print(f"held-out-round accuracy (mean over rounds): {np.mean(scores):.4f}")


def main() -> int:
    """Tune on the dev set; optionally cross-validate."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else ROOT / "tests" / "data" / "intents_dev.jsonl"
    started = time.perf_counter()
    matcher = intent_matcher(load_intent_catalog(None), "en")
    print(f"engine ready in {time.perf_counter() - started:.1f} s; tuning on {path.name}\n")
    tune(matcher, list(read_jsonl(path)))
    if "--cv" in sys.argv:
        print()
        cross_validate()
    if "--group-cv" in sys.argv:
        print()
        group_cross_validate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
