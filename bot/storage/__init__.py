"""SQLite storage through aiosqlite: migrations, transactions and the repositories."""
