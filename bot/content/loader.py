"""Loading all seller-editable content at start-up (no Telegram imports: the CLI uses it too).

The loader takes plain arguments: where the files are, the buyer languages, and the
templates to require. The composition root (:func:`bot.wiring.load_content`) collects those
from the settings and from the ``TEMPLATES`` each use case declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.content.followups import load_followup_rules
from bot.content.intents import IntentCatalog, load_intents
from bot.content.samples import sample_context
from bot.content.templates import TemplateRenderer
from bot.domain.followups import FollowupRules


@dataclass(frozen=True)
class Content:
    """Validated intents and templates."""

    intents: IntentCatalog
    renderer: TemplateRenderer
    followups: FollowupRules = field(default_factory=FollowupRules)


def load_content(
    intents_dir: Path,
    replies_dir: Path,
    followups_file: Path,
    languages: tuple[str, ...],
    templates: Iterable[tuple[str, str, str]],
    cache_dir: Path | None = None,
) -> Content:
    """Load and validate intents (examples in ``languages``), templates and follow-up rules.

    Every template file must compile, and each (audience, language, name) in ``templates``
    must exist and render with its sample context (:mod:`bot.content.samples`) under
    StrictUndefined. :class:`ContentError` names the broken file (and line). Compiled
    templates are kept under ``cache_dir`` when given (a start then only checks them).
    """
    catalog = load_intents(intents_dir, languages)
    renderer = TemplateRenderer(replies_dir, cache_dir)
    renderer.validate(templates, cache(sample_context))  # one context per template name
    followups = load_followup_rules(followups_file)
    return Content(catalog, renderer, followups)
