"""Logging set-up: the classic text lines, or one JSON object per line (``PARLEY_LOG_FORMAT``).

JSON lines carry ``ts`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, the update
context (``update_id``, ``chat_id``, ``conversation_id``) when known, and ``exc`` with the
traceback of a logged exception.

The update context comes from ``extra={"chat_id": ...}`` on a call, or, without passing it
around, from :func:`log_context` around the code that handles one update::

    with log_context(update_id=update.update_id, chat_id=chat.id):
        ...  # every record logged here, in any module, carries both fields
        add_log_context(conversation_id=conversation.id)  # learnt half-way

The context lives in a :class:`~contextvars.ContextVar`, so concurrent asyncio tasks (one
per update) never see each other's fields. Standard library only; nothing here logs settings,
and Bot API tokens that slip into a message or traceback are masked in both formats.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any, Literal

CONTEXT_FIELDS = ("update_id", "chat_id", "conversation_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LogFormat = Literal["text", "json"]

_context: ContextVar[Mapping[str, int]] = ContextVar(
    "parley_log_context", default=MappingProxyType({})
)
_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}")  # a Telegram bot token (also inside URLs)


@contextmanager
def log_context(**fields: int | None) -> Iterator[None]:
    """Attach ``update_id`` / ``chat_id`` / ``conversation_id`` to every record logged inside.

    Nested blocks add to (and may override) the outer fields; ``None`` values are ignored.
    """
    token = _context.set({**_context.get(), **_checked(fields)})
    try:
        yield
    finally:
        _context.reset(token)


def add_log_context(**fields: int | None) -> None:
    """Add fields to the current context (until the enclosing :func:`log_context` ends, or for
    the rest of the current asyncio task)."""
    _context.set({**_context.get(), **_checked(fields)})


def current_log_context() -> dict[str, int]:
    """The fields records logged now would get."""
    return dict(_context.get())


def _checked(fields: Mapping[str, int | None]) -> dict[str, int]:
    unknown = sorted(set(fields) - set(CONTEXT_FIELDS))
    if unknown:
        raise TypeError(f"log context takes only {', '.join(CONTEXT_FIELDS)}, not {unknown}")
    return {key: value for key, value in fields.items() if value is not None}


class ContextFilter(logging.Filter):
    """Copies the current :func:`log_context` onto each record (an explicit ``extra`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _mask(text: str) -> str:
    return _TOKEN.sub("<bot-token>", text)


class TextFormatter(logging.Formatter):
    """``2026-06-10 10:15:00,123 INFO parley: message`` (tokens masked)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return _mask(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line; see the module docstring for the keys."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": _mask(record.getMessage()),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = _mask(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = _mask(record.exc_text)
        if record.stack_info:
            entry["stack"] = _mask(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def make_handler(fmt: LogFormat | str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) with the chosen format and the context filter."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be text or json, not {fmt!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    return handler


def configure_logging(
    level: str | int, fmt: LogFormat | str = "text", stream: IO[str] | None = None
) -> None:
    """Configure the root logger like :func:`logging.basicConfig` (a no-op if it already has
    handlers), in ``text`` or ``json`` format."""
    logging.basicConfig(
        level=level.upper() if isinstance(level, str) else level,
        handlers=[make_handler(fmt, stream)],
    )
