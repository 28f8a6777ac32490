"""Column types that read and write the same Python values on SQLite and PostgreSQL.

* :class:`Stamp` — a timezone-aware time. On PostgreSQL a ``TIMESTAMPTZ`` (the server compares
  instants, ``parley db copy`` and SQL reports see real times). On SQLite the ISO 8601 UTC text
  the former aiosqlite storage (removed in issue 13) always wrote, byte for byte, so files
  made by it open unchanged and text order stays time order.
  ``Stamp(fixed=True)`` is the fixed-width microsecond form of the follow-up tables.
* :data:`ID` — row ids and chat ids: ``BIGINT`` on PostgreSQL (Telegram chat ids exceed 32
  bits), ``INTEGER`` on SQLite (so an ``INTEGER PRIMARY KEY`` stays the rowid, as before).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Ids (primary keys, references) and Telegram chat/message ids."""


class Stamp(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime, returned in UTC (TIMESTAMPTZ, or ISO UTC text on SQLite)."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, fixed: bool = False) -> None:
        super().__init__()
        self.fixed = fixed

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """TIMESTAMPTZ on PostgreSQL, TEXT elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """A datetime in UTC (PostgreSQL) or its ISO text (SQLite); naive means UTC."""
        if value is None:
            return None
        utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if dialect.name == "postgresql":
            return utc
        return utc.isoformat(timespec="microseconds") if self.fixed else utc.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored time as an aware UTC datetime ('' and NULL read as None)."""
        if value is None or value == "":
            return None
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def copy(self, **kw: Any) -> Stamp:
        """A copy keeping the format."""
        return Stamp(self.fixed)
