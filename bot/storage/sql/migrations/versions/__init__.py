"""Alembic revisions, oldest first: ``r0001_baseline`` is schema v6 of the aiosqlite storage."""
