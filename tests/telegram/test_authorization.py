"""Who may press what: every seller command and button, and the buyer's buttons, against every
kind of person, through the real Dispatcher (issue 10, point 6).

Rights follow the person (``from_user``), not the chat an update claims. The seller chats here
are two private ones (``SELLER``, ``SELLER_2``) and a team group (``GROUP``), where any member
acts as the seller until a per-user list exists. Everyone else's command or press in a seller
chat is refused and changes nothing: not a row in the database (apart from the update inbox)
and not a message anywhere. Buyer buttons answer only the buyer, in the buyer's own chat.
"""

from __future__ import annotations

import copy
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import Content
from bot.content.paths import shipped_dir
from bot.content.templates import TemplateRenderer
from tests.conftest import (
    BUYER,
    DOUBTFUL_MARGIN,
    DOUBTFUL_MESSAGE,
    ORDER_ID,
    SELLER,
    SELLER_2,
    STRANGER,
    World,
)
from tests.support.snapshots import Snapshots

GROUP = -1001000000001  # a seller team's group, configured as a seller chat
OTHER_GROUP = -1001000000002  # some other group the bot sits in
MEMBER = 5550777  # a member of both groups, a seller of neither private chat
OTHER_BUYER = 5550002
OTHER_ORDER = "8175342209985555"
COMPLAINT = "The price dropped right after I ordered, I want the difference back"
SHIPPED = TemplateRenderer(shipped_dir("replies"))
LANGUAGE = {OTHER_BUYER: "ru"}  # linked to OTHER_ORDER, a Russian buyer's; everyone else: en


def refusal(key: str, user: int) -> str:
    """What ``user`` is told when refused for ``key``, in their language."""
    return SHIPPED.render("buyer", LANGUAGE.get(user, "en"), f"refusal/{key}", {})


SELLER_ONLY = refusal("seller_only", BUYER)
REFUSALS = (SELLER_ONLY, "Not allowed", "Nothing to do")


def chat(chat_id: int) -> dict[str, Any]:
    """The ``chat`` object of an update in ``chat_id`` (negative: a supergroup)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}


@dataclass
class Console:
    """A seller chat and the person who legitimately acts in it (to prepare the state)."""

    world: World
    chat: int
    user: int

    async def says(self, text: str) -> None:
        say(self.world, self.user, self.chat, text)
        await self.world.deliver()

    async def taps(self, label: str) -> None:
        message, data = button(self.world, self.chat, label)
        self.world.fake.presses(self.user, message, data)
        await self.world.deliver()


def say(world: World, user: int, in_chat: int, text: str) -> None:
    """``user`` writes ``text`` in ``in_chat`` (a forged post when it is not their chat)."""
    update = world.fake.says(user, text)
    update["message"]["chat"] = chat(in_chat)


def button(world: World, in_chat: int, label: str) -> tuple[dict[str, Any], str]:
    """The latest message in ``in_chat`` with a button labelled ``label``, and its data."""
    for message in world.fake.inbox(in_chat)[::-1]:
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if label.lower() in b["text"].lower():
                    return copy.deepcopy(message), str(b["callback_data"])
    raise LookupError(f"no button {label!r} in chat {in_chat}")


# --- what each action needs first, done by the console's own seller ----------------------------
Setup = Callable[[Console], Awaitable[None]]


async def nothing(console: Console) -> None:
    """Nothing to prepare."""


async def complaint(console: Console) -> None:
    await console.world.act(console.world.fake.says(BUYER, COMPLAINT))


def then(first: Setup, *steps: tuple[str, str]) -> Setup:
    """``first``, then console steps: ("say", text) or ("tap", label)."""

    async def run(console: Console) -> None:
        await first(console)
        for kind, value in steps:
            await (console.says(value) if kind == "say" else console.taps(value))

    return run


async def chosen(console: Console) -> None:
    """The reply was sent and the buyer chose the refund: a Done card waits."""
    await complaint(console)
    await console.taps("Send")
    await console.world.act(console.world.fake.taps(BUYER, "Refund"))


async def dispute_said(console: Console) -> None:
    await console.world.act(
        console.world.fake.says(BUYER, "I opened a dispute on AliExpress, why no answer yet?")
    )


@dataclass(frozen=True)
class Action:
    """A seller command (``command``) or button (``button`` label) after ``setup``."""

    name: str
    setup: Setup = field(default=nothing)
    command: str | None = None
    button: str | None = None


editing = then(complaint, ("tap", "Edit"))
previewing = then(editing, ("say", "Sorry Anna, refund on its way"))
talking = then(complaint, ("tap", "Take over"))
toggling = then(complaint, ("tap", "Options"))
disputed = then(nothing, ("say", f"/dispute {ORDER_ID}"))

SELLER_ACTIONS = [
    Action("/start", command="/start"),
    Action("/help", command="/help"),
    Action("/inbox", complaint, command="/inbox"),
    Action("/order", complaint, command=f"/order {ORDER_ID}"),
    Action("/disputes", disputed, command="/disputes"),
    Action("/dispute", command=f"/dispute {ORDER_ID} 29.90 never arrived"),
    Action("/stats", complaint, command="/stats"),
    Action("/end", talking, command="/end"),
    Action("/cancel", editing, command="/cancel"),
    Action("text while editing", editing, command="Sorry Anna, refund on its way"),
    Action("text while talking", talking, command="Hi Anna, Li here"),
    Action("send", complaint, button="Send"),
    Action("edit", complaint, button="Edit"),
    Action("dism", complaint, button="Dismiss"),
    Action("opts", complaint, button="Options"),
    Action("tog", toggling, button="2. Coupon"),
    Action("back", toggling, button="Back"),
    Action("take", complaint, button="Take over"),
    Action("end", talking, button="End"),
    Action("esend", previewing, button="Send edited"),
    Action("ecancel", previewing, button="Cancel"),
    Action("done", chosen, button="Done"),
    Action("dispute step", disputed, button="Answered"),
    Action("dispute open", dispute_said, button="Record a dispute"),
]


@dataclass(frozen=True)
class Role:
    """``user`` acting on the seller console ``console``, in (or claiming) chat ``chat``."""

    name: str
    user: int
    console: int
    chat: int
    allowed: bool


SELLER_ROLES = [
    Role("seller", SELLER, SELLER, SELLER, allowed=True),
    Role("seller group member", MEMBER, GROUP, GROUP, allowed=True),
    Role("other seller", SELLER_2, SELLER, SELLER, allowed=False),
    Role("buyer", BUYER, SELLER, SELLER, allowed=False),
    Role("other buyer", OTHER_BUYER, SELLER, SELLER, allowed=False),
    Role("stranger", STRANGER, SELLER, SELLER, allowed=False),
    Role("member of another group", MEMBER, SELLER, OTHER_GROUP, allowed=False),
]


@dataclass(frozen=True)
class BuyerPress:
    """A buyer button: ``setup`` leaves it in the buyer's chat under ``label``."""

    name: str
    setup: Setup
    label: str


async def doubtful(console: Console) -> None:
    """The buyer's message is asked about: "is this about X or Y?"."""
    await console.world.act(console.world.fake.says(BUYER, DOUBTFUL_MESSAGE))


BUYER_BUTTONS = [
    BuyerPress("pick", then(complaint, ("tap", "Send")), "Refund"),
    BuyerPress("clar", doubtful, "customs or import fees"),
]
# (role, presser, chat the pressed message claims): None = the buyer's own message as it is
BUYER_ROLES = [
    ("buyer", BUYER, None),
    ("other buyer", OTHER_BUYER, None),
    ("other buyer, copy in own chat", OTHER_BUYER, OTHER_BUYER),
    ("seller", SELLER, None),
    ("seller, copy in own chat", SELLER, SELLER),
    ("stranger", STRANGER, None),
    ("stranger, copy in own chat", STRANGER, STRANGER),
    ("group member, copy in a group", MEMBER, OTHER_GROUP),
]


async def two_linked_buyers(world: World) -> None:
    """Two linked buyers (the second one Russian)."""
    await world.linked_buyer()
    await world.act(world.fake.says(OTHER_BUYER, f"/start {await world.payload(OTHER_ORDER)}"))


Prepared = Callable[[Hashable, Setup, int, int], Awaitable[World]]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Snapshots:
    """Each action's prepared state, made once and copied into every role's case."""
    return Snapshots(tmp_path_factory.mktemp("authorization"))


@pytest.fixture
async def prepared(
    tmp_path: Path, content: Content, snapshots: Snapshots
) -> AsyncIterator[Prepared]:
    """Two private seller chats and a seller group; two linked buyers; a buyer's message
    between two topics is asked about. ``prepared(key, setup, console, user)`` starts that
    world with ``setup`` done on ``console`` by ``user`` (made once per key, then restored
    from its snapshot: the state Parley finds after a restart)."""
    worlds: list[World] = []

    def make() -> World:
        w = World(tmp_path, content, (SELLER, SELLER_2, GROUP), ambiguity_margin=DOUBTFUL_MARGIN)
        w.fake.user(MEMBER, "Maya", "en")
        w.fake.user(OTHER_BUYER, "Boris", "en")
        return w

    async def start(key: Hashable, setup: Setup, console: int, user: int) -> World:
        async def prepare(world: World) -> None:
            await two_linked_buyers(world)
            await setup(Console(world, console, user))

        world = await snapshots.world(key, make, prepare)
        worlds.append(world)
        return world

    yield start
    for world in worlds:
        await world.app.close()


State = tuple[dict[str, list[tuple[Any, ...]]], dict[int, Any]]


def state(world: World) -> State:
    """Every database row except the update inbox, and every message in every chat."""
    with sqlite3.connect(world.settings.database) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "inbox"
        ]
        rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    messages = {
        chat_id: copy.deepcopy(log.messages)
        for chat_id, log in world.fake.chats.items()
        if log.messages  # a toast alone opens an empty log
    }
    return rows, messages


def refusal_logged(caplog: pytest.LogCaptureFixture, chat_id: int, user: int) -> bool:
    return any(
        r.levelno == logging.WARNING
        and r.getMessage().startswith("refused")
        and f"chat {chat_id}, user {user}" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("role", SELLER_ROLES, ids=lambda r: r.name)
@pytest.mark.parametrize("action", SELLER_ACTIONS, ids=lambda a: a.name)
async def test_seller_commands_and_buttons(
    prepared: Prepared, caplog: pytest.LogCaptureFixture, action: Action, role: Role
) -> None:
    console_user = SELLER if role.console == SELLER else MEMBER
    world = await prepared(
        (action.name, role.console, console_user), action.setup, role.console, console_user
    )
    before, toasts = state(world), len(world.fake.toasts(role.user))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        if action.command is not None:
            say(world, role.user, role.chat, action.command)
        else:
            assert action.button is not None
            message, data = button(world, role.console, action.button)
            world.fake.presses(role.user, dict(message, chat=chat(role.chat)), data)
        await world.deliver()
    new_toasts = world.fake.toasts(role.user)[toasts:]
    if role.allowed:
        assert state(world) != before, "the seller's action changed nothing"
        assert not any(t.startswith(REFUSALS) for t in new_toasts), new_toasts
        return
    assert state(world) == before, "a refused action changed something"
    if action.button is not None:
        assert new_toasts == [refusal("seller_only", role.user)]
    else:
        assert new_toasts == []
    if action.button is not None or role.chat in (SELLER, GROUP):
        assert refusal_logged(caplog, role.chat, role.user)


@pytest.mark.parametrize(
    ("role", "presser", "claimed"), BUYER_ROLES, ids=[r[0] for r in BUYER_ROLES]
)
@pytest.mark.parametrize("press", BUYER_BUTTONS, ids=lambda p: p.name)
async def test_buyer_buttons(
    prepared: Prepared, press: BuyerPress, role: str, presser: int, claimed: int | None
) -> None:
    world = await prepared(("buyer", press.name), press.setup, SELLER, SELLER)
    message, data = button(world, BUYER, press.label)
    if claimed is not None:
        message = dict(message, chat=chat(claimed))
    before, toasts = state(world), len(world.fake.toasts(presser))
    world.fake.presses(presser, message, data)
    await world.deliver()
    new_toasts = world.fake.toasts(presser)[toasts:]
    if presser == BUYER:
        assert state(world) != before
        assert len(new_toasts) == 1 and new_toasts[0].startswith("✔")
        return
    assert state(world) == before, "another person's press changed something"
    assert new_toasts == [refusal("not_yours", presser)]
