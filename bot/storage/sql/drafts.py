"""Drafts, their options, the buyer's choices and seller edits (implements
``DraftRepository``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.models import Choice, Draft, DraftStatus, Option
from bot.domain.money import Money
from bot.storage.sql.base import Repo
from bot.storage.sql.tables import choices, draft_options, drafts, seller_edits

_D, _O, _CH = drafts.c, draft_options.c, choices.c
_OPTION_COLUMNS = (_O.idx, _O.kind, _O.amount, _O.currency, _O.needs_action, _O.enabled, _O.days)


class DraftRepo(Repo):
    """Drafted replies, their options, the buyer's choices and seller edits in progress."""

    def __init__(self, conn: AsyncConnection, new_conversations: set[int] | None = None) -> None:
        super().__init__(conn)
        # conversations started in this transaction that have no draft yet: nothing to read
        self.new_conversations: set[int] = set() if new_conversations is None else new_conversations

    async def create(
        self,
        conversation_id: int,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
        now: datetime,
    ) -> Draft:
        """Store a pending draft with its options."""
        self.new_conversations.discard(conversation_id)
        draft_id = await self._insert(
            sa.insert(drafts).values(
                conversation_id=conversation_id,
                intent=intent,
                confidence=confidence,
                language=language,
                buyer_text=buyer_text,
                text=text,
                status=DraftStatus.PENDING.value,
                created_at=now,
            )
        )
        await self._options(draft_id, options)
        return Draft(
            draft_id,
            conversation_id,
            intent,
            confidence,
            language,
            buyer_text,
            text,
            DraftStatus.PENDING,
            options,
        )

    async def revise(
        self,
        draft: Draft,
        intent: str,
        confidence: float,
        language: str,
        buyer_text: str,
        text: str,
        options: tuple[Option, ...],
    ) -> Draft | None:
        """Rewrite a pending draft in place (the buyer wrote again before the seller decided);
        options the seller switched off stay off. None if it is no longer pending."""
        off = {o.kind for o in draft.options if not o.enabled}
        options = tuple(replace(o, enabled=False) if o.kind in off else o for o in options)
        changed = await self._count(
            sa.update(drafts)
            .where(_D.id == draft.id, _D.status == "pending")
            .values(
                intent=intent,
                confidence=confidence,
                language=language,
                buyer_text=buyer_text,
                text=text,
            )
        )
        if changed != 1:
            return None
        if options != draft.options:
            await self.conn.execute(sa.delete(draft_options).where(_O.draft_id == draft.id))
            await self._options(draft.id, options)
        return replace(
            draft,
            intent=intent,
            confidence=confidence,
            language=language,
            buyer_text=buyer_text,
            text=text,
            options=options,
        )

    async def _options(self, draft_id: int, options: tuple[Option, ...]) -> None:
        if not options:
            return
        await self.conn.execute(
            sa.insert(draft_options),
            [
                {
                    "draft_id": draft_id,
                    "idx": idx,
                    "kind": o.kind,
                    "amount": str(o.amount.amount) if o.amount else None,
                    "currency": o.amount.currency if o.amount else None,
                    "needs_action": o.needs_action,
                    "enabled": o.enabled,
                    "days": o.days,
                }
                for idx, o in enumerate(options)
            ],
        )

    async def get(self, draft_id: int) -> Draft | None:
        """A draft with its options."""
        row = await self._one(sa.select(drafts).where(_D.id == draft_id))
        if row is None:
            return None
        option_rows = await self._all(
            sa.select(draft_options).where(_O.draft_id == draft_id).order_by(_O.idx)
        )
        return _draft(row, option_rows)

    async def pending_for(self, conversation_id: int) -> list[Draft]:
        """Drafts of a conversation still waiting for the seller (one query, options joined)."""
        if conversation_id in self.new_conversations:
            return []
        rows = await self._all(
            sa.select(drafts, *_OPTION_COLUMNS)
            .select_from(drafts.outerjoin(draft_options, _O.draft_id == _D.id))
            .where(_D.conversation_id == conversation_id, _D.status == "pending")
            .order_by(_D.id, _O.idx)
        )
        found: dict[int, tuple[Row[Any], list[Row[Any]]]] = {}
        for row in rows:
            _, options = found.setdefault(row.id, (row, []))
            if row.idx is not None:
                options.append(row)
        return [_draft(row, options) for row, options in found.values()]

    async def decide(
        self, draft_id: int, status: DraftStatus, by: str, now: datetime, text: str | None = None
    ) -> bool:
        """Move a pending draft to ``status``; False if it was no longer pending."""
        values: dict[str, Any] = {"status": status.value, "decided_by": by, "decided_at": now}
        if text is not None:
            values["text"] = text
        return (
            await self._count(
                sa.update(drafts).where(_D.id == draft_id, _D.status == "pending").values(values)
            )
            == 1
        )

    async def last_sent(self, conversation_id: int) -> Draft | None:
        """The latest draft sent in a conversation, if its options still await a choice."""
        row = await self._one(
            sa.select(_D.id)
            .select_from(drafts.outerjoin(choices, _CH.draft_id == _D.id))
            .where(_D.conversation_id == conversation_id, _D.status == "sent", _CH.id.is_(None))
            .order_by(_D.id.desc())
            .limit(1)
        )
        return await self.get(row.id) if row else None

    async def set_enabled(self, draft_id: int, option_index: int, enabled: bool) -> None:
        """Include or leave out one option of a draft."""
        await self.conn.execute(
            sa.update(draft_options)
            .where(_O.draft_id == draft_id, _O.idx == option_index)
            .values(enabled=enabled)
        )

    async def choose(
        self, draft_id: int, option_index: int, chat_id: int, needs_action: bool, now: datetime
    ) -> bool:
        """Record the buyer's choice; False if the draft already has one."""
        return (
            await self._count(
                self._upsert(choices)
                .values(
                    draft_id=draft_id,
                    option_idx=option_index,
                    chat_id=chat_id,
                    chosen_at=now,
                    action_status="pending" if needs_action else "none",
                )
                .on_conflict_do_nothing(index_elements=[_CH.draft_id])
            )
            == 1
        )

    async def choice(self, choice_id: int) -> Choice | None:
        """A choice by id."""
        row = await self._one(
            sa.select(choices, *_OPTION_COLUMNS[1:])
            .select_from(
                choices.join(
                    draft_options, sa.and_(_O.draft_id == _CH.draft_id, _O.idx == _CH.option_idx)
                )
            )
            .where(_CH.id == choice_id)
        )
        if row is None:
            return None
        return Choice(
            id=row.id,
            draft_id=row.draft_id,
            option_index=row.option_idx,
            option=_option(row),
            action_done=row.action_status == "done",
            done_by=row.done_by,
        )

    async def choice_for(self, draft_id: int) -> Choice | None:
        """The choice made on a draft, if any."""
        row = await self._one(sa.select(_CH.id).where(_CH.draft_id == draft_id))
        return await self.choice(row.id) if row else None

    async def complete(self, choice_id: int, by: str, now: datetime) -> bool:
        """Mark a chosen action done; False if it already was (or needs none)."""
        return (
            await self._count(
                sa.update(choices)
                .where(_CH.id == choice_id, _CH.action_status == "pending")
                .values(action_status="done", done_by=by, done_at=now)
            )
            == 1
        )

    async def start_edit(self, chat_id: int, draft_id: int, now: datetime) -> None:
        """The seller in ``chat_id`` is now typing a replacement for ``draft_id``."""
        stmt = self._upsert(seller_edits).values(
            chat_id=chat_id, draft_id=draft_id, text=None, started_at=now
        )
        await self.conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[seller_edits.c.chat_id],
                set_={
                    "draft_id": stmt.excluded.draft_id,
                    "text": None,
                    "started_at": stmt.excluded.started_at,
                },
            )
        )

    async def edit_in_progress(self, chat_id: int) -> tuple[int, str | None] | None:
        """(draft id, proposed text) of the seller's edit in progress, if any."""
        row = await self._one(sa.select(seller_edits).where(seller_edits.c.chat_id == chat_id))
        return (int(row.draft_id), row.text) if row else None

    async def propose_edit(self, chat_id: int, text: str) -> None:
        """Remember the seller's replacement text until they confirm it."""
        await self.conn.execute(
            sa.update(seller_edits).where(seller_edits.c.chat_id == chat_id).values(text=text)
        )

    async def end_edit(self, chat_id: int) -> None:
        """Forget the seller's edit in progress."""
        await self.conn.execute(sa.delete(seller_edits).where(seller_edits.c.chat_id == chat_id))


def _option(row: Row[Any]) -> Option:
    amount = Money(Decimal(row.amount), row.currency) if row.amount is not None else None
    return Option(row.kind, amount, bool(row.needs_action), row.days, bool(row.enabled))


def _draft(row: Row[Any], option_rows: Sequence[Row[Any]]) -> Draft:
    return Draft(
        id=row.id,
        conversation_id=row.conversation_id,
        intent=row.intent,
        confidence=row.confidence,
        language=row.language,
        buyer_text=row.buyer_text,
        text=row.text,
        status=DraftStatus(row.status),
        options=tuple(_option(r) for r in option_rows),
        decided_by=row.decided_by,
    )
