"""A Telegram double for running without Telegram: the in-memory Bot API (:mod:`.fake_api`).
``parley demo``, ``parley chat`` and the tests talk to it through the aiogram session in
:mod:`bot.telegram.offline_session`; ``parley run`` never does."""
