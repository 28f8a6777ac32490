"""What teaching does: the taught lines and typo variants of them, and everything else.

Takes the dev lines the engine gets wrong (or, with ``--random-intent``, random lines taught a
random wrong intent: the worst a careless seller can do), teaches each one as the seller would
(``parley intents teach``: lines that conflict with a shipped example of another intent are
refused), then classifies:

- the taught lines themselves and a typo variant of each (a letter dropped, doubled or swapped
  in two words, punctuation lost, case changed): the target is that both come back as taught;
- every other line of the file, before and after teaching: the target is that accuracy there
  drops by no more than 1 point.

``python bench/intents_teach.py [FILE] [--random-intent] [--cutoff N]`` (FILE defaults to the
dev set; the similarity cutoff to :data:`bot.domain.learned.TAUGHT_SIMILARITY`).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from bot.content.engine_cache import cached_matcher, default_cache_dir
from bot.domain import learned
from bot.domain.learned import LearnedExample, TaughtIndex, TeachableMatcher
from bot.wiring import load_intent_catalog

ROOT = Path(__file__).resolve().parent.parent
TAUGHT = 60


def typo(text: str, rng: random.Random) -> str:
    """A hurried retyping: two words get a letter dropped, doubled or swapped; no final
    punctuation; sometimes all lower case."""
    words = text.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 4]
    for i in rng.sample(candidates, min(2, len(candidates))):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        kind = rng.choice(("drop", "double", "swap"))
        if kind == "drop":
            w = w[:j] + w[j + 1 :]
        elif kind == "double":
            w = w[:j] + w[j] + w[j:]
        else:
            w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
        words[i] = w
    out = " ".join(words).rstrip("?!.")
    return out.lower() if rng.random() < 0.5 else out


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", type=Path,
                        default=ROOT / "tests" / "data" / "intents_dev.jsonl")  # fmt: skip
    parser.add_argument("--random-intent", action="store_true")
    parser.add_argument("--cutoff", type=float, default=learned.TAUGHT_SIMILARITY)
    args = parser.parse_args()
    learned.TAUGHT_SIMILARITY = args.cutoff  # the bench varies the module's one constant
    rng = random.Random(7)
    records = [json.loads(line) for line in args.file.read_text("utf-8").splitlines() if line]
    catalog = load_intent_catalog(None)
    engine = cached_matcher(catalog.phrases, "en", default_cache_dir(), catalog.concepts)
    matcher = TeachableMatcher(engine, catalog.phrases)
    before = [matcher.classify(r["text"]).intent for r in records]
    intents = sorted(set(engine.intents))
    if args.random_intent:
        chosen = rng.sample(range(len(records)), TAUGHT)
        lesson = {i: rng.choice([x for x in intents if x != records[i]["intent"]]) for i in chosen}
    else:
        wrong = [i for i, r in enumerate(records) if before[i] != r["intent"]]
        chosen = rng.sample(wrong, min(TAUGHT, len(wrong)))
        lesson = {i: records[i]["intent"] for i in chosen}
    taught: list[LearnedExample] = []
    refused = 0
    for n, i in enumerate(chosen, start=1):
        text = records[i]["text"]
        example = LearnedExample(text, lesson[i], engine.language_of(text), id=n)
        if not learned.comparable(text) or matcher.conflict(example) is not None:
            refused += 1
            continue
        taught.append(example)
        matcher.use(TaughtIndex(taught, n))
    applied = {e.text for e in taught}
    taught_ok = sum(matcher.classify(e.text).intent == e.intent for e in taught)
    variants = [(typo(e.text, rng), e.intent) for e in taught]
    typo_ok = sum(matcher.classify(t).intent == intent for t, intent in variants)
    rest = [i for i, r in enumerate(records) if r["text"] not in applied]
    after = {i: matcher.classify(records[i]["text"]).intent for i in rest}
    acc_before = sum(before[i] == records[i]["intent"] for i in rest) / len(rest)
    acc_after = sum(after[i] == records[i]["intent"] for i in rest) / len(rest)
    moved = sum(before[i] != after[i] for i in rest)
    mode = "random wrong intents" if args.random_intent else "corrections of misses"
    print(f"file: {args.file.name}, cutoff {args.cutoff:.0f}, {mode}")
    print(f"taught: {len(taught)} applied, {refused} refused (conflict, or no words)")
    print(f"taught lines classified as taught:  {taught_ok}/{len(taught)}")
    print(f"typo variants classified as taught: {typo_ok}/{len(taught)}   (target: all)")
    change = (acc_after - acc_before) * 100
    print(f"other lines: accuracy {acc_before:.3f} → {acc_after:.3f} "
          f"({change:+.1f} pt, target ≥ -1.0); answers moved: {moved}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
