"""Signed deep-link payloads: ``/start <payload>`` links a buyer's chat to one order.

Payload = base64url(order id) + 12-character HMAC-SHA256 signature. Telegram allows 64
characters from ``[A-Za-z0-9_-]``, so order ids may be up to 39 bytes long.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.domain.errors import LinkRefused

SIG_LEN = 12
MAX_PAYLOAD = 64


def _sign(secret: bytes, order_id: str) -> str:
    digest = hmac.new(secret, b"link:" + order_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def make_payload(secret: bytes, order_id: str) -> str:
    """The ``start`` payload for ``order_id``."""
    body = base64.urlsafe_b64encode(order_id.encode()).decode().rstrip("=")
    payload = body + _sign(secret, order_id)
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"order id {order_id!r} is too long for a Telegram deep link")
    return payload


def read_payload(secret: bytes, payload: str) -> str:
    """The order id a payload was signed for; :class:`LinkRefused` if it was not ours."""
    payload = payload.strip()
    if len(payload) <= SIG_LEN or len(payload) > MAX_PAYLOAD:
        raise LinkRefused("malformed payload")
    body, sig = payload[:-SIG_LEN], payload[-SIG_LEN:]
    try:
        order_id = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused("malformed payload") from None
    if not hmac.compare_digest(_sign(secret, order_id), sig):
        raise LinkRefused("bad signature")
    return order_id


def deep_link(bot_username: str, payload: str) -> str:
    """``https://t.me/<bot>?start=<payload>``."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"
