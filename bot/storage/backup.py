"""``parley backup`` / ``parley restore``: whole-database copies through SQLite's backup API.

Plain :mod:`sqlite3`, blocking (call through :func:`asyncio.to_thread` from async code).

* :func:`backup` copies a consistent snapshot of the live database (WAL mode lets ``parley run``
  keep writing meanwhile; the copy holds what was committed when it started). The copy is a
  single self-contained file (rollback journal mode, no ``-wal``), written next to the target
  and renamed into place, so a failed backup never leaves half a file.
* :func:`restore` first checks the file is a Parley database this Parley can open (integrity,
  schema version, tables), then refuses while any other connection has the database open
  ("stop ``parley run`` before restore"), keeps the current database as
  ``<db>.before-restore-<UTC timestamp>`` and copies the file in with the backup API, so the
  database never mixes pages or a stale ``-wal`` of the old and the new content.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.errors import ParleyError
from bot.storage.migrations import MIGRATIONS

_HEADER = b"SQLite format 3\x00"
_BUSY_MS = 200  # how long restore waits for another connection before calling the db in use
_BACKUP_BUSY_MS = 30_000  # how long a backup waits for a writer's moment of exclusive lock


class BackupError(ParleyError):
    """A backup or restore was refused or failed; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote: the file, its schema version and size."""

    path: Path
    version: int
    size: int


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the schema version restored and where the old database went."""

    version: int
    kept: Path | None  # the replaced database, None if there was none


def backup(database: Path, target: Path) -> BackupResult:
    """Copy ``database`` (possibly in use by ``parley run``) to ``target`` atomically."""
    if not database.is_file():
        raise BackupError(f"{database}: no database to back up (PARLEY_DATABASE)")
    if _same_file(database, target):
        raise BackupError(f"{target}: is the database itself; choose another file")
    if target.is_dir():
        raise BackupError(f"{target}: is a directory; give a file name")
    if target.exists() and not _looks_like_sqlite(target, allow_empty=True):
        raise BackupError(f"{target}: exists and is not an SQLite database; not overwriting it")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise BackupError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        # A running Parley may hold a lock for a moment (a checkpoint): wait for it.
        with _connect(database, "rw", _BACKUP_BUSY_MS) as source, _connect(tmp) as copy:
            source.backup(copy)  # one step: a consistent snapshot, writers are not blocked
            copy.execute("PRAGMA journal_mode=DELETE")  # a standalone file, no -wal needed
            _check_integrity(copy, target, quick=True)
            version = _user_version(copy)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {database} failed: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(target, version, target.stat().st_size)


def restore(database: Path, source: Path, now: datetime | None = None) -> RestoreResult:
    """Replace ``database`` with the Parley database in ``source``; keep the old one aside."""
    if _same_file(database, source):
        raise BackupError(f"{source}: is the database itself; nothing to restore")
    version = validate(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = None
    try:
        with _connect(source, "ro") as src:
            if _has_content(database) and not _readable(database):
                kept = _move_aside(database, stamp)  # damaged: nothing can have it open
            with _connect(database) as dst:
                if kept is None and _has_content(database):
                    with _exclusive(dst, database):
                        kept = _keep_aside(dst, database, stamp)
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")  # as `parley run` opens it
                _check_integrity(dst, database, quick=True)
    except sqlite3.Error as exc:
        where = f"; the previous database is kept as {kept}" if kept else ""
        raise BackupError(f"restore into {database} failed: {exc}{where}") from None
    return RestoreResult(version, kept)


def validate(path: Path) -> int:
    """Check ``path`` is an intact Parley database this Parley can open; its schema version."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if not _looks_like_sqlite(path):
        raise BackupError(f"{path}: not an SQLite database")
    try:
        with _connect(path, "ro") as conn:
            _check_integrity(conn, path, quick=False)
            version = _user_version(conn)
            tables = _tables(conn)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be read as an SQLite database ({exc})") from None
    if version > len(MIGRATIONS):
        raise BackupError(f"{path}: database schema v{version} is newer than this Parley "
                          f"(v{len(MIGRATIONS)}); upgrade Parley to restore it")  # fmt: skip
    missing = sorted(expected_tables(version) - tables) if version else ["all"]
    if missing:
        raise BackupError(f"{path}: not a Parley database (schema v{version}; missing tables: "
                          f"{', '.join(missing)})")  # fmt: skip
    return version


def expected_tables(version: int) -> set[str]:
    """The tables a database at schema ``version`` has (migrations replayed in memory)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        for step in MIGRATIONS[:version]:
            conn.executescript(step)
        return _tables(conn)


@contextlib.contextmanager
def _connect(
    path: Path, mode: str = "rwc", busy_ms: int = _BUSY_MS
) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_ms / 1000)
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def _exclusive(conn: sqlite3.Connection, database: Path) -> Iterator[None]:
    """Make sure nobody else has ``database`` open, for the duration of the block.

    Leaving WAL mode needs every other connection closed (an idle ``parley run`` counts),
    and an exclusive lock then waits for no reader or writer of a rollback-mode file.
    """
    in_use = BackupError(f"{database}: in use by another process; stop `parley run` (and any "
                         "other parley command) before restoring")  # fmt: skip
    before = conn.execute("PRAGMA journal_mode").fetchone()[0]
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise in_use from None
        raise
    if mode != "delete":
        raise in_use
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA journal_mode={before}")
        raise


def _aside(database: Path, stamp: str) -> Path:
    kept = database.with_name(f"{database.name}.before-restore-{stamp}")
    n = 1
    while kept.exists():
        n += 1
        kept = database.with_name(f"{database.name}.before-restore-{stamp}-{n}")
    return kept


def _keep_aside(conn: sqlite3.Connection, database: Path, stamp: str) -> Path:
    """Copy the current database (with what its -wal holds) to a standalone file."""
    kept = _aside(database, stamp)
    try:
        with _connect(kept) as copy:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        kept.unlink(missing_ok=True)
        raise
    return kept


def _move_aside(database: Path, stamp: str) -> Path:
    """Rename a database SQLite cannot read (and its -wal/-shm) out of the way."""
    kept = _aside(database, stamp)
    for suffix in ("-wal", "-shm"):
        extra = database.with_name(database.name + suffix)
        if extra.exists():
            os.replace(extra, kept.with_name(kept.name + suffix))
    os.replace(database, kept)
    return kept


def _readable(path: Path) -> bool:
    """Whether SQLite can read ``path`` (busy counts as readable: someone is using it)."""
    if not _looks_like_sqlite(path):
        return False
    try:
        with _connect(path, "rw") as conn:
            conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        return True
    except sqlite3.DatabaseError:
        return False
    return True


def _check_integrity(conn: sqlite3.Connection, path: Path, *, quick: bool) -> None:
    rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
    if [tuple(r) for r in rows] != [("ok",)]:
        problems = "; ".join(str(r[0]) for r in rows[:5])
        raise BackupError(f"{path}: integrity check failed ({problems})")


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(r[0]) for r in rows if not str(r[0]).startswith("sqlite_")}


def _has_content(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _looks_like_sqlite(path: Path, *, allow_empty: bool = False) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(len(_HEADER))
    except OSError:
        return False
    return head == _HEADER or (allow_empty and head == b"")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()
