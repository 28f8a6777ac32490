"""Speed of the intent engine on one core: load time, median time per message, messages/s.

Classifies every line of ``tests/data/intents_dev.jsonl`` (or the JSONL file given as the
first argument) several times with the full shipped intent set and prints the figures next to
the targets (median <= 1 ms, >= 2,000 messages/s, intents loaded in < 2 s).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from bot.content.intents import load_intents
from bot.content.paths import shipped_dir
from bot.domain.intents import IntentMatcher
from bot.settings import SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


def main() -> int:
    """Run the benchmark and print the figures."""
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "intents_dev.jsonl"
    texts = [json.loads(line)["text"] for line in data.read_text("utf-8").splitlines() if line]
    started = time.perf_counter()
    catalog = load_intents(shipped_dir("intents"), SUPPORTED_LANGUAGES)
    matcher = IntentMatcher(catalog.phrases)
    load_s = time.perf_counter() - started
    for text in texts:  # warm caches once, as a running bot would be
        matcher.classify(text)
    per_message: list[float] = []
    batch_started = time.perf_counter()
    for _ in range(ROUNDS):
        for text in texts:
            t0 = time.perf_counter()
            matcher.classify(text)
            per_message.append(time.perf_counter() - t0)
    total_s = time.perf_counter() - batch_started
    median_ms = statistics.median(per_message) * 1000
    p95_ms = statistics.quantiles(per_message, n=20)[-1] * 1000
    rate = len(per_message) / total_s
    phrases = sum(not p.keyword for p in catalog.phrases)
    print(f"intents: {len(catalog.intents)}, phrases: {phrases}, messages: {len(texts)} x {ROUNDS}")
    print(f"intent load time:        {load_s:8.3f} s    (target < 2 s)")
    print(f"median per message:      {median_ms:8.3f} ms   (target <= 1 ms)")
    print(f"95th percentile:         {p95_ms:8.3f} ms")
    print(f"throughput (one core):   {rate:8.0f} msg/s (target >= 2000)")
    ok = load_s < 2 and median_ms <= 1 and rate >= 2000
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
