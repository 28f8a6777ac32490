"""Bringing a database's schema up to date with Alembic, on SQLite or PostgreSQL.

The revisions live in ``bot/storage/sql/migrations/versions`` and run programmatically on the
connection given (no ``alembic.ini``): every pending revision in one transaction.

**Files made by the aiosqlite storage.** That storage counted its six schema steps in
``PRAGMA user_version`` and has no ``alembic_version`` table. Such a file is recognised by
exactly that (user_version 1–6, no ``alembic_version``): the steps it still lacks run first
(the original SQL of :mod:`bot.storage.migrations`), then the file is *stamped* with the
baseline revision ``r0001`` (which is schema v6) instead of running it, so not a row is
touched. Later revisions then run as on any database.

**The schema version** is a number that keeps counting the old steps: the baseline is 6, and
each revision after it adds one. On SQLite ``PRAGMA user_version`` stays 6 (the marker the
aiosqlite storage and ``parley backup``/``restore`` read); the Alembic revision is the truth.
"""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage.migrations import MIGRATIONS


class _OnlyChanges(logging.Filter):
    """Alembic says what it runs (worth a line in the log) and, at every start, which
    implementation it uses (noise): keep the former."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage().startswith("Running ")


logging.getLogger("alembic.runtime.migration").addFilter(_OnlyChanges())
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

BASELINE = "r0001"
"""The revision that is schema v6 of the aiosqlite storage."""
LEGACY_STEPS = len(MIGRATIONS)  # 6: the baseline's schema version
SCRIPTS = Path(__file__).parent / "migrations"


def _config(conn: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = conn
    return config


def _revisions(config: Config) -> list[str]:
    """Revision ids from the baseline to the head, oldest first."""
    scripts = ScriptDirectory.from_config(config)
    return [s.revision for s in reversed(list(scripts.walk_revisions("base", "heads")))]


def head_version() -> int:
    """The schema version this Parley brings a database to."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return LEGACY_STEPS - 1 + len(_revisions(config))


def upgrade(conn: sa.Connection) -> int:
    """Apply pending migrations on ``conn`` (inside its open transaction); returns the schema
    version. Raises RuntimeError for a database newer than this Parley."""
    config = _config(conn)
    order = _revisions(config)
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current not in order:
        raise RuntimeError(
            f"database schema revision {current} is newer than this Parley (head {order[-1]})"
        )
    if current is None and conn.dialect.name == "sqlite":
        legacy = _user_version(conn)
        if legacy > LEGACY_STEPS:
            raise RuntimeError(
                f"database schema v{legacy} is newer than this Parley (v{LEGACY_STEPS})"
            )
        if legacy:
            _legacy_steps(conn, legacy)
            command.stamp(config, BASELINE)
            current = BASELINE
    if current != order[-1]:
        command.upgrade(config, "head")
    if conn.dialect.name == "sqlite" and _user_version(conn) != LEGACY_STEPS:
        conn.exec_driver_sql(f"PRAGMA user_version={LEGACY_STEPS}")
    return LEGACY_STEPS - 1 + len(order)


def current_version(conn: sa.Connection) -> int:
    """The schema version of the database behind ``conn`` (0: empty)."""
    config = _config(conn)
    order = _revisions(config)
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return _user_version(conn) if conn.dialect.name == "sqlite" else 0
    return LEGACY_STEPS + order.index(current) if current in order else LEGACY_STEPS + len(order)


def _user_version(conn: sa.Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def _legacy_steps(conn: sa.Connection, version: int) -> None:
    """The aiosqlite storage's own steps a file still lacks (for files older than v6)."""
    for step in MIGRATIONS[version:]:
        for statement in step.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
