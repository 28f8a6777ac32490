"""What pauses a buyer's automation (bot.domain.pause)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.models import Conversation, ConversationStatus, Direction
from bot.domain.pause import Pause, asked_for_person, pause_of, strongest
from bot.domain.repositories.conversations import StoredMessage

OPEN = Conversation(1, 42, "A1", ConversationStatus.OPEN, "en", datetime(2026, 5, 1, tzinfo=UTC))


def said(intent: str | None, direction: Direction = Direction.IN) -> StoredMessage:
    return StoredMessage(1, 42, direction, "text", "…", intent, 1.0 if intent else None)


def test_an_unanswered_request_for_a_person_stands_whatever_follows() -> None:
    assert asked_for_person([said("human_agent"), said("order_status"), said("thanks")])
    assert pause_of(OPEN, [said("human_agent"), said("order_status")]) is Pause.ASKED_FOR_PERSON
    assert pause_of(OPEN, [said("order_status"), said(None)]) is None
    assert not asked_for_person([said("human_agent", Direction.OUT)])


def test_a_take_over_pauses_and_a_closed_conversation_does_not() -> None:
    taken = replace(OPEN, taken_over_by=7000001)
    assert pause_of(taken, []) is Pause.TAKEN_OVER
    assert pause_of(taken, [said("human_agent")]) is Pause.TAKEN_OVER
    for status in (ConversationStatus.RESOLVED, ConversationStatus.DISMISSED):
        assert pause_of(replace(taken, status=status), [said("human_agent")]) is None
    waiting = replace(OPEN, status=ConversationStatus.AWAITING_BUYER)
    assert pause_of(waiting, [said("human_agent")]) is Pause.ASKED_FOR_PERSON


def test_the_reason_stored_on_a_held_follow_up() -> None:
    assert Pause.TAKEN_OVER.held == "held: taken over"
    assert Pause.ASKED_FOR_PERSON.held == "held: asked for a person"
    assert strongest([None, Pause.ASKED_FOR_PERSON, Pause.TAKEN_OVER]) is Pause.TAKEN_OVER
    assert strongest([None, Pause.ASKED_FOR_PERSON]) is Pause.ASKED_FOR_PERSON
    assert strongest([None]) is None
