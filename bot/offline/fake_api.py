"""An in-memory Telegram Bot API: the chats Parley talks to when Telegram is out of reach.

It answers the Bot API methods Parley uses, keeps every chat's messages, queues updates for
``getUpdates`` and builds the updates a person would cause (a buyer writes, a seller taps a
button). The offline session (demo, ``parley chat``) and the tests' local HTTP Bot API server
both use it; it never touches Parley's own code.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.offline.fake_business import FakeBusiness
from bot.offline.fake_common import ApiError, ChatLog, _json, plain
from bot.offline.fake_forum import METHODS as FORUM_METHODS
from bot.offline.fake_forum import FakeForum

Listener = Callable[[str, dict[str, Any]], None]
__all__ = ["ApiError", "ChatLog", "FakeBotAPI", "FloodControl", "plain"]


class FakeBotAPI:
    """State of a pretend Telegram: one bot, many private chats."""

    def __init__(self, bot_id: int = 100000, username: str = "parley_demo_bot") -> None:
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "Parley",
                         "username": username}  # fmt: skip
        self.chats: dict[int, ChatLog] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.listeners: list[Listener] = []
        self.blocked: set[int] = set()
        self.limits: FloodControl | None = None  # set to enforce Telegram's limits (429)
        self.webhook: dict[str, Any] = {}
        self.photos: dict[int, bytes] = {}  # message id -> uploaded bytes (sendPhoto)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._queries: dict[str, int] = {}
        self._new_update = asyncio.Event()
        self.business = FakeBusiness(self)  # Telegram Business chats (bot/offline/fake_business.py)
        self.forum = FakeForum(self)  # the team group and its topics (bot/offline/fake_forum.py)

    # --- people -----------------------------------------------------------------------------
    def user(self, chat_id: int, name: str, language: str = "en", username: str = "") -> None:
        """Introduce a person (private chat id = user id)."""
        self.users[chat_id] = {"id": chat_id, "is_bot": False, "first_name": name,
                               "language_code": language,
                               **({"username": username} if username else {})}  # fmt: skip

    def _user(self, chat_id: int) -> dict[str, Any]:
        return self.users.setdefault(chat_id, {"id": chat_id, "is_bot": False,
                                               "first_name": f"User{chat_id}"})  # fmt: skip

    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        self._new_update.set()
        return update

    def says(self, chat_id: int, text: str) -> dict[str, Any]:
        """A person sends a text message; returns the update."""
        user = self._user(chat_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": user, "text": text,
        }  # fmt: skip
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._push("message", message)

    def sends(self, chat_id: int, kind: str, caption: str = "") -> dict[str, Any]:
        """A person sends a non-text message (``photo``, ``sticker``, ``voice``…)."""
        user = self._user(chat_id)
        kinds: dict[str, dict[str, Any]] = {
            "photo": {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90,
                                 "height": 90}]},
            "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "u2", "type": "regular",
                                    "width": 512, "height": 512, "is_animated": False,
                                    "is_video": False}},
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}},
        }  # fmt: skip
        content = kinds.get(kind, {"location": {"latitude": 0.0, "longitude": 0.0}})
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": user, **content, **({"caption": caption} if caption else {}),
        }  # fmt: skip
        return self._push("message", message)

    def taps(self, chat_id: int, button_text: str, message_id: int | None = None) -> dict[str, Any]:
        """A person taps the button whose label contains ``button_text`` (latest message first)."""
        for message in self.inbox(chat_id)[::-1]:
            if message_id is not None and message["message_id"] != message_id:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button_text.lower() in button["text"].lower():
                        return self.presses(chat_id, message, button["callback_data"])
        raise LookupError(f"no button {button_text!r} in chat {chat_id}")

    def presses(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        """A callback query for ``data`` on ``message`` (can forge any data, for tests)."""
        query_id = str(next(self._query_ids))
        self._queries[query_id] = chat_id
        return self._push("callback_query", {
            "id": query_id, "from": self._user(chat_id),
            "chat_instance": str(chat_id), "message": message, "data": data,
        })  # fmt: skip

    def deletes(self, chat_id: int, message_id: int) -> None:
        """A person deletes a message the bot sent (Telegram tells the bot nothing; editing it
        afterwards is refused with "message to edit not found")."""
        del self.chats[chat_id].messages[message_id]

    # --- what people see --------------------------------------------------------------------
    def inbox(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, in order (edits applied)."""
        return list(self.chats.get(chat_id, ChatLog()).messages.values())

    def texts(self, chat_id: int) -> list[str]:
        """Plain texts the chat sees, in order."""
        return [plain(m.get("text") or m.get("caption") or "") for m in self.inbox(chat_id)]

    def buttons(self, chat_id: int, index: int = -1) -> list[str]:
        """Button labels of the chat's message at ``index``."""
        messages = self.inbox(chat_id)
        if not messages:
            return []
        markup = messages[index].get("reply_markup") or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def toasts(self, chat_id: int) -> list[str]:
        """Callback answers shown to a chat."""
        return list(self.chats.get(chat_id, ChatLog()).toasts)

    # --- the Bot API ------------------------------------------------------------------------
    async def wait_update(self, timeout: float) -> None:
        """Wait until an update is queued (long polling)."""
        if not self.updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return

    def wake(self) -> None:
        """End every pending long poll now (used when shutting a server down)."""
        self._new_update.set()

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one Bot API method; raises :class:`ApiError` like Telegram would."""
        self.calls.append((method, params))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        if self.limits is not None and method.lower() in SENDING_METHODS:
            self.limits.admit(int(params["chat_id"]))
        if params.get("business_connection_id") and method.lower() in BUSINESS_METHODS:
            return self.business.call(method.lower(), params)
        if method.lower() in FORUM_METHODS and _chat(params) in self.forum.groups:
            return self.forum.call(method.lower(), params)
        return handler(params)

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(event, data)

    def _m_getme(self, _: dict[str, Any]) -> Any:
        return self.bot_user

    def _m_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        allowed = _json(params.get("allowed_updates")) or None
        if allowed:  # like Telegram: the types not asked for are dropped, never delivered
            self.updates = [u for u in self.updates if any(kind in u for kind in allowed)]
        return self.updates[: int(params.get("limit") or 100)]

    def _m_createforumtopic(self, params: dict[str, Any]) -> Any:
        raise ApiError(400, "Bad Request: the chat is not a forum")  # groups: fake_forum

    _m_closeforumtopic = _m_reopenforumtopic = _m_editforumtopic = _m_createforumtopic

    def _m_deletewebhook(self, _: dict[str, Any]) -> Any:
        return True

    def _m_setmycommands(self, _: dict[str, Any]) -> Any:
        return True

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        text = str(params.get("text") or "")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain(text)) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        user = self._user(chat_id)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": self.bot_user, "text": text,
        }  # fmt: skip
        if params.get("reply_markup"):
            message["reply_markup"] = _json(params["reply_markup"])
        self.chats.setdefault(chat_id, ChatLog()).messages[message_id] = message
        self._emit("send", message)
        return message

    def _m_copymessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message_id = next(self._message_ids)
        text = f"[copy of message {params['message_id']} from chat {params['from_chat_id']}]"
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "from": self.bot_user,
                   "text": text}  # fmt: skip
        self.chats.setdefault(chat_id, ChatLog()).messages[message_id] = message
        self._emit("send", message)
        return {"message_id": message_id}

    def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        photo = params.get("photo")
        files: dict[str, bytes] = params.get("_files") or {}
        data = files.get(str(photo).removeprefix("attach://"), b"") if photo else b""
        if not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = str(params.get("caption") or "")
        if len(plain(caption)) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        user = self._user(chat_id)
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": self.bot_user,
            "photo": [{"file_id": f"photo{message_id}", "file_unique_id": f"u{message_id}",
                       "width": 800, "height": 400, "file_size": len(data)}],
            **({"caption": caption} if caption else {}),
        }  # fmt: skip
        if params.get("reply_markup"):
            message["reply_markup"] = _json(params["reply_markup"])
        self.photos[message_id] = data
        self.chats.setdefault(chat_id, ChatLog()).messages[message_id] = message
        self._emit("send", {**message, "text": caption or "[photo]"})
        return message

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = self.chats.get(chat_id, ChatLog()).messages.get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        markup = _json(params["reply_markup"]) if params.get("reply_markup") else None
        if message["text"] == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = str(params["text"])
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._emit("edit", message)
        return message

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        chat_id = self._queries.pop(str(params.get("callback_query_id")), None)
        if chat_id is None:
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        if params.get("text"):
            self.chats.setdefault(chat_id, ChatLog()).toasts.append(str(params["text"]))
            self._emit("toast", {"text": params["text"], "chat": {"id": chat_id}})
        return True


SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "copymessage"})


def _chat(params: dict[str, Any]) -> int | None:
    """The integer ``chat_id`` of a call, if it has one."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


BUSINESS_METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext"})  # fake_business


@dataclass
class FloodControl:
    """Telegram's flood limits, enforced like the real Bot API: over a limit the send is
    refused with HTTP 429 and ``retry_after``. Also records every accepted send's time."""

    per_second: int = 30  # per bot, in any 1-second window
    chat_interval: float = 1.0  # per chat, between two messages
    group_per_minute: int = 20  # per group chat (negative id), in any 60-second window
    clock: Callable[[], float] = time.monotonic
    rejected: int = 0
    sent: dict[int, list[float]] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)

    def admit(self, chat_id: int) -> None:
        """Accept a send to ``chat_id`` now, or raise the 429 Telegram would answer."""
        now = self.clock()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        waits = []
        if len(self._recent) >= self.per_second:
            waits.append(self._recent[0] + 1.0 - now)
        history = self.sent.get(chat_id, [])
        if history and now - history[-1] < self.chat_interval:
            waits.append(history[-1] + self.chat_interval - now)
        if chat_id < 0:
            window = [t for t in history if t > now - 60.0]
            if len(window) >= self.group_per_minute:
                waits.append(window[0] + 60.0 - now)
        if waits:
            self.rejected += 1
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        self._recent.append(now)
        self.sent.setdefault(chat_id, []).append(now)

    def min_gap(self) -> float | None:
        """The shortest time between two accepted sends to the same chat (None if none)."""
        gaps = [b - a for times in self.sent.values() for a, b in itertools.pairwise(times)]
        return min(gaps) if gaps else None

    def peak_per_second(self) -> int:
        """The most sends accepted in any 1-second window."""
        times = sorted(t for history in self.sent.values() for t in history)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while times[start] <= moment - 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best
