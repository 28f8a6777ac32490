"""Where a key sits in a TOML file's text, so that a content error can name the line."""

from __future__ import annotations

import re


def key_line(raw: str, key: str, table: str | None = None) -> int:
    """1-based line of ``key =`` (bare or quoted; inside ``[table]`` when given), else of the
    table's header, else 1."""
    lines = raw.splitlines()
    start = 0
    if table is not None:
        for number, text in enumerate(lines):
            if re.match(rf"^\s*\[\s*{re.escape(table)}\s*\]", text):
                start = number
                break
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number in range(start, len(lines)):
        text = lines[number]
        if number > start and table is not None and re.match(r"^\s*\[", text):
            break
        if pattern.match(text):
            return number + 1
    return start + 1
