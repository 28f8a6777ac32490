"""What the pretend Telegram's modules share: the error answer, a chat's log, plain text."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.domain.text import strip_html


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def plain(text: str) -> str:
    """Telegram-HTML to the plain text a person sees."""
    return strip_html(text)


@dataclass
class ChatLog:
    """Everything one chat received from the bot."""

    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    toasts: list[str] = field(default_factory=list)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
