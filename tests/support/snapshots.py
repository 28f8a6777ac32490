"""Saved worlds: a parametrized test that needs the same prepared state many times prepares
it once and then starts every case from a copy, as Parley starts after a restart.

A snapshot is what Parley keeps across a restart (the SQLite file) plus everything outside
Parley (the pretend Telegram's chats, users and update offset, and the clock). Restoring one
and starting Parley on it is the restart the product promises to survive, so a test run from
a snapshot sees exactly the state the preparation left (the preparation itself runs through
the real Dispatcher the first time, and the same restart is made then too, so the first case
and the copies start alike).
"""

from __future__ import annotations

import asyncio
import copy
import shutil
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.offline.fake_api import FakeBotAPI
from tests.conftest import World

SIDE_FILES = ("", "-wal", "-shm")  # a closed SQLite database has no side files; copy any


@dataclass(frozen=True)
class Snapshot:
    """A closed world's database copy, its pretend Telegram and its clock."""

    folder: Path
    fake: FakeBotAPI
    offset: int | None
    now: datetime


def _copy_fake(fake: FakeBotAPI) -> FakeBotAPI:
    """A deep copy of ``fake`` whose update event belongs to no event loop yet."""
    fresh = asyncio.Event()
    return copy.deepcopy(fake, memo={id(fake._new_update): fresh})


def _copy_database(source: Path, target: Path) -> None:
    for suffix in SIDE_FILES:
        path = Path(f"{source}{suffix}")
        if path.exists():
            shutil.copyfile(path, f"{target}{suffix}")


class Snapshots:
    """Prepared worlds by key, saved under ``store`` (a folder that outlives the tests)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self._saved: dict[Hashable, Snapshot] = {}

    async def world(
        self,
        key: Hashable,
        make: Callable[[], World],
        prepare: Callable[[World], Awaitable[None]],
    ) -> World:
        """A started world in the state ``prepare`` leaves a world ``make`` builds, restored
        from the snapshot saved under ``key`` (prepared and saved on first use)."""
        world = make()
        database = Path(world.settings.database)
        saved = self._saved.get(key)
        if saved is None:
            await world.start()
            await prepare(world)
            await world.app.close()
            folder = self.store / f"snapshot-{len(self._saved)}"
            folder.mkdir(parents=True)
            _copy_database(database, folder / database.name)
            saved = Snapshot(folder, _copy_fake(world.fake), world.offset, world.clock.now())
            self._saved[key] = saved
        else:
            _copy_database(saved.folder / database.name, database)
        world.fake = _copy_fake(saved.fake)
        world.offset = saved.offset
        world.clock.advance(seconds=(saved.now - world.clock.now()).total_seconds())
        await world.start()
        return world
