"""Telegram Business rules (pure): internal chat ids, connection changes, when Parley may write
into a business chat and why a follow-up is held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.business import (
    BUSINESS_BASE,
    BusinessChat,
    Change,
    Connection,
    business_template,
    change_of,
    followup_hold,
    internal_chat_id,
    is_business,
    refusal,
    reply_right,
    serial_of,
    window_open,
)

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
ON = Connection("c1", 7, 7, is_enabled=True, can_reply=True)
OFF = Connection("c1", 7, 7, is_enabled=False, can_reply=True)
MUTE = Connection("c1", 7, 7, is_enabled=True, can_reply=False)
TELEGRAM_IDS = (1, 5550001, 1099511627775, -1, -4000000000000, -1001234567890)


def chat(last: datetime | None) -> BusinessChat:
    return BusinessChat(internal_chat_id(1), "c1", 5550001, last)


def test_internal_ids_lie_below_every_telegram_id_and_round_trip() -> None:
    ids = [internal_chat_id(n) for n in (1, 2, 10**9)]
    assert all(is_business(i) and i < BUSINESS_BASE and i > -(2**63) for i in ids)
    assert [serial_of(i) for i in ids] == [1, 2, 10**9]
    assert not any(is_business(t) for t in TELEGRAM_IDS)
    assert all(serial_of(t) is None for t in TELEGRAM_IDS)
    with pytest.raises(ValueError):
        internal_chat_id(0)


def test_sellers_are_told_once_per_change() -> None:
    assert change_of(None, ON) is Change.CONNECTED
    assert change_of(ON, ON) is None
    assert change_of(ON, OFF) is Change.DISABLED
    assert change_of(OFF, OFF) is None
    assert change_of(ON, MUTE) is Change.CANNOT_REPLY
    assert change_of(MUTE, ON) is Change.CONNECTED
    assert change_of(None, OFF) is Change.DISABLED


def test_the_reply_right_comes_from_rights_when_telegram_sends_them() -> None:
    assert reply_right(True, None) is True  # before Bot API 9.0
    assert reply_right(None, None) is False
    assert reply_right(True, {}) is False  # rights sent: can_reply absent means no
    assert reply_right(None, {"can_reply": True, "can_read_messages": True}) is True


def test_the_24_hour_window() -> None:
    assert window_open(NOW - timedelta(hours=23, minutes=59), NOW)
    assert not window_open(NOW - timedelta(hours=24), NOW)
    assert not window_open(None, NOW)


def test_when_nothing_may_be_sent() -> None:
    fresh = chat(NOW - timedelta(hours=1))
    assert refusal(ON, fresh, NOW) is None
    assert refusal(None, None, NOW) == "unknown business chat"
    assert refusal(None, fresh, NOW) == "business connection c1 is unknown"
    assert refusal(OFF, fresh, NOW) == "business connection c1 is disabled"
    assert refusal(MUTE, fresh, NOW) == "business connection c1 has no right to reply"
    assert "24-hour" in str(refusal(ON, chat(NOW - timedelta(days=2)), NOW))


def test_why_a_follow_up_is_held() -> None:
    fresh, stale = chat(NOW - timedelta(hours=1)), chat(NOW - timedelta(days=2))
    assert followup_hold(ON, fresh, NOW) is None
    assert followup_hold(OFF, fresh, NOW) == "held: business connection c1 is disabled"
    assert followup_hold(ON, stale, NOW) == (
        "held: outside the 24-hour reply window, until the buyer writes again"
    )
    assert followup_hold(MUTE, stale, NOW) == "held: business connection c1 has no right to reply"
    assert followup_hold(None, stale, NOW) == "held: business connection c1 is unknown"


def test_business_wording_only_in_business_chats() -> None:
    assert business_template("need_order", internal_chat_id(3)) == "business/need_order"
    assert business_template("need_order", 5550001) == "need_order"
    assert business_template("price_drop", internal_chat_id(3)) == "price_drop"
