"""Telegram doubles for running without Telegram: an in-memory Bot API (:mod:`.fake_api`)
and the aiogram session that talks to it (:mod:`.session`). ``parley demo``, ``parley chat``
and the tests use them; ``parley run`` never does."""
