"""The seller teaches the intent engine: store, list and forget taught examples, and keep the
running matcher in step with the database (every worker, the bot and the shell commands).

The database row is the truth. Before a message is classified, :meth:`TeachingService.sync`
reads the taught examples' revision (one small query) and reloads them only when another
process or another update changed them, so an example taught from the card, from the shell or
by another worker applies to the very next message, with no restart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain.errors import NotFound, ParleyError
from bot.domain.languages import BUYER_LANGUAGES
from bot.domain.learned import (
    MAX_TEXT,
    Conflict,
    LearnedExample,
    TaughtIndex,
    TeachableMatcher,
    comparable,
)
from bot.domain.ports import Clock, Store, UnitOfWork


class CannotLearn(ParleyError):
    """The example cannot be taught as given (unknown intent or language, no words)."""

    default_key = "cannot_learn"


@dataclass(frozen=True)
class Taught:
    """What became of a taught example: stored (``example.id`` set), already known, or not
    applied because of ``conflict``."""

    example: LearnedExample
    conflict: Conflict | None = None
    known: bool = False

    @property
    def applied(self) -> bool:
        """Whether the example decides messages from now on."""
        return self.conflict is None


class TeachingService:
    """Taught examples, over the store, applied to one :class:`TeachableMatcher`."""

    def __init__(self, store: Store, clock: Clock, matcher: TeachableMatcher) -> None:
        self.store = store
        self.clock = clock
        self.matcher = matcher

    async def sync(self, uow: UnitOfWork) -> None:
        """Load the taught examples into the matcher if they changed since the last call."""
        revision = await uow.learned.revision()
        if revision != self.matcher.taught.revision:
            self.matcher.use(TaughtIndex(await uow.learned.active(), revision))

    async def learn(
        self, uow: UnitOfWork, text: str, intent: str, language: str, by: str
    ) -> Taught:
        """Store ``text`` as an example of ``intent`` in the caller's transaction, unless it
        conflicts with a shipped or taught example of another intent (then nothing is
        stored and :attr:`Taught.conflict` says why)."""
        text = " ".join(text.split())[:MAX_TEXT]
        if intent not in self.matcher.intents:
            raise CannotLearn(f"unknown intent {intent!r}", key="cannot_learn", intent=intent)
        if language not in BUYER_LANGUAGES:
            raise CannotLearn(f"unknown language {language!r} (one of "
                              f"{', '.join(BUYER_LANGUAGES)})", key="cannot_learn",
                              intent=intent)  # fmt: skip
        if not comparable(text):
            raise CannotLearn("the text has no words to learn from", key="cannot_learn",
                              intent=intent)  # fmt: skip
        await self.sync(uow)
        known = await uow.learned.find(text, intent)
        if known is not None:
            return Taught(known, known=True)
        now = self.clock.now()
        example = LearnedExample(text, intent, language, by, now)
        conflict = self.matcher.conflict(example)
        if conflict is not None:
            return Taught(example, conflict)
        stored = replace(example, id=await uow.learned.add(example, now))
        await self.sync(uow)
        return Taught(stored)

    async def teach(self, text: str, intent: str, language: str, by: str = "") -> Taught:
        """:meth:`learn` in a transaction of its own (``parley intents teach``)."""
        async with self.store.transaction() as uow:
            return await self.learn(uow, text, intent, language, by)

    async def learned(self) -> list[LearnedExample]:
        """Every applied taught example, oldest first."""
        async with self.store.transaction() as uow:
            return await uow.learned.active()

    async def forget(self, example_id: int) -> None:
        """Stop applying taught example ``example_id`` (NotFound if there is none)."""
        async with self.store.transaction() as uow:
            if not await uow.learned.forget(example_id, self.clock.now()):
                raise NotFound(f"no taught example #{example_id}", key="not_found",
                               detail=f"taught example #{example_id}")  # fmt: skip
            await self.sync(uow)

    async def load(self) -> None:
        """Apply what the database holds now (start-up, shell commands)."""
        async with self.store.transaction() as uow:
            await self.sync(uow)
