"""Typed domain errors. The Telegram error handler and the CLI turn them into messages."""

from __future__ import annotations


class ParleyError(Exception):
    """Base of every error Parley raises on purpose."""


class NotFound(ParleyError):
    """A referenced object (order, draft, conversation) does not exist."""


class NotAllowed(ParleyError):
    """The chat that asked is not allowed to do this."""


class StaleAction(ParleyError):
    """A button was pressed for something that was already handled."""


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
        super().__init__(f"a dispute that is {state} cannot {event}{hint}")


class ContentError(ParleyError):
    """An intent or template file is broken; the message names the file (and line)."""


class RenderError(ParleyError):
    """A template could not be rendered, e.g. a value it needs is missing."""


class StorageUnavailable(Exception):
    """The database cannot be written (disk full, I/O error, locked for too long).

    Deliberately not a :class:`ParleyError`: nobody did anything wrong, so nothing is shown
    to the person who wrote. The update stays pending and is handled once writes succeed.
    """
