"""The descriptions of the bot's commands in Telegram's menu (setMyCommands), as templates.

Buyers see ``/start`` described in their language (``replies/buyer/<lang>/command/start``);
each seller chat sees the console commands in the console language
(``replies/seller/<lang>/command/<name>``). Rendered as plain text: a command description is
not Telegram HTML. The Telegram side (:mod:`bot.telegram.commands`) sends them.
"""

from __future__ import annotations

from bot.domain.ports import Renderer
from bot.domain.text import strip_html

BUYER = "buyer"
SELLER = "seller"
BUYER_COMMANDS = ("start",)
SELLER_COMMANDS = ("inbox", "order", "disputes", "dispute", "stats", "end", "cancel", "help")
"""The console commands in menu order."""
TEMPLATES: tuple[tuple[str, str], ...] = (
    *((BUYER, f"command/{name}") for name in BUYER_COMMANDS),
    *((SELLER, f"command/{name}") for name in SELLER_COMMANDS),
)
"""(audience, name) of every command description, required in every language at start-up."""


def descriptions(renderer: Renderer, audience: str, language: str) -> list[tuple[str, str]]:
    """(command, description) of ``audience``'s commands in ``language``, in menu order."""
    names = BUYER_COMMANDS if audience == BUYER else SELLER_COMMANDS
    return [
        (name, strip_html(renderer.render(audience, language, f"command/{name}", {})))
        for name in names
    ]
