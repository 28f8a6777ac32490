"""``parley classify``, ``parley intents export`` and ``parley eval`` (no aiogram imports);
the catalog and the matcher come from the builders in :mod:`bot.wiring`.

Wired into :mod:`bot.cli` with :func:`add_intent_commands` (parser) and
:func:`run_intent_command` (dispatch; returns None for commands that are not ours).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.content.intents import IntentCatalog
from bot.domain.errors import ContentError
from bot.domain.evaluation import Sample, evaluate, format_report
from bot.domain.intents import IntentMatcher
from bot.wiring import intent_matcher, load_intent_catalog


def add_intent_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``classify``, ``intents export`` and ``eval`` on the ``parley`` parser."""
    classify = sub.add_parser("classify", help="classify one buyer message, print JSON")
    classify.add_argument("text", help="the message text")
    classify.add_argument("--lang", help="Telegram language code hint (en, ru, es, pt, fr)")
    intents = sub.add_parser("intents", help="intent data tools")
    actions = intents.add_subparsers(dest="action", required=True)
    actions.add_parser("export", help="print every example phrase as JSON lines")
    evaluate_cmd = sub.add_parser("eval", help="evaluate the intent engine on a JSONL file")
    evaluate_cmd.add_argument("file", type=Path, help='JSON lines with "text", "intent", "lang"')
    evaluate_cmd.add_argument("--json", action="store_true", help="print one JSON object")


async def run_intent_command(args: argparse.Namespace, settings: Any) -> int | None:
    """Run ``args.command`` if it is one of ours; None otherwise."""
    command = getattr(args, "command", None)
    if command not in ("classify", "intents", "eval"):
        return None
    catalog = load_catalog(settings)
    if command == "intents":
        return export_examples(catalog, sys.stdout)
    matcher = build_matcher(catalog, settings)
    if command == "classify":
        result = matcher.classify(args.text, args.lang)
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return 0
    samples = list(run_samples(matcher, read_jsonl(args.file)))
    report = evaluate(samples)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def load_catalog(settings: Any) -> IntentCatalog:
    """The intents the settings point at (the shipped ones by default)."""
    return load_intent_catalog(getattr(settings, "intents_dir", None))


def build_matcher(catalog: IntentCatalog, settings: Any) -> IntentMatcher:
    """A matcher over ``catalog`` using the settings' default language."""
    return intent_matcher(
        catalog.phrases,
        getattr(settings, "default_language", "en"),
        getattr(settings, "cache_dir", None),
    )


def export_examples(catalog: IntentCatalog, out: TextIO) -> int:
    """Write every example phrase (not keywords or negatives) as a JSON line."""
    for phrase in catalog.phrases:
        if phrase.keyword or phrase.negative:
            continue
        record = {"text": phrase.text, "intent": phrase.intent, "lang": phrase.lang}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def read_jsonl(path: Path) -> Iterator[dict[str, str]]:
    """Records of a JSON-lines file; a broken line raises ContentError naming it."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ContentError(f"{path}:{number}: not JSON ({exc.msg})") from None
            if (
                not isinstance(record, dict)
                or not isinstance(record.get("text"), str)
                or not (isinstance(record.get("intent"), str))
            ):
                raise ContentError(f'{path}:{number}: needs string "text" and "intent"')
            yield record


def run_samples(matcher: IntentMatcher, records: Iterator[dict[str, str]]) -> Iterator[Sample]:
    """Classify each record; its ``lang`` (if any) is the language the metrics group by."""
    for record in records:
        result = matcher.classify(record["text"])
        yield Sample(
            record["text"], record["intent"], result.intent,
            record.get("lang") or result.language, result.confidence,
        )  # fmt: skip
