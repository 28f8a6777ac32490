"""Decoding a JSON request body safely: UTF-8, bounded nesting, finite numbers, no lone surrogates.

Pure: bytes in, a JSON value out, or :class:`BadBody` saying what is wrong with the body. The
nesting depth is measured on the raw bytes before :func:`json.loads` runs, so a body nested
100,000 deep is refused without ever reaching the recursion limit.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from bot.domain.errors import ParleyError

MAX_DEPTH = 20
_FOREIGN_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class BadBody(ParleyError):
    """The body is not UTF-8 (``status`` 415) or not acceptable JSON (``status`` 400)."""

    field = "body"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def depth(raw: bytes, stop_after: int = MAX_DEPTH) -> int:
    """How deeply ``raw`` nests arrays and objects (brackets inside strings do not count);
    stops counting once past ``stop_after``."""
    level = deepest = 0
    for match in _TOKENS.finditer(raw):
        token = match[0]
        if token in (b"[", b"{"):
            level += 1
            if level > deepest:
                deepest = level
                if deepest > stop_after:
                    break
        elif token in (b"]", b"}"):
            level -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]} is too large for a number")
    return value


def load(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in ``raw``; :class:`BadBody` when it is not UTF-8 JSON nested at most
    ``max_depth`` deep. A UTF-8 byte-order mark is tolerated."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith(_FOREIGN_BOMS):
        raise BadBody(415, "body must be UTF-8 (it starts with a UTF-16/32 byte-order mark)")
    if b"\x00" in raw:  # never in UTF-8 JSON; the tell-tale of UTF-16/32 without a mark
        raise BadBody(415, "body must be UTF-8 (it contains NUL bytes: UTF-16 or UTF-32?)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody(415, f"body must be UTF-8 (invalid byte at offset {exc.start})") from None
    if depth(raw, max_depth) > max_depth:
        raise BadBody(400, f"body nests arrays/objects more than {max_depth} deep")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise BadBody(400, f"body nests arrays/objects more than {max_depth} deep") from None
    except ValueError as exc:
        raise BadBody(400, f"body is not valid JSON ({str(exc)[:200]})") from None
    if "\\u" in text:
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadBody(400, "body contains a lone surrogate (\\ud800–\\udfff) escape") from None
    return value
