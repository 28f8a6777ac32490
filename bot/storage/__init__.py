"""Storage adapters: the SQL storage (bot.storage.sql), the old storage's schema steps that
stamping reads (bot.storage.migrations), and SQLite backup/restore (bot.storage.backup)."""
