"""Which database errors are outages (the medium: disk full, I/O, locked, unreachable server)
rather than bugs (the statement), on either engine: the former become
:class:`~bot.domain.errors.StorageUnavailable` so callers wait and retry."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from bot.domain.errors import StorageUnavailable

_SQLITE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOTADB,
    }
)
_PG_CLASSES = frozenset(
    {
        "08",  # connection exception
        "53",  # insufficient resources: disk full, out of memory, too many connections
        "58",  # system error: I/O error
    }
)
_PG_STATES = frozenset(
    {
        "57P01",
        "57P02",
        "57P03",  # admin / crash shutdown, cannot connect now (starting up)
        "55P03",  # lock_not_available: waited past lock_timeout (SQLite's busy timeout)
        "40001",
        "40P01",  # serialization failure, deadlock: the transaction may simply be retried
        "25006",  # read-only transaction (a hot standby after a fail-over)
        "XX001",
        "XX002",  # data or index corrupted
    }
)


def is_outage(exc: BaseException) -> bool:
    """Errors of the medium (full, I/O, locked, corrupt, server gone), not of the statement."""
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return is_outage(exc.orig) if exc.orig is not None else False
    if isinstance(exc, sa.exc.TimeoutError | sa.exc.DisconnectionError):
        return True  # no pooled connection in time / the connection went away
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.Error):
        return code is not None and code & 0xFF in _SQLITE
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if isinstance(state, str) and state:
        return state[:2] in _PG_CLASSES or state in _PG_STATES
    cause = exc.__cause__
    if cause is not None and cause is not exc and is_outage(cause):
        return True
    return isinstance(exc, OSError | TimeoutError)  # the server cannot be reached


def unavailable(exc: BaseException) -> StorageUnavailable:
    """The StorageUnavailable to raise for an outage."""
    return StorageUnavailable(f"database unavailable: {exc}")
