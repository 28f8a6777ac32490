"""Loading ``followups.toml``: the seller's follow-up rules, validated at start-up.

Top-level keys are shop-wide numbers (``handling_time``, ``protection``,
``complaint_recheck``); each ``[rule]`` table tunes one rule of
:data:`bot.domain.followups.RULES`. A rule missing from the file keeps its default;
``enabled = false`` switches it off. Durations are written ``"30m"``, ``"6h"``, ``"3d"``,
``"1d12h"``; ``expires = "never"`` removes the lateness limit. Anything wrong stops start-up
with a :class:`ContentError` naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.content.toml_lines import key_line
from bot.domain.errors import ContentError
from bot.domain.followups import RULES, FollowupRules, Rule, default_rules

GLOBAL_KEYS = {"handling_time", "protection", "complaint_recheck"}
COMMON_KEYS = {"enabled", "after", "expires"}
EXTRA_KEYS = {"ship_delay": {"new_date_in"}, "protection_expiring": {"before"}}
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str) -> timedelta:
    """``"1d12h"`` → timedelta; raises ValueError."""
    compact = text.strip().lower().replace(" ", "")
    if compact == "0":
        return timedelta(0)
    match = _DURATION.match(compact)
    if not match or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like 30m, 6h, 3d or 1d12h")
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def load_followup_rules(path: Path) -> FollowupRules:
    """Read and validate a rules file; :class:`ContentError` names the file and line."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: {exc}") from None
    return rules_from_data(data, raw, path)


def _duration(path: Path, raw: str, value: Any, key: str, table: str | None) -> timedelta:
    where = f"{path}:{key_line(raw, key, table)}"
    name = f"{table}.{key}" if table else key
    if not isinstance(value, str):
        raise ContentError(f'{where}: {name} must be a quoted duration like "3d"')
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ContentError(f"{where}: {name} {exc}") from None


def rules_from_data(data: dict[str, Any], raw: str, path: Path) -> FollowupRules:
    """Build :class:`FollowupRules` from parsed TOML (``raw`` is used for line numbers)."""
    shop: dict[str, timedelta] = {}
    rules = default_rules()
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in RULES:
                raise ContentError(
                    f"{path}:{key_line(raw, key, key)}: unknown rule [{key}] "
                    f"(rules: {', '.join(RULES)})"
                )
            rules[key] = _rule(path, raw, key, value, rules[key])
        elif key in GLOBAL_KEYS:
            shop[key] = _duration(path, raw, value, key, None)
        else:
            raise ContentError(
                f"{path}:{key_line(raw, key)}: unknown setting {key!r} "
                f"(allowed: {', '.join(sorted(GLOBAL_KEYS))}, or a [rule] table)"
            )
    if shop.get("protection", timedelta(days=1)) <= timedelta(0):
        raise ContentError(f"{path}:{key_line(raw, 'protection')}: protection must be positive")
    return FollowupRules(rules=rules, source=str(path), **shop)


def _rule(path: Path, raw: str, name: str, table: dict[str, Any], default: Rule) -> Rule:
    allowed = COMMON_KEYS | EXTRA_KEYS.get(name, set())
    changes: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}:{key_line(raw, key, name)}"
        if key not in allowed:
            raise ContentError(
                f"{where}: unknown key {key!r} in [{name}] (allowed: {', '.join(sorted(allowed))})"
            )
        if key == "enabled":
            if not isinstance(value, bool):
                raise ContentError(f"{where}: {name}.enabled must be true or false")
            changes[key] = value
        elif key == "expires" and isinstance(value, str) and value.strip().lower() == "never":
            changes[key] = None
        else:
            changes[key] = _duration(path, raw, value, key, name)
    return replace(default, **changes)
