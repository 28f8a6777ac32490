"""Loading all seller-editable content at start-up (no Telegram imports: the CLI uses it too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content.followups import load_followup_rules
from bot.content.intents import IntentCatalog, load_intents
from bot.content.paths import shipped_dir, shipped_file
from bot.content.templates import TemplateRenderer
from bot.domain.followups import FollowupRules
from bot.domain.playbook import INTENTS, OPTION_KINDS
from bot.services.followups import followup_sample_context, followup_templates
from bot.services.presenter import BUYER, SELLER, sample_context
from bot.settings import SUPPORTED_LANGUAGES, Settings

BUYER_TEMPLATES = ("welcome", "linked", "link_refused", "ack", "non_text", "need_order",
                   "chosen", "from_seller", "clarify", "topic", *INTENTS)  # fmt: skip
DISPUTE_TEMPLATES = ("dispute/card", "dispute/reminder", "dispute/listing", "stats/report",
                     "stats/caption", "stats/alert")  # fmt: skip
SELLER_TEMPLATES = ("approval_card", "render_failed", "decision", "action_card", "help",
                    "edit_prompt", "edit_preview", "edit_stale", "non_text_notice",
                    "resolved_notice", "gist", "takeover_started", "takeover_ended",
                    "takeover_busy", "relay_from_buyer", "inbox", "order_card", "reminder",
                    "not_found", "storage_outage", *DISPUTE_TEMPLATES)  # fmt: skip
SELLER_LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Content:
    """Validated intents and templates."""

    intents: IntentCatalog
    renderer: TemplateRenderer
    followups: FollowupRules = field(default_factory=FollowupRules)


def load_content(settings: Settings) -> Content:
    """Load and validate intents and templates; :class:`ContentError` names the broken file."""
    intents_dir = settings.intents_dir or shipped_dir("intents")
    replies_dir = settings.replies_dir or shipped_dir("replies")
    catalog = load_intents(Path(intents_dir), SUPPORTED_LANGUAGES)
    renderer = TemplateRenderer(Path(replies_dir))
    required = [(BUYER, lang, name) for lang in SUPPORTED_LANGUAGES for name in BUYER_TEMPLATES]
    required += [
        (BUYER, lang, f"{folder}/{kind}")
        for lang in SUPPORTED_LANGUAGES
        for kind in OPTION_KINDS
        for folder in ("option", "done")
    ]
    required += [(SELLER, lang, name) for lang in SELLER_LANGUAGES for name in SELLER_TEMPLATES]
    renderer.validate(required, sample_context())
    followups = load_followup_rules(settings.followups_file or shipped_file("followups.toml"))
    needed = followup_templates(SUPPORTED_LANGUAGES, SELLER_LANGUAGES)
    renderer.validate(needed, {**sample_context(), **followup_sample_context()})
    return Content(catalog, renderer, followups)
