"""Parley: a customer-support bot backend for marketplace sellers on Telegram."""

__version__ = "0.1.0"
