"""``parley backup`` / ``parley restore``: consistent copies, refusals that change nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.backup import expected_tables
from bot.storage.migrations import MIGRATIONS
from tests.conftest import ORDERS_CSV


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("PARLEY_BOT_TOKEN", "PARLEY_SELLER_CHAT_IDS", "PARLEY_INTENTS_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PARLEY_DATABASE", str(tmp_path / "data" / "parley.sqlite3"))
    monkeypatch.setenv("PARLEY_CONFIG", str(tmp_path / "parley.toml"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(ORDERS_CSV)
    assert main(["orders", "import", "orders.csv"]) == 0  # a real, migrated Parley database
    return tmp_path


def _db(env: Path) -> Path:
    return env / "data" / "parley.sqlite3"


def _rows(path: Path, sql: str = "SELECT order_id FROM orders ORDER BY order_id") -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [str(r[0]) for r in conn.execute(sql)]


def _catalog(n: int) -> tuple[str, str, str, str]:
    return (f"SKU{n:06d}", "1.00", "USD", "2026-05-01T00:00:00+00:00")


@pytest.fixture
def writer(env: Path) -> Iterator[threading.Event]:
    """Another connection inserting catalog rows one commit at a time until told to stop."""
    stop, started = threading.Event(), threading.Event()

    def write() -> None:
        with closing(sqlite3.connect(_db(env), timeout=30, isolation_level=None)) as conn:
            n = 0
            while not stop.is_set() or n < 20:
                n += 1
                conn.execute("INSERT INTO catalog (sku, price, currency, updated_at) "
                             "VALUES (?, ?, ?, ?)", _catalog(n))  # fmt: skip
                if n == 20:
                    started.set()
                time.sleep(0.001)  # SQLite's lock is not fair: let the test's connection in

    thread = threading.Thread(target=write)
    thread.start()
    started.wait()
    yield stop
    stop.set()
    thread.join()


def test_backup_while_writing_is_a_consistent_copy(
    env: Path, writer: threading.Event, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(_db(env), timeout=30, isolation_level=None)) as pending:
        pending.execute("BEGIN IMMEDIATE")  # uncommitted work is not in the copy…
        pending.execute("DELETE FROM orders")
        # …the writer waits on this transaction; committed rows before it are copied
        assert main(["backup", "copy.sqlite3"]) == 0
        pending.execute("ROLLBACK")
    assert main(["backup", "during.sqlite3"]) == 0  # the writer is free to write meanwhile
    writer.set()
    during = _rows(env / "during.sqlite3", "SELECT sku FROM catalog ORDER BY sku")
    assert during == [_catalog(n)[0] for n in range(1, len(during) + 1)]  # no gaps, no tears
    assert len(during) >= 20 and len(_rows(env / "during.sqlite3")) == 2
    out = capsys.readouterr().out
    assert "to copy.sqlite3" in out and f"schema v{len(MIGRATIONS)}" in out
    copy = env / "copy.sqlite3"
    assert _rows(copy) == ["8175342209981234", "8175342209985555"]
    skus = _rows(copy, "SELECT sku FROM catalog ORDER BY sku")
    assert len(skus) >= 20 and skus == [_catalog(n)[0] for n in range(1, len(skus) + 1)]
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # standalone
    assert not (env / "copy.sqlite3-wal").exists()
    assert [p.name for p in env.iterdir() if p.name.endswith(".tmp")] == []


def test_restore_brings_the_rows_back_and_keeps_the_replaced_database(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "copy.sqlite3"]) == 0
    with closing(sqlite3.connect(_db(env))) as conn, conn:
        conn.execute("DELETE FROM orders")
    assert _rows(_db(env)) == []
    capsys.readouterr()
    assert main(["restore", "copy.sqlite3"]) == 0
    out = capsys.readouterr().out
    assert _rows(_db(env)) == ["8175342209981234", "8175342209985555"]
    kept = [p for p in (env / "data").iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and kept[0].name in out
    assert _rows(kept[0]) == []  # what was replaced, as it was
    with closing(sqlite3.connect(_db(env))) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert main(["orders", "import", "orders.csv"]) == 0  # Parley opens it as usual


def test_restore_into_a_missing_database(env: Path) -> None:
    assert main(["backup", "copy.sqlite3"]) == 0
    _db(env).unlink()
    assert main(["restore", "copy.sqlite3"]) == 0
    assert _rows(_db(env)) == ["8175342209981234", "8175342209985555"]
    assert not [p for p in (env / "data").iterdir() if ".before-restore-" in p.name]


def _refused(env: Path, capsys: pytest.CaptureFixture[str], file: str) -> str:
    before = _db(env).read_bytes()
    capsys.readouterr()
    assert main(["restore", file]) == 2
    assert _db(env).read_bytes() == before  # nothing changed
    assert not [p for p in (env / "data").iterdir() if ".before-restore-" in p.name]
    err = capsys.readouterr().err
    assert err.startswith("parley: ")
    return err


def test_restore_refuses_what_is_not_a_parley_database(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (env / "notes.txt").write_text("not a database at all\n" * 10)
    assert "notes.txt: not an SQLite database" in _refused(env, capsys, "notes.txt")
    assert "nope.sqlite3: no such file" in _refused(env, capsys, "nope.sqlite3")
    with closing(sqlite3.connect(env / "other.sqlite3")) as conn, conn:
        conn.execute("CREATE TABLE things (x)")
    assert "not a Parley database" in _refused(env, capsys, "other.sqlite3")
    with closing(sqlite3.connect(env / "partial.sqlite3")) as conn, conn:
        conn.execute("CREATE TABLE orders (x)")
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS)}")
    assert "missing tables: catalog" in _refused(env, capsys, "partial.sqlite3")
    (env / "torn.sqlite3").write_bytes(_db(env).read_bytes()[:4096] + b"\0" * 100)
    assert "torn.sqlite3" in _refused(env, capsys, "torn.sqlite3")


def test_restore_refuses_a_newer_schema(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backup", "newer.sqlite3"]) == 0
    with closing(sqlite3.connect(env / "newer.sqlite3")) as conn:
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    err = _refused(env, capsys, "newer.sqlite3")
    assert f"schema v{len(MIGRATIONS) + 1} is newer than this Parley" in err


def test_restore_refuses_while_the_database_is_open_elsewhere(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "copy.sqlite3"]) == 0
    with closing(sqlite3.connect(_db(env))) as running:  # like an idle `parley run`
        assert running.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        running.execute("SELECT count(*) FROM orders").fetchone()
        err = _refused(env, capsys, "copy.sqlite3")
    assert "in use by another process; stop `parley run`" in err
    assert main(["restore", "copy.sqlite3"]) == 0  # once it is closed


def test_backup_refusals(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "README.txt").write_text("keep me")
    assert main(["backup", "README.txt"]) == 2
    assert "not an SQLite database; not overwriting it" in capsys.readouterr().err
    assert (env / "README.txt").read_text() == "keep me"
    assert main(["backup", "data/parley.sqlite3"]) == 2
    assert "is the database itself" in capsys.readouterr().err
    assert main(["backup", "no/such/dir/copy.sqlite3"]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert main(["backup", "copy.sqlite3"]) == 0
    assert main(["backup", "copy.sqlite3"]) == 0  # an older backup is replaced


def test_expected_tables_follow_the_migrations() -> None:
    assert expected_tables(0) == set()
    assert {"orders", "catalog", "conversations"} <= expected_tables(len(MIGRATIONS))
