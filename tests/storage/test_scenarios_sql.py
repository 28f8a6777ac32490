"""Drop-in check: scenario tests of the whole bot (real Dispatcher, pretend Telegram) run with
the SQL storage in place of the aiosqlite one, on a SQLite file and on PostgreSQL.

The tests are the existing ones, collected here a second time; only the ``world`` fixtures
differ: ``build_app`` opens :class:`bot.storage.sql.Database` instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import bot.app
from bot.content.loader import Content
from bot.storage.sql import Database
from bot.storage.sql.tables import metadata
from tests.conftest import SELLER, SELLER_2, World
from tests.storage.conftest import ENGINES
from tests.telegram import test_console as console
from tests.telegram import test_disputes as disputes
from tests.telegram import test_price_drop_case as price_drop
from tests.telegram import test_topic_button as topics


async def _world(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, world: World
) -> AsyncIterator[World]:
    if request.param == "sqlite":
        monkeypatch.setattr(bot.app, "Database", Database)
    else:
        url = request.getfixturevalue("shared_postgres")
        empty = await Database.open(url)
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        await empty.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        await empty.close()

        class OnPostgres(Database):
            @classmethod
            async def open(cls, url_or_path: str | Path) -> Database:
                return await Database.open(url)  # whatever Settings.database says

        monkeypatch.setattr(bot.app, "Database", OnPostgres)
    await world.start()
    assert isinstance(world.app.db, Database)
    yield world
    await world.app.close()


@pytest.fixture(params=ENGINES)
async def world(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    content: Content,
) -> AsyncIterator[World]:  # fmt: skip
    """The usual world, on the SQL storage."""
    async for w in _world(request, monkeypatch, World(tmp_path, content, (SELLER,))):
        yield w


@pytest.fixture(params=ENGINES)
async def world2(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    content: Content,
) -> AsyncIterator[World]:  # fmt: skip
    """Two seller chats, on the SQL storage."""
    async for w in _world(request, monkeypatch, World(tmp_path, content, (SELLER, SELLER_2))):
        yield w


test_price_drop_case_end_to_end = price_drop.test_price_drop_case_end_to_end
test_take_over_relays_both_ways_until_end = console.test_take_over_relays_both_ways_until_end
test_first_response_reminder_fires_once = console.test_first_response_reminder_fires_once
test_several_messages_in_a_row_update_one_card = (
    console.test_several_messages_in_a_row_update_one_card
)
test_photo_is_shown_on_the_next_card = console.test_photo_is_shown_on_the_next_card
test_reminders_fire_on_their_days_once_each_across_a_restart = (
    disputes.test_reminders_fire_on_their_days_once_each_across_a_restart
)
test_offers_answers_and_agreement_skip_what_is_no_longer_needed = (
    disputes.test_offers_answers_and_agreement_skip_what_is_no_longer_needed
)
test_stats_numbers_and_chart_through_the_dispatcher = (
    disputes.test_stats_numbers_and_chart_through_the_dispatcher
)
test_seller_picks_a_topic_and_parley_learns_it = (
    topics.test_seller_picks_a_topic_and_parley_learns_it
)
