"""A trained intent engine, kept on disk so that a start-up does not train it again.

Training the engine (:class:`~bot.domain.intents.IntentMatcher`: the logistic regression above
all) takes seconds; loading it takes a fraction of one. The file is named by a hash of
everything the training depends on: the phrases, the settings that shape the model and the
source of the modules that build it. Editing an intent file or upgrading Parley therefore
trains afresh on the next start, and an old file is simply never read again.

The cache is a pickle: only a folder the Parley user alone writes to should hold it (the
default, ``$XDG_CACHE_HOME/parley`` or ``~/.cache/parley``, is such a folder). A file that
cannot be read is ignored and replaced; a folder that cannot be written is logged and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from bot.domain import (
    concepts,
    entities,
    features,
    intent_index,
    intent_types,
    intent_vectors,
    intents,
    language,
    linear,
    text,
)
from bot.domain.concepts import ConceptWords
from bot.domain.intents import IntentMatcher, Phrase

log = logging.getLogger(__name__)

# the modules whose code decides what a trained engine contains
_SOURCES: tuple[ModuleType, ...] = (
    concepts, entities, features, intent_index, intent_types, intent_vectors, intents, language,
    linear, text,
)  # fmt: skip


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/parley``, else ``~/.cache/parley``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "parley"


def engine_key(
    phrases: Iterable[Phrase], options: dict[str, object], concepts: ConceptWords | None = None
) -> str:
    """The hash naming a trained engine: phrases (in any order), options, the concept
    lexicon and engine code."""
    digest = hashlib.sha256()
    for module in _SOURCES:
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(repr(sorted(options.items())).encode())
    for lang, table in sorted((concepts or {}).items()):
        for concept, words in sorted(table.items()):
            digest.update(repr((lang, concept, tuple(words))).encode())
    for p in sorted(phrases, key=lambda p: (p.intent, p.lang, p.keyword, p.negative, p.text)):
        digest.update(repr((p.intent, p.lang, p.text, p.keyword, p.negative)).encode())
    return digest.hexdigest()[:24]


def cached_matcher(
    phrases: Iterable[Phrase],
    default_language: str,
    cache_dir: Path,
    concepts: ConceptWords | None = None,
    **options: object,
) -> IntentMatcher:
    """The engine for ``phrases`` and the ``concepts`` lexicon: loaded from ``cache_dir`` when
    trained before, else trained (and saved there); ``options`` go to the matcher."""
    phrases = list(phrases)
    path = cache_dir / f"intents-{engine_key(phrases, options, concepts)}.pickle"
    matcher = _load(path)
    if matcher is None:
        matcher = IntentMatcher(
            phrases,
            default_language=default_language,
            concepts=concepts,
            **options,  # type: ignore[arg-type]
        )
        _save(path, matcher)
    matcher.default_language = default_language
    return matcher


def _load(path: Path) -> IntentMatcher | None:
    try:
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("ignoring the unreadable intent-engine cache %s: %s", path, exc)
        return None
    return loaded if isinstance(loaded, IntentMatcher) else None


def _save(path: Path, matcher: IntentMatcher) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".intents-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(matcher, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the whole new one
    except OSError as exc:
        log.warning("could not cache the intent engine in %s: %s", path.parent, exc)
