"""Speed and size of the intent engine on one core: training, start-up, per message, memory.

Classifies every line of ``tests/data/intents_dev.jsonl`` (or the JSONL file given as the
first argument) several times with the full shipped intent set and prints the figures next to
the targets of the intent-engine issue: median ≤ 0.5 ms per message, the engine ready in
≤ 1.0 s at start-up (from the disk cache keyed by the intents' hash) and ≤ 100 MB added to the
process. Training (a cache miss: first start after editing the intents) is reported too.
Start-up and memory are measured in a fresh process, as ``parley run`` would see them; the
import of the engine's modules (numpy, scipy.sparse, …) is measured apart, in another one.

The median is taken once the per-word caches know the dev set's words (as in a running bot);
the first pass over the messages, with those caches empty, is reported as "first sight".
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.content.engine_cache import cached_matcher
from bot.wiring import load_intent_catalog

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5


def rss_mb() -> float:
    """Resident memory of this process in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1e6


# run as ``python -c``: a fresh interpreter that has imported nothing of Parley's yet
IMPORT_ONLY = """
import json, time
from pathlib import Path
def rss_mb():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 1e6
before = rss_mb()
started = time.perf_counter()
import bot.content.engine_cache
print(json.dumps({"seconds": time.perf_counter() - started, "mb": rss_mb() - before}))
"""


def child(*args: str) -> dict[str, float]:
    """Run ``python *args`` in a fresh interpreter; its JSON answer (the last line)."""
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    answer: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def load_only(cache_dir: Path) -> None:
    """Child process: load the cached engine; print seconds and MB added as JSON."""
    catalog = load_intent_catalog(None)
    before = rss_mb()
    started = time.perf_counter()
    matcher = cached_matcher(catalog.phrases, "en", cache_dir, catalog.concepts)
    seconds = time.perf_counter() - started
    matcher.classify("warm up")
    print(json.dumps({"seconds": seconds, "mb": rss_mb() - before}))


def main() -> int:
    """Run the benchmark and print the figures."""
    if sys.argv[1:2] == ["--load-only"]:
        load_only(Path(sys.argv[2]))
        return 0
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "intents_dev.jsonl"
    texts = [json.loads(line)["text"] for line in data.read_text("utf-8").splitlines() if line]
    catalog = load_intent_catalog(None)
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        matcher = cached_matcher(catalog.phrases, "en", Path(cache), catalog.concepts)
        train_s = time.perf_counter() - started
        loaded = child(__file__, "--load-only", cache)
    imported = child("-c", IMPORT_ONLY)
    first_sight: list[float] = []
    for text in texts:  # warm caches once, as a running bot would be
        t0 = time.perf_counter()
        matcher.classify(text)
        first_sight.append(time.perf_counter() - t0)
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
    print(f"training (cache miss):   {train_s:8.2f} s")
    print(f"start-up (cached):       {loaded['seconds']:8.3f} s    (target <= 1.0 s)")
    print(f"memory added:            {loaded['mb']:8.1f} MB   (target <= 100 MB)")
    print(f"importing the modules:   {imported['seconds']:8.3f} s    {imported['mb']:.1f} MB")
    print(f"median per message:      {median_ms:8.3f} ms   (target <= 0.5 ms)")
    print(f"95th percentile:         {p95_ms:8.3f} ms")
    first_ms = statistics.median(first_sight) * 1000
    print(f"median, first sight:     {first_ms:8.3f} ms   (word caches empty)")
    print(f"throughput (one core):   {rate:8.0f} msg/s")
    ok = loaded["seconds"] <= 1.0 and median_ms <= 0.5 and loaded["mb"] <= 100
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
