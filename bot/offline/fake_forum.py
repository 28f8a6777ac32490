"""Forum supergroups in the pretend Telegram: the team group with one topic per buyer.

:class:`FakeForum` hangs off :class:`~bot.offline.fake_api.FakeBotAPI` (``fake.forum``). It
answers ``createForumTopic``, ``closeForumTopic`` and ``reopenForumTopic``, and the sending
methods (``sendMessage``, ``sendPhoto``, ``copyMessage``) into a registered group, where a
``message_thread_id`` puts the message in that topic (``is_topic_message``) and no thread
puts it in General. Messages are kept in the group's chat log, so ``editMessageText`` works
as for any chat. It builds the updates of group members: a message in a topic or General, a
press on a button of a message in the group.

Like Telegram (error texts seen in the Bot API's issue tracker): a thread that does not exist
is ``Bad Request: message thread not found``; closing a closed topic or reopening an open one
is ``Bad Request: TOPIC_NOT_MODIFIED``. A group that is not a forum, or a bot without the
right to manage topics, is refused with texts that could not be checked offline.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.offline.fake_common import ApiError, ChatLog, plain

NO_THREAD = "Bad Request: message thread not found"
NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
NO_RIGHT = "Bad Request: not enough rights to create a topic"
METHODS = frozenset(
    {"sendmessage", "sendphoto", "copymessage", "createforumtopic", "closeforumtopic",
     "reopenforumtopic", "editforumtopic"}
)  # fmt: skip


class Api(Protocol):
    """What this module uses of :class:`~bot.offline.fake_api.FakeBotAPI`."""

    chats: dict[int, ChatLog]

    @property
    def _message_ids(self) -> Iterator[int]: ...

    def _user(self, chat_id: int) -> dict[str, Any]: ...
    def _push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]: ...
    def presses(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]: ...


@dataclass
class Topic:
    """A forum topic: its name, whether it is closed, the ids of the bot's messages in it."""

    name: str
    closed: bool = False
    messages: list[int] = field(default_factory=list)


@dataclass
class Group:
    """A supergroup the bot is in."""

    title: str
    is_forum: bool = True
    can_manage_topics: bool = True
    topics: dict[int, Topic] = field(default_factory=dict)


class FakeForum:
    """Forum groups of the pretend Telegram."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.groups: dict[int, Group] = {}
        self.deleted: list[tuple[int, int]] = []  # (group, thread) deleted by a person
        self.renamed: list[str] = []  # new names given by editForumTopic, in order
        self._thread_ids = itertools.count(1000)

    # --- people -----------------------------------------------------------------------------
    def group(
        self, chat_id: int, title: str, *, is_forum: bool = True, can_manage_topics: bool = True
    ) -> None:
        """Make ``chat_id`` a supergroup the bot is an admin of."""
        self.groups[chat_id] = Group(title, is_forum, can_manage_topics)

    def says(self, group: int, user: int, text: str, thread: int | None = None) -> dict[str, Any]:
        """Member ``user`` writes in topic ``thread`` of ``group`` (None: General)."""
        message: dict[str, Any] = {
            "message_id": next(self.api._message_ids), "date": int(time.time()),
            "chat": self._chat(group), "from": self.api._user(user), "text": text,
            **self._thread_fields(thread),
        }  # fmt: skip
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.api._push("message", message)

    def taps(self, group: int, user: int, button_text: str, thread: int) -> dict[str, Any]:
        """Member ``user`` taps the button (label containing ``button_text``) of the latest
        message in topic ``thread`` that has one."""
        for message in self.inbox(group, thread)[::-1]:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button_text.lower() in button["text"].lower():
                        return self.api.presses(user, message, button["callback_data"])
        raise LookupError(f"no button {button_text!r} in topic {thread} of {group}")

    def delete_topic(self, group: int, thread: int) -> None:
        """An admin deletes a topic by hand, with its messages."""
        topic = self.groups[group].topics.pop(thread)
        log = self.api.chats.get(group, ChatLog())
        for message_id in topic.messages:
            log.messages.pop(message_id, None)
        self.deleted.append((group, thread))

    # --- what people see --------------------------------------------------------------------
    def threads(self, group: int) -> dict[int, Topic]:
        """The group's topics by ``message_thread_id``."""
        return dict(self.groups[group].topics)

    def thread_named(self, group: int, part: str) -> int:
        """The ``message_thread_id`` of the topic whose name contains ``part``."""
        for thread, topic in self.groups[group].topics.items():
            if part in topic.name:
                return thread
        raise LookupError(f"no topic named like {part!r} in {group}")

    def inbox(self, group: int, thread: int | None) -> list[dict[str, Any]]:
        """Messages the bot sent into topic ``thread`` (None: General), in order."""
        log = self.api.chats.get(group, ChatLog())
        return [m for m in log.messages.values() if m.get("message_thread_id") == thread]

    def texts(self, group: int, thread: int | None) -> list[str]:
        """Plain texts of the topic (None: General), in order (edits applied)."""
        return [plain(m.get("text") or m.get("caption") or "") for m in self.inbox(group, thread)]

    def buttons(self, group: int, thread: int) -> list[str]:
        """Button labels of the latest message in topic ``thread``."""
        messages = self.inbox(group, thread)
        markup = (messages[-1].get("reply_markup") or {}) if messages else {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    # --- the Bot API ------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Answer ``method`` for a registered group."""
        group_id = int(params["chat_id"])
        group = self.groups[group_id]
        if method == "createforumtopic":
            return self._create(group, params)
        if method == "editforumtopic":
            return self._edit(group, params)
        if method in ("closeforumtopic", "reopenforumtopic"):
            topic = self._topic(group, params)
            closing = method == "closeforumtopic"
            if topic.closed == closing:
                raise ApiError(400, NOT_MODIFIED)
            topic.closed = closing
            return True
        thread = params.get("message_thread_id")
        in_topic = self._topic(group, params) if thread is not None else None
        answer: dict[str, Any] = dict(getattr(self.api, f"_m_{method}")(params))
        stored = self.api.chats[group_id].messages[int(answer["message_id"])]
        stored.update({"chat": self._chat(group_id), **self._thread_fields(thread)})
        if in_topic is not None:
            in_topic.messages.append(int(answer["message_id"]))
        return {**answer, "chat": stored["chat"], **self._thread_fields(thread)}

    def _create(self, group: Group, params: dict[str, Any]) -> dict[str, Any]:
        if not group.is_forum:
            raise ApiError(400, NOT_A_FORUM)
        if not group.can_manage_topics:
            raise ApiError(400, NO_RIGHT)
        name = _topic_name(params)
        thread = next(self._thread_ids)
        group.topics[thread] = Topic(name)
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    def _edit(self, group: Group, params: dict[str, Any]) -> bool:
        topic = self._topic(group, params)
        if params.get("name") is not None:
            name = _topic_name(params)
            if name == topic.name:
                raise ApiError(400, NOT_MODIFIED)
            topic.name = name
            self.renamed.append(name)
        return True

    @staticmethod
    def _topic(group: Group, params: dict[str, Any]) -> Topic:
        topic = group.topics.get(int(params["message_thread_id"]))
        if topic is None:
            raise ApiError(400, NO_THREAD)
        return topic

    def _chat(self, group: int) -> dict[str, Any]:
        found = self.groups[group]
        return {"id": group, "type": "supergroup", "title": found.title,
                "is_forum": found.is_forum}  # fmt: skip

    @staticmethod
    def _thread_fields(thread: Any) -> dict[str, Any]:
        if thread is None:
            return {}
        return {"message_thread_id": int(thread), "is_topic_message": True}


def _topic_name(params: dict[str, Any]) -> str:
    """The ``name`` of a createForumTopic or editForumTopic call, as Telegram checks it."""
    name = str(params.get("name") or "")
    if not 1 <= len(name) <= 128:
        raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY" if not name else
                       "Bad Request: topic name is too long")  # fmt: skip
    return name
