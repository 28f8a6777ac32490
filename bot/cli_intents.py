"""``parley classify``, ``parley eval`` and ``parley intents export|teach|learned|forget``
(no aiogram imports); the catalog, the matcher and the database come from :mod:`bot.wiring`.

``classify`` and ``eval`` apply the examples taught to the database at ``PARLEY_DATABASE``
(when it exists), exactly as the running bot does; ``teach`` stores one there (a conflict
with a shipped or taught example of another intent is reported, exit status 1, nothing
stored), ``learned`` lists them (``--export``: TOML to paste into your own intents folder)
and ``forget`` stops applying one.

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
from bot.domain.learned import LearnedExample, TeachableMatcher
from bot.services.teaching import TeachingService
from bot.wiring import intent_matcher, load_intent_catalog, open_teaching


def add_intent_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``classify``, ``intents export`` and ``eval`` on the ``parley`` parser."""
    classify = sub.add_parser("classify", help="classify one buyer message, print JSON")
    classify.add_argument("text", help="the message text")
    classify.add_argument("--lang", help="Telegram language code hint (en, ru, es, pt, fr)")
    intents = sub.add_parser("intents", help="intent data tools")
    actions = intents.add_subparsers(dest="action", required=True)
    actions.add_parser("export", help="print every example phrase as JSON lines")
    teach = actions.add_parser("teach", help="teach that TEXT means INTENT (applies at once)")
    teach.add_argument("text", help="a buyer message")
    teach.add_argument("intent", help="the intent it means, e.g. size_exchange")
    teach.add_argument("--lang", help="its language (detected when left out)")
    learned = actions.add_parser("learned", help="list the taught examples")
    learned.add_argument("--export", action="store_true",
                         help="print them as TOML for your own intents folder")  # fmt: skip
    forget = actions.add_parser("forget", help="stop applying taught example ID")
    forget.add_argument("id", type=int)
    evaluate_cmd = sub.add_parser("eval", help="evaluate the intent engine on a JSONL file")
    evaluate_cmd.add_argument("file", type=Path, help='JSON lines with "text", "intent", "lang"')
    evaluate_cmd.add_argument("--json", action="store_true", help="print one JSON object")


async def run_intent_command(args: argparse.Namespace, settings: Any) -> int | None:
    """Run ``args.command`` if it is one of ours; None otherwise."""
    command = getattr(args, "command", None)
    if command not in ("classify", "intents", "eval"):
        return None
    catalog = load_catalog(settings)
    if command == "intents" and args.action == "export":
        return export_examples(catalog, sys.stdout)
    matcher = TeachableMatcher(build_matcher(catalog, settings), catalog.phrases)
    if command == "intents":
        async with open_teaching(settings, matcher) as teaching:
            return await run_teaching(args, teaching, sys.stdout)
    if has_database(settings):
        async with open_teaching(settings, matcher) as teaching:
            await teaching.load()
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


async def run_teaching(args: argparse.Namespace, teaching: TeachingService, out: TextIO) -> int:
    """``intents teach|learned|forget``; 1 when a taught example was not applied."""
    if args.action == "teach":
        language = args.lang or teaching.matcher.language_of(args.text)
        taught = await teaching.teach(args.text, args.intent, language, by="parley intents")
        example = taught.example
        if taught.conflict is not None:
            out.write(f"not learned: {taught.conflict.describe()}\n")
            if taught.conflict.source != "shipped":
                out.write(f"(forget it first: parley intents forget "
                          f"{taught.conflict.source.removeprefix('taught #')})\n")  # fmt: skip
            return 1
        verb = "already known" if taught.known else "learned"
        out.write(f"{verb} #{example.id}: {example.text!r} → {example.intent} "
                  f"({example.language})\n")  # fmt: skip
        return 0
    if args.action == "learned":
        examples = await teaching.learned()
        out.write(export_toml(examples) if args.export else list_examples(examples))
        return 0
    await teaching.forget(args.id)
    out.write(f"forgot #{args.id}\n")
    return 0


def list_examples(examples: list[LearnedExample]) -> str:
    """One line per taught example: id, intent, language, text, who and when."""
    if not examples:
        return "no taught examples\n"
    lines = []
    for e in examples:
        when = e.taught_at.strftime("%Y-%m-%d %H:%M") if e.taught_at else ""
        by = f" by {e.taught_by}" if e.taught_by else ""
        lines.append(f"#{e.id}\t{e.intent}\t{e.language}\t{e.text!r}\t{when}{by}")
    return "\n".join(lines) + "\n"


def export_toml(examples: list[LearnedExample]) -> str:
    """The taught examples as ``[examples]`` tables, one per intent file, to paste into the
    matching ``<intent>.toml`` of your own intents folder (``PARLEY_INTENTS_DIR``)."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for e in examples:
        grouped.setdefault(e.intent, {}).setdefault(e.language, []).append(e.text)
    parts = []
    for intent in sorted(grouped):
        lines = [f"# {intent}.toml: add to its [examples]", "[examples]"]
        for lang in sorted(grouped[intent]):
            quoted = ", ".join(json.dumps(t, ensure_ascii=False) for t in grouped[intent][lang])
            lines.append(f"{lang} = [{quoted}]")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def has_database(settings: Any) -> bool:
    """Whether ``PARLEY_DATABASE`` is set and exists (classify and eval never create a SQLite
    file; a PostgreSQL URL names a server, taken to exist)."""
    database = getattr(settings, "database", None)
    if isinstance(database, str) and "://" in database and not database.startswith("sqlite"):
        return True
    return database is not None and Path(database).exists()


def load_catalog(settings: Any) -> IntentCatalog:
    """The intents the settings point at (the shipped ones by default)."""
    return load_intent_catalog(getattr(settings, "intents_dir", None))


def build_matcher(catalog: IntentCatalog, settings: Any) -> IntentMatcher:
    """A matcher over ``catalog`` using the settings' default language."""
    return intent_matcher(
        catalog,
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


def run_samples(
    matcher: IntentMatcher | TeachableMatcher, records: Iterator[dict[str, str]]
) -> Iterator[Sample]:
    """Classify each record; its ``lang`` (if any) is the language the metrics group by."""
    for record in records:
        result = matcher.classify(record["text"])
        yield Sample(
            record["text"], record["intent"], result.intent,
            record.get("lang") or result.language, result.confidence,
        )  # fmt: skip
