"""``parley db upgrade`` (either engine) and ``parley db copy SQLITE_FILE POSTGRES_URL``: every
table copied into an empty PostgreSQL database, counts verified, id sequences reset; bad input
refused with one line and exit 2, nothing written."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.domain.models import OutMessage
from bot.storage.sql import Database
from bot.storage.sql.schema import head_version
from bot.storage.sql.tables import metadata
from tests.storage.test_contract_sql_more import NOW, _history
from tests.support.postgres import admin, need_postgres, new_name, pg_url


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "parley.toml"))
    monkeypatch.setenv("PARLEY_DATABASE", str(tmp_path / "shop.sqlite3"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped after)."""
    need_postgres()
    name = new_name()
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url(name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("parley: ") and "\n" not in err and "Traceback" not in err
    return err


def _upgrades(capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``parley db upgrade`` twice; the second run's line."""
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"schema v{head_version()} (was v0)")
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.endswith(f"schema v{head_version()} (up to date)")
    return out


def test_upgrade_on_sqlite(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _upgrades(capsys).startswith(str(env / "shop.sqlite3"))
    assert (env / "shop.sqlite3").is_file()


def test_upgrade_on_postgresql(
    env: Path, postgres: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_DATABASE", postgres)
    out = _upgrades(capsys)
    assert out.startswith("postgresql") and "***" in out and "parley-" not in out


async def _shop(path: Path) -> None:
    db = await Database.open(path)
    async with db.transaction() as uow:
        await _history(uow)
    await db.close()


async def _all_rows(url_or_path: str | Path) -> dict[str, list[tuple[object, ...]]]:
    db = await Database.open(url_or_path)
    try:
        async with db.engine.connect() as conn:
            return {
                table.name: sorted(
                    (tuple(row) for row in await conn.execute(sa.select(table))), key=repr
                )
                for table in metadata.sorted_tables
            }
    finally:
        await db.close()


def test_copy_moves_every_row_and_resets_the_id_sequences(
    env: Path, postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = env / "shop.sqlite3"
    asyncio.run(_shop(shop))
    assert main(["db", "copy", str(shop), postgres]) == 0
    out = capsys.readouterr().out
    source = asyncio.run(_all_rows(shop))
    assert asyncio.run(_all_rows(postgres)) == source  # the same rows, read back the same
    total = sum(len(rows) for rows in source.values())
    assert f"copied {total} rows in {len(metadata.tables)} tables" in out
    assert "counts verified" in out and "parley-" not in out  # no password printed
    for name, rows in source.items():
        assert f"  {name} " in out and out.split(f"  {name} ")[1].split()[0] == str(len(rows))
    assert len(source["conversations"]) == 2 and len(source["dispute_events"]) == 2

    async def next_ids() -> tuple[int, int]:
        db = await Database.open(postgres)
        async with db.transaction() as uow:  # new rows take ids after the copied ones
            conversation = await uow.conversations.create(9, None, "en", NOW + timedelta(1))
            outbox_id = await uow.outbox.add(OutMessage(9, "hi"), NOW)
        await db.close()
        return conversation.id, outbox_id

    assert asyncio.run(next_ids()) == (3, 2)

    err = _refused(capsys, "db", "copy", str(shop), postgres)  # not empty any more
    assert "not empty (rows in" in err
    assert asyncio.run(_all_rows(postgres))["conversations"][-1][0] == 3  # nothing added


def test_copy_refuses_bad_input_and_writes_nothing(
    env: Path, postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = env / "shop.sqlite3"
    asyncio.run(_shop(shop))
    assert "nope.sqlite3: no such file" in _refused(capsys, "db", "copy", "nope.sqlite3", postgres)
    (env / "notes.txt").write_text("not a database at all")
    assert "not an SQLite database" in _refused(capsys, "db", "copy", "notes.txt", postgres)
    with closing(sqlite3.connect(env / "other.sqlite3")) as conn, conn:
        conn.execute("CREATE TABLE stuff (x)")
    err = _refused(capsys, "db", "copy", "other.sqlite3", postgres)
    assert "other.sqlite3: not a Parley database" in err
    err = _refused(capsys, "db", "copy", str(shop), "sqlite:///elsewhere.sqlite3")
    assert "must be a postgresql:// URL" in err
    err = _refused(capsys, "db", "copy", str(shop), "postgresql://parley:secret@127.0.0.1:1/x")
    assert "cannot connect" in err and "secret" not in err

    async def foreign_table() -> None:
        db = await Database.open(postgres)
        await db.execute_script("CREATE TABLE invoices (id int)")
        await db.close()

    asyncio.run(foreign_table())
    err = _refused(capsys, "db", "copy", str(shop), postgres)
    assert "not empty (tables invoices)" in err
    assert all(rows == [] for rows in asyncio.run(_all_rows(postgres)).values())


def test_backup_and_restore_refuse_postgresql(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_DATABASE", "postgresql://parley:secret@db.example/parley")
    for command in ("backup", "restore"):
        err = _refused(capsys, command, "copy.sqlite3")
        assert f"parley {command} works on a SQLite file only" in err and "secret" not in err
    assert not (env / "copy.sqlite3").exists()
