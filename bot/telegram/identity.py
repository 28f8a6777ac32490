"""The bot's own username from the Bot API's ``getMe``, with one plain HTTP request.

``parley link`` needs only this; importing aiogram for it costs about two seconds (its ~650
pydantic types), which the command would spend before printing one line.
"""

from __future__ import annotations

import aiohttp


class UnknownBot(Exception):
    """getMe could not be asked, or was refused (the reason is the message)."""


async def ask_username(api_base: str, token: str, timeout: float = 10.0) -> str:
    """The username (or, lacking one, the id) ``getMe`` reports; :class:`UnknownBot` when
    the Bot API cannot be asked or refuses."""
    url = f"{api_base.rstrip('/')}/bot{token}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.get(url) as response,
        ):
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        why = f"{type(exc).__name__}: {exc}".replace(token, "<token>")  # never print it
        raise UnknownBot(why) from None
    if not isinstance(body, dict) or not body.get("ok") or not isinstance(body.get("result"), dict):
        description = body.get("description") if isinstance(body, dict) else None
        raise UnknownBot(str(description or f"HTTP {response.status}"))
    me = body["result"]
    return str(me.get("username") or me.get("id"))
