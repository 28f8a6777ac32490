"""Use cases. They reach storage, time, templates and Telegram only through ``domain.ports``."""
