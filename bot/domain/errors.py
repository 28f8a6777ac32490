"""Typed domain errors. The Telegram error handler and the CLI turn them into messages.

An error says *what* went wrong in machine-readable form: ``key`` (e.g. ``"no_open_dispute"``)
and ``values`` (e.g. ``order="8175…"``). The Telegram side renders the template
``refusal/<key>`` of the reader's audience and language with those values
(:mod:`bot.telegram.texts`); ``str(exc)`` is an English line for logs and the command line,
never shown in a chat. An error raised without a key gets its class's :attr:`default_key`
(a generic refusal such as "nothing to do") and keeps its message as :attr:`detail`, which
only the English templates show (older call sites that still raise English sentences).
"""

from __future__ import annotations

from typing import Any


class ParleyError(Exception):
    """Base of every error Parley raises on purpose.

    ``ParleyError("English line for the log", key="reason", name=value, …)``.
    """

    default_key = "error"

    def __init__(self, message: str = "", /, *, key: str = "", **values: Any) -> None:
        super().__init__(message or key or self.default_key)
        self.key = key or self.default_key
        self.values: dict[str, Any] = values
        self.detail = "" if key else message


class NotFound(ParleyError):
    """A referenced object (order, draft, conversation) does not exist."""

    default_key = "not_found"


class NotAllowed(ParleyError):
    """The chat that asked is not allowed to do this."""

    default_key = "not_allowed"


class StaleAction(ParleyError):
    """A button was pressed for something that was already handled."""

    default_key = "stale"


class LinkRefused(ParleyError):
    """A deep-link payload is tampered, foreign, or points to an unknown or taken order."""


class ImportRejected(ParleyError):
    """A CSV file failed validation; ``problems`` holds ``line N: reason`` strings."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{path}: nothing imported\n{shown}{more}")


class InvalidTransition(ParleyError):
    """A dispute cannot take ``event`` from ``state``; ``allowed`` lists what it can take."""

    def __init__(self, state: str, event: str, allowed: tuple[str, ...] = ()) -> None:
        self.state = state
        self.event = event
        self.allowed = allowed
        hint = f" (possible now: {', '.join(allowed)})" if allowed else " (it is finished)"
        super().__init__(
            f"a dispute that is {state} cannot {event}{hint}",
            key="invalid_transition", state=state, event=event, allowed=list(allowed),
        )  # fmt: skip


class ContentError(ParleyError):
    """An intent or template file is broken; the message names the file (and line)."""


class RenderError(ParleyError):
    """A template could not be rendered, e.g. a value it needs is missing."""


class UpdateTaken(Exception):
    """The update cannot be handled by this worker now: another worker took it over (its lease
    here expired), or an older update of the same chat is still pending. Nothing it did is
    kept; the update is left to whoever may handle it (several workers, issue 13)."""


class StorageUnavailable(Exception):
    """The database cannot be written (disk full, I/O error, locked for too long).

    Deliberately not a :class:`ParleyError`: nobody did anything wrong, so nothing is shown
    to the person who wrote. The update stays pending and is handled once writes succeed.
    """
