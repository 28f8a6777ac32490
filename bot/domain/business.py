"""Telegram Business chats: who a business chat is, and when Parley may write into it (pure).

A seller with a Telegram Business account can connect the bot (Settings → Telegram Business →
Chatbots). Telegram then sends the bot a ``business_connection`` update (the connection: its
id, the seller's user id and private chat, ``is_enabled`` and, since Bot API 9.0, ``rights``
— ``rights.can_reply`` replaces the deprecated ``can_reply``) and a ``business_message`` for
every message in the seller's private chats the bot may manage. The bot replies there on the
seller's behalf with the connection's ``business_connection_id``.

**Chat identity.** Services key everything by one integer chat id. A business chat is the
pair (connection id, chat id), and its chat id is the buyer's user id — the same number as
the buyer's private chat with the bot, yet a different conversation. So the transport edge
maps each pair to an *internal chat id* (table ``business_chats``) and the services see only
that: :func:`internal_chat_id` of the row's serial id, counting down from
:data:`BUSINESS_BASE` = −2⁵³. Telegram's Bot API chat ids have at most 52 significant bits
(core.telegram.org/api/bots/ids: from −4 000 000 000 000 to 1 099 511 627 775; supergroups and
channels are the ``-100…`` ids in that range), so every internal id lies below any id
Telegram can give and still fits a signed 64-bit integer. The notifier maps an internal id
back to (connection, chat) when it sends.

**When Parley may write** (:func:`refusal`): through an enabled connection that has the
reply right, and — Telegram's rule for business bots — only into a chat with an incoming
message in the last 24 hours (:data:`REPLY_WINDOW`). Outbox rows that may not go out fail
with the reason stored; a follow-up is held instead (:func:`followup_hold`), looked at again
later and sent once the buyer has written again, or skipped when it became too late.

**Connection changes** (:func:`change_of`): connected, disabled or removed, reply right lost
or regained. The sellers are told once per change; an update that changes nothing (Telegram
repeats them) tells nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

BUSINESS_BASE = -(2**53)
"""Internal business chat ids are ``BUSINESS_BASE - n`` (n ≥ 1): below every Telegram chat id."""

REPLY_WINDOW = timedelta(hours=24)
"""A business bot may reply only to chats with an incoming message this recent."""

RIGHTS = (
    "can_reply",
    "can_read_messages",
    "can_delete_sent_messages",
    "can_delete_all_messages",
    "can_edit_name",
    "can_edit_bio",
    "can_edit_profile_photo",
    "can_edit_username",
    "can_change_gift_settings",
    "can_view_gifts_and_stars",
    "can_convert_gifts_to_stars",
    "can_transfer_and_upgrade_gifts",
    "can_transfer_stars",
    "can_manage_stories",
)
"""BusinessBotRights fields of Bot API 9.0 (stored as given; only ``can_reply`` matters here)."""


def internal_chat_id(serial: int) -> int:
    """The internal chat id of the ``serial``-th business chat (serial ≥ 1)."""
    if serial < 1:
        raise ValueError(f"business chat serial must be positive, not {serial}")
    return BUSINESS_BASE - serial


def serial_of(chat_id: int) -> int | None:
    """The business chat serial behind an internal chat id; None for a Telegram chat id."""
    return BUSINESS_BASE - chat_id if chat_id < BUSINESS_BASE else None


def is_business(chat_id: int) -> bool:
    """Whether ``chat_id`` is an internal business chat id (not a Telegram one)."""
    return chat_id < BUSINESS_BASE


@dataclass(frozen=True)
class Connection:
    """A business connection as last reported by Telegram."""

    id: str
    user_id: int  # the seller's Telegram user id (the business account)
    user_chat_id: int  # the seller's private chat with the bot
    is_enabled: bool
    can_reply: bool  # rights.can_reply (Bot API 9.0), else the deprecated can_reply
    rights: dict[str, bool] = field(default_factory=dict, compare=False)

    @property
    def may_reply(self) -> bool:
        """Whether anything may be sent through this connection."""
        return self.is_enabled and self.can_reply


@dataclass(frozen=True)
class BusinessChat:
    """One buyer's chat with the seller's business account, as Parley knows it."""

    chat_id: int  # internal
    connection_id: str
    telegram_chat_id: int
    last_incoming_at: datetime | None = None


class Change(StrEnum):
    """What a ``business_connection`` update changed, for the sellers (template
    ``business_<value>``)."""

    CONNECTED = "connected"  # new, or enabled again with the reply right
    DISABLED = "disabled"  # disabled or removed
    CANNOT_REPLY = "cannot_reply"  # enabled, but without the reply right


def change_of(before: Connection | None, after: Connection) -> Change | None:
    """The change to tell the sellers about, or None when nothing they care about changed."""
    was = None if before is None else _state(before)
    now = _state(after)
    return None if was == now else now


def _state(connection: Connection) -> Change:
    if not connection.is_enabled:
        return Change.DISABLED
    return Change.CONNECTED if connection.can_reply else Change.CANNOT_REPLY


def window_open(last_incoming_at: datetime | None, now: datetime) -> bool:
    """Whether the buyer wrote within the last :data:`REPLY_WINDOW` (``now`` passed in)."""
    return last_incoming_at is not None and now - last_incoming_at < REPLY_WINDOW


def refusal(connection: Connection | None, chat: BusinessChat | None, now: datetime) -> str | None:
    """Why nothing may be sent into this business chat now, or None when it may."""
    if chat is None:
        return "unknown business chat"
    if connection is None:
        return f"business connection {chat.connection_id} is unknown"
    if not connection.is_enabled:
        return f"business connection {connection.id} is disabled"
    if not connection.can_reply:
        return f"business connection {connection.id} has no right to reply"
    if not window_open(chat.last_incoming_at, now):
        return "outside Telegram's 24-hour reply window (no buyer message in the last 24 hours)"
    return None


def followup_hold(connection: Connection | None, chat: BusinessChat, now: datetime) -> str | None:
    """The reason a due follow-up to this business chat is held (left pending and looked at
    again later), or None when it may go out now."""
    why = refusal(connection, chat, now)
    if why is None:
        return None
    if connection is not None and connection.may_reply:  # only the window is closed
        return "held: outside the 24-hour reply window, until the buyer writes again"
    return f"held: {why}"


def reply_right(can_reply: bool | None, rights: dict[str, bool] | None) -> bool:
    """The reply right: ``rights.can_reply`` when Telegram sends rights (Bot API 9.0+), else
    the deprecated ``can_reply``; absent means no."""
    if rights is not None:
        return bool(rights.get("can_reply", False))
    return bool(can_reply)


BUSINESS_TEMPLATES = {"need_order": "business/need_order"}
"""Buyer replies worded differently in a business chat: a business buyer cannot open the
bot's deep link, so "open the link from your order message" becomes "the seller will look
your order up"."""


def business_template(template: str, chat_id: int) -> str:
    """The buyer template to use for ``template`` in chat ``chat_id``."""
    return BUSINESS_TEMPLATES.get(template, template) if is_business(chat_id) else template
