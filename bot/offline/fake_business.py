"""Telegram Business in the pretend Telegram: a seller's Business account connects the bot,
buyers write in the seller's private chats, the bot answers there with
``business_connection_id``.

:class:`FakeBusiness` hangs off :class:`~bot.offline.fake_api.FakeBotAPI` (``fake.business``).
It builds the updates (``business_connection``, ``business_message``, a button press on a
business message) and answers ``sendMessage``, ``sendPhoto`` and ``editMessageText`` calls
that carry ``business_connection_id``, recording them per business chat — (connection, chat),
apart from the bot chat of the same id. Like Telegram it refuses a send through an unknown or
disabled connection, one without the reply right, or into a chat whose buyer has not written
in the last 24 hours (by :attr:`FakeBusiness.now`, which a test may point at its clock).

Error texts: ``BUSINESS_PEER_USAGE_MISSING`` (24 hours) is the MTProto error Telegram
documents for it and ``business connection not found`` is what the Bot API answers for an
unknown connection (seen in client libraries' tests); the texts for a disabled connection
and a missing reply right could not be checked offline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from bot.offline.fake_common import ApiError, ChatLog, _json, plain

WINDOW = 24 * 3600.0
NOT_FOUND = "Bad Request: business connection not found"
NO_RIGHT = "Bad Request: not enough rights to send messages on behalf of the business account"
WINDOW_CLOSED = "Bad Request: BUSINESS_PEER_USAGE_MISSING"
METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext"})


class Api(Protocol):
    """What this module uses of :class:`~bot.offline.fake_api.FakeBotAPI`."""

    chats: dict[int, ChatLog]

    @property
    def _message_ids(self) -> Iterator[int]: ...

    def _user(self, chat_id: int) -> dict[str, Any]: ...
    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]: ...
    def presses(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]: ...


class FakeBusiness:
    """Business connections and chats of the pretend Telegram."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.connections: dict[str, dict[str, Any]] = {}
        self.chats: dict[tuple[str, int], ChatLog] = {}
        self.last_incoming: dict[tuple[str, int], float] = {}
        self.refused: list[tuple[str, int, str]] = []  # (connection, chat, error) per refusal
        self.now: Callable[[], float] = time.time

    # --- people -----------------------------------------------------------------------------
    def connect(
        self, connection_id: str, owner: int, *, enabled: bool = True, can_reply: bool = True
    ) -> dict[str, Any]:
        """The Business account ``owner`` connects the bot (or changes the connection)."""
        connection = {
            "id": connection_id, "user": self.api._user(owner), "user_chat_id": owner,
            "date": int(self.now()), "is_enabled": enabled,
            "rights": {"can_reply": True} if can_reply else {},
        }  # fmt: skip
        self.connections[connection_id] = connection
        return self.api._push("business_connection", connection)

    def says(self, connection_id: str, buyer: int, text: str) -> dict[str, Any]:
        """A buyer writes in their private chat with the business account."""
        self.last_incoming[(connection_id, buyer)] = self.now()
        return self._message(connection_id, buyer, buyer, text)

    def seller_says(self, connection_id: str, buyer: int, text: str) -> dict[str, Any]:
        """The business account's owner types in the chat with ``buyer`` by hand."""
        owner = int(self.connections[connection_id]["user"]["id"])
        return self._message(connection_id, buyer, owner, text)

    def _message(self, connection_id: str, chat: int, sender: int, text: str) -> dict[str, Any]:
        buyer = self.api._user(chat)
        message = {
            "message_id": next(self.api._message_ids), "date": int(self.now()),
            "business_connection_id": connection_id,
            "chat": {"id": chat, "type": "private", "first_name": buyer["first_name"]},
            "from": self.api._user(sender), "text": text,
        }  # fmt: skip
        return self.api._push("business_message", message)

    def taps(self, connection_id: str, buyer: int, button_text: str) -> dict[str, Any]:
        """The buyer taps a button (label containing ``button_text``) in the business chat."""
        for message in self.inbox(connection_id, buyer)[::-1]:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button_text.lower() in button["text"].lower():
                        return self.api.presses(buyer, message, button["callback_data"])
        raise LookupError(f"no button {button_text!r} in business chat {connection_id}/{buyer}")

    # --- what people see --------------------------------------------------------------------
    def inbox(self, connection_id: str, chat: int) -> list[dict[str, Any]]:
        """Messages the bot sent into a business chat, in order (edits applied)."""
        log = self.chats.get((connection_id, chat))
        return list(log.messages.values()) if log is not None else []

    def texts(self, connection_id: str, chat: int) -> list[str]:
        """Plain texts the buyer sees in the business chat, in order."""
        messages = self.inbox(connection_id, chat)
        return [plain(m.get("text") or m.get("caption") or "") for m in messages]

    def buttons(self, connection_id: str, chat: int) -> list[str]:
        """Button labels of the latest message in the business chat."""
        messages = self.inbox(connection_id, chat)
        markup = (messages[-1].get("reply_markup") or {}) if messages else {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    # --- the Bot API ------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Answer a sending method called with ``business_connection_id``."""
        connection_id, chat = str(params["business_connection_id"]), int(params["chat_id"])
        error = self._refusal(connection_id, chat)
        if error is not None:
            self.refused.append((connection_id, chat, error))
            raise ApiError(400, error)
        key = (connection_id, chat)
        log = self.chats.setdefault(key, ChatLog())
        if method == "editmessagetext":
            return self._edit(log, params)
        answer: dict[str, Any] = dict(getattr(self.api, f"_m_{method}")(params))  # as a bot chat
        answer["business_connection_id"] = connection_id
        stored = self.api.chats[chat].messages.pop(answer["message_id"])  # not the bot chat's
        log.messages[answer["message_id"]] = {**stored, "business_connection_id": connection_id}
        return answer

    def _edit(self, log: ChatLog, params: dict[str, Any]) -> Any:
        message = log.messages.get(int(params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = _json(params["reply_markup"]) if params.get("reply_markup") else None
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = str(params["text"])
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _refusal(self, connection_id: str, chat: int) -> str | None:
        connection = self.connections.get(connection_id)
        if connection is None or not connection["is_enabled"]:
            return NOT_FOUND
        if not connection["rights"].get("can_reply"):
            return NO_RIGHT
        last = self.last_incoming.get((connection_id, chat))
        if last is None or self.now() - last >= WINDOW:
            return WINDOW_CLOSED
        return None
