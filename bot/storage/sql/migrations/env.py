"""Alembic environment: migrations run on the connection :mod:`bot.storage.sql.schema` passes
in ``config.attributes["connection"]``, inside the transaction it opened (one transaction for
every pending revision). There is no ``alembic.ini``: use ``parley db upgrade`` (or
:meth:`bot.storage.sql.db.Database.migrate`)."""

from __future__ import annotations

from alembic import context

from bot.storage.sql.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.storage.sql.schema, not the alembic CLI")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER TABLE is limited
)
with context.begin_transaction():
    context.run_migrations()
