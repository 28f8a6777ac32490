"""CSAT and the first-response target in ``/stats`` (through the real Dispatcher), its chart and
``parley stats --json``, on a small seeded dataset with hand-computed answers.

Seeded at 2026-05-01 09:30 UTC (the world's clock), target ``policy.first_response_hours`` = 12:

* three questions asked: rated 5 and 3, one unanswered → average 4.00, 4–5 share 50.0 %,
  answered 2/3;
* four conversations with a first buyer message: answered after 1 h (met), after 13 h
  (missed), unanswered for 20 h (missed), unanswered for 1 h (not decided yet) → 1 of 3 met,
  33.3 %.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.domain.models import Direction
from bot.domain.ports import StoredMessage, UnitOfWork
from bot.offline.fake_api import plain
from bot.services.stats import report_text
from tests.conftest import SECRET, SELLER, World
from tests.storage.test_contract_sql_csat import _case

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

H = timedelta(hours=1)


async def _talk(
    uow: UnitOfWork, chat_id: int, now: datetime, ago: timedelta, reply_after: timedelta | None
) -> None:
    """A conversation whose buyer wrote ``ago`` and got a reply ``reply_after`` later."""
    asked = now - ago
    conversation = await uow.conversations.create(chat_id, None, "en", asked)
    await uow.conversations.add_message(
        StoredMessage(conversation.id, chat_id, Direction.IN, "text", "hello?"), asked
    )
    if reply_after is not None:
        await uow.conversations.add_message(
            StoredMessage(conversation.id, chat_id, Direction.OUT, "text", "hi"),
            asked + reply_after,
        )


async def seed(world: World) -> None:
    now = world.clock.now()
    async with world.app.db.transaction() as uow:
        for chat in (1, 2, 3):
            await _case(uow, chat, at=now - 3 * H)
        for resolved in await uow.csat.resolved_unasked(now - 24 * H):
            await uow.csat.plan(resolved, now - 3 * H, now - 3 * H)
        first, second, third = await uow.csat.due(now)
        for ask in (first, second, third):
            assert await uow.csat.mark_asked(ask.id, now - 2 * H)
        await uow.csat.rate(first.id, 5, now - H)
        await uow.csat.rate(second.id, 3, now - H)
        await _talk(uow, 11, now, 48 * H, H)
        await _talk(uow, 12, now, 72 * H, 13 * H)
        await _talk(uow, 13, now, 20 * H, None)
        await _talk(uow, 14, now, H, None)


async def test_report_figures_have_the_known_answers(world: World) -> None:
    await seed(world)
    report = await world.app.stats.report()
    month = report.service[0]
    assert (month.days, month.asked, month.answered, month.average) == (30, 3, 2, 4.0)
    assert (month.satisfied_share, month.response_rate) == (0.5, 2 / 3)
    assert (month.target_hours, month.target_met, month.target_measured) == (12, 1, 3)
    assert month.target_share == 1 / 3
    assert [f.days for f in report.service] == [30, 60, 90]
    this_week = report.weeks[-1]  # Monday 27 April – Sunday 3 May
    assert (str(this_week.start), this_week.average, this_week.answered) == ("2026-04-27", 4.0, 2)
    assert (this_week.target_share, this_week.target_measured) == (1 / 3, 3)
    text = plain(report_text(report, world.app.stats.config.timezone, world.app.stats.presenter))
    for line in (
        "CSAT average (1-5)         4.00      4.00      4.00",
        "CSAT 4-5 share           50.0 %    50.0 %    50.0 %",
        "CSAT answered/asked         2/3       2/3       2/3",
        "1st resp. ≤ 12 h         33.3 %    33.3 %    33.3 %",
        "  met/measured              1/3       1/3       1/3",
    ):
        assert line in text, text


async def test_stats_command_shows_them_and_charts_them(world: World) -> None:
    await world.linked_buyer()
    await seed(world)
    await world.act(world.fake.says(SELLER, "/stats"))
    report, chart = world.fake.inbox(SELLER)[-2:]
    assert re.search(r"CSAT average \(1-5\)\s+4\.00", plain(report["text"]))
    assert "reply within 12 h" in plain(report["text"])
    assert (
        chart.get("photo") and "CSAT average and first responses within 12 h" in (chart["caption"])
    )


async def test_parley_stats_json_has_them(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if world.app.db.dialect != "sqlite":
        pytest.skip("the command line test reads the world's SQLite file")
    await seed(world)
    monkeypatch.setenv("PARLEY_DATABASE", str(world.settings.database))
    monkeypatch.setenv("PARLEY_LINK_SECRET", SECRET)
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "none.toml"))
    # the command line runs on today's clock: a ten-year window still holds the seeded month,
    # and both unanswered conversations are past the target by now
    assert await asyncio.to_thread(main, ["stats", "--days", "3650", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    (service,) = payload["service"]
    assert (service["asked"], service["answered"], service["average"]) == (3, 2, 4.0)
    assert (service["satisfied_share"], service["target_hours"]) == (0.5, 12)
    assert (service["target_met"], service["target_measured"]) == (1, 4)
    assert len(payload["weekly"]) == 13


async def test_a_shared_console_gets_the_figures_per_assignee(world2: World) -> None:
    """Two seller chats share the console: the same figures split by assignee. Wang has the
    conversation rated 5 and two clocks (1 h: met, 13 h: missed); Li the one rated 3 and the
    one unanswered for 20 h (missed); the unanswered question and the undecided clock stay
    unassigned."""
    world = world2
    await seed(world)
    async with world.app.db.transaction() as uow:
        waiting = {c.chat_id: c.id for c in await uow.conversations.open_list()}
        by_chat = {}
        for conversation_id in range(1, 20):  # a fresh database: ids from 1
            found = await uow.conversations.get(conversation_id)
            if found is not None:
                by_chat[found.chat_id] = found.id
        for chat, who in ((1, (2, "Wang")), (2, (1, "Li")), (11, (2, "Wang")),
                          (12, (2, "Wang")), (13, (1, "Li"))):  # fmt: skip
            await uow.conversations.assign(by_chat[chat], *who)
    assert {13, 14} <= set(waiting)

    report = await world.app.stats.report()
    assert report.assignee_days == 30
    figures = {name: f for name, f in report.assignees}
    assert list(figures) == ["Li", "Wang", None]  # by name, the unassigned last
    li, wang, nobody = figures["Li"], figures["Wang"], figures[None]
    assert (li.asked, li.average, li.satisfied_share) == (1, 3.0, 0.0)
    assert (li.target_met, li.target_measured) == (0, 1)
    assert (wang.asked, wang.average, wang.satisfied_share) == (1, 5.0, 1.0)
    assert (wang.target_met, wang.target_measured, wang.target_share) == (1, 2, 0.5)
    assert (nobody.asked, nobody.answered, nobody.target_measured) == (1, 0, 0)
    text = plain(report_text(report, world.app.stats.config.timezone, world.app.stats.presenter))
    assert "Per assignee (30 d)" in text
    assert re.search(r"Wang\s+5\.00\s+100\.0 %\s+1/1\s+50\.0 %\s+1/2", text), text
    assert re.search(r"unassigned\s+—\s+—\s+0/1\s+—\s+0/0", text), text
    assert report.as_dict()["by_assignee"][1]["assignee"] == "Wang"


async def test_one_seller_gets_no_split(world: World) -> None:
    await seed(world)
    report = await world.app.stats.report()
    assert report.assignees == () and "Per assignee" not in plain(
        report_text(report, world.app.stats.config.timezone, world.app.stats.presenter)
    )
