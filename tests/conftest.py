"""Shared fixtures: a world with a pretend Telegram, a real database and the real Dispatcher.

The world runs on a SQLite file. A test module marked ``pytestmark = pytest.mark.engines``
runs its world tests twice: on SQLite and on PostgreSQL (``PARLEY_TEST_POSTGRES``; one skip
line without it, a failure with ``PARLEY_REQUIRE_POSTGRES=1``). On PostgreSQL each test gets
the run's one migrated database, emptied first (``shared_postgres``)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.content.loader import Content
from bot.domain.intents import IntentMatcher
from bot.offline.fake_api import FakeBotAPI
from bot.services.clock import ManualClock
from bot.services.linking import LinkService
from bot.settings import Policy, Settings
from bot.telegram.offline_session import OfflineSession
from bot.wiring import intent_matcher, load_content
from tests.support.postgres import (
    ENGINES,
    HOW,
    admin,
    emptied,
    in_thread,
    need_postgres,
    new_name,
    pg_url,
)

SELLER = 7000001
SELLER_2 = 7000002
BUYER = 5550001
STRANGER = 5550999
SECRET = "test-link-secret-0123456789"
ORDER_ID = "8175342209981234"
ORDERS_HEADER = (
    "order_id,buyer_name,item_title,sku,quantity,unit_price,currency,paid_at,status,carrier,"
    "tracking_number,shipped_at,promised_delivery_by,delivered_at,buyer_country,buyer_language\n"
)
ORDERS_CSV = ORDERS_HEADER + (
    f"{ORDER_ID},Anna,Handmade cloth shoes,CS-BLK-38,1,29.90,USD,2026-04-29T10:15:00Z,paid,"
    ",,,2026-05-25,,US,en\n"
    "8175342209985555,Boris,Linen shirt,LS-M,2,15.00,USD,2026-04-20,shipped,Cainiao,"
    "LP00123456789012,2026-04-22,2026-05-20,,RU,ru\n"
)
CATALOG_CSV = (
    "sku,title,price,currency,promotion,promotion_ends\n"
    "CS-BLK-38,Handmade cloth shoes,21.90,USD,May Day Labor Day sale,2026-05-05\n"
    "LS-M,Linen shirt,15.00,USD,,\n"
)
START = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``engines`` whose world needs an ``engine`` run on both engines."""
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("engines"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every PostgreSQL test skipped for want of a server is reported on one line."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and HOW in report.longrepr[2]:
        report.longrepr = (__file__, None, report.longrepr[2])  # type: ignore[assignment]
    return report


@pytest.fixture(scope="session")
def shared_postgres() -> Iterator[str]:
    """One migrated PostgreSQL database for the run (dropped at the end)."""
    need_postgres()
    name = new_name()

    async def create() -> None:
        await admin(f'CREATE DATABASE "{name}"')
        await emptied(pg_url(name))  # opening migrates it

    in_thread(create)
    try:
        yield pg_url(name)
    finally:
        in_thread(lambda: admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The world's database engine: "sqlite", or "postgresql" in modules marked ``engines``."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
async def database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """The world's ``PARLEY_DATABASE``: a SQLite file in ``tmp_path``, or the run's
    PostgreSQL database with no rows left."""
    if engine == "sqlite":
        return tmp_path / "parley.sqlite3"
    return await emptied(request.getfixturevalue("shared_postgres"))


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped intents and templates, validated once per test run."""
    return load_content(Settings())


_MATCHERS: dict[tuple[int, str, float | None], tuple[Content, IntentMatcher]] = {}
_TRAINED: dict[int, IntentMatcher] = {}  # one trained engine per content (the user's disk cache)

DOUBTFUL_MARGIN = 0.8
"""An ambiguity margin wide enough that a message between two topics is asked about whatever
the tuned default is: tests of the "which topic?" flow must not hang on where retraining on
new examples happens to put one borderline message."""

DOUBTFUL_MESSAGE = "is my late parcel stuck in customs?"
"""A buyer message between ``late_delivery`` and ``customs_fees`` (asked about at
:data:`DOUBTFUL_MARGIN`); when retraining moves it off the fence, change it here only."""


def shared_matcher(
    content: Content, language: str, ambiguity_margin: float | None = None
) -> IntentMatcher:
    """One trained matcher per content, default language and margin for the whole run:
    training takes most of an app's start, and the matcher does not change once built."""
    key = (id(content), language, ambiguity_margin)  # the content is kept with it, so its id
    if key not in _MATCHERS:  # is never reused
        trained = _TRAINED.get(id(content))
        if trained is None:
            trained = intent_matcher(content.intents, language)
            _TRAINED[id(content)] = trained
        matcher = copy.copy(trained)  # same tables, own settings
        matcher.default_language = language
        if ambiguity_margin is not None:
            matcher.ambiguity_margin = ambiguity_margin
        _MATCHERS[key] = (content, matcher)
    return _MATCHERS[key][1]


class World:
    """Parley with a pretend Telegram. People act, then ``deliver()`` runs the real polling path."""

    def __init__(
        self,
        folder: Path,
        content: Content,
        sellers: tuple[int, ...],
        ambiguity_margin: float | None = None,
        database: Path | str | None = None,
        **overrides: Any,
    ) -> None:
        self.folder = folder
        self.content = content
        self.ambiguity_margin = ambiguity_margin
        self.fake = FakeBotAPI()
        self.fake.user(SELLER, "Li", "en", "li_shoes")
        self.fake.user(SELLER_2, "Wang", "en", "wang_shoes")
        self.fake.user(BUYER, "Anna", "en")
        self.fake.user(STRANGER, "Mallory", "en")
        self.clock = ManualClock(START)
        self.settings = Settings(
            bot_token="123456:TEST-TOKEN",
            link_secret=SECRET,
            seller_chat_ids=list(sellers),
            database=database or folder / "parley.sqlite3",
            **overrides,
        )
        self.offset: int | None = None
        self._app: App | None = None

    @property
    def app(self) -> App:
        assert self._app is not None, "call start() first"
        return self._app

    async def start(self) -> None:
        session = OfflineSession(self.fake)
        self._app = await build_app(
            self.settings, clock=self.clock, session=session, content=self.content,
            matcher=shared_matcher(
                self.content, self.settings.default_language, self.ambiguity_margin
            ),
        )  # fmt: skip

    async def restart(self) -> None:
        """Stop and start Parley again on the same database (as after a crash or deploy)."""
        await self.app.close()
        await self.start()

    async def deliver(self) -> None:
        """Let Parley fetch and handle what people did."""
        self.offset = await self.app.poller.poll_once(self.offset)

    async def act(self, update: dict[str, Any]) -> None:
        """Deliver right after a person's action."""
        await self.deliver()

    async def import_data(self, orders: str = ORDERS_CSV, catalog: str = CATALOG_CSV) -> None:
        (self.folder / "orders.csv").write_text(orders)
        (self.folder / "catalog.csv").write_text(catalog)
        await self.app.imports.orders(self.folder / "orders.csv")
        await self.app.imports.catalog(self.folder / "catalog.csv")

    async def payload(self, order_id: str = ORDER_ID) -> str:
        return await LinkService(self.app.db, SECRET.encode()).payload(order_id)

    async def linked_buyer(self, chat_id: int = BUYER, order_id: str = ORDER_ID) -> None:
        """Import data, open the seller console and link the buyer by deep link."""
        await self.import_data()
        await self.act(self.fake.says(SELLER, "/start"))
        await self.act(self.fake.says(chat_id, f"/start {await self.payload(order_id)}"))

    def last(self, chat_id: int) -> str:
        texts = self.fake.texts(chat_id)
        assert texts, f"chat {chat_id} received nothing"
        return texts[-1]


@pytest.fixture
async def world(tmp_path: Path, content: Content, database: Path | str) -> AsyncIterator[World]:
    w = World(tmp_path, content, (SELLER,), database=database)
    await w.start()
    yield w
    await w.app.close()


@pytest.fixture
async def doubtful_world(
    tmp_path: Path, content: Content, database: Path | str
) -> AsyncIterator[World]:
    """A world whose matcher asks the buyer about any message between two topics."""
    w = World(tmp_path, content, (SELLER,), ambiguity_margin=DOUBTFUL_MARGIN, database=database)
    await w.start()
    yield w
    await w.app.close()


@pytest.fixture
async def zh_world(tmp_path: Path, content: Content, database: Path | str) -> AsyncIterator[World]:
    """A world whose seller console speaks Simplified Chinese."""
    w = World(tmp_path, content, (SELLER,), policy=Policy(seller_language="zh"), database=database)
    await w.start()
    yield w
    await w.app.close()


@pytest.fixture
async def world2(tmp_path: Path, content: Content, database: Path | str) -> AsyncIterator[World]:
    """A world with two seller chats."""
    w = World(tmp_path, content, (SELLER, SELLER_2), database=database)
    await w.start()
    yield w
    await w.app.close()
