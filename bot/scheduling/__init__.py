"""APScheduler adapter: wakes stored work up; the database rows stay the source of truth."""
