"""The Telegram transport: the only package that imports aiogram (besides the composition root)."""
