"""The storage on SQLAlchemy Core: the same repository ports on SQLite (aiosqlite) or
PostgreSQL (asyncpg), one implementation, Alembic migrations. See :mod:`bot.storage.sql.db`."""

from bot.storage.sql.db import Database, database_url, open_database

__all__ = ["Database", "database_url", "open_database"]
