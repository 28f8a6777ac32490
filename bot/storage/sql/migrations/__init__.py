"""Alembic migration scripts of :mod:`bot.storage.sql` (run by :mod:`bot.storage.sql.schema`)."""
