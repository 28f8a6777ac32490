"""The seller console's rules (pure): topic chat ids, who may act where, where alerts go; and
the settings that describe a team group."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.business import BUSINESS_BASE, internal_chat_id, is_business
from bot.domain.team import (
    TOPIC_BASE,
    Console,
    is_topic,
    topic_chat_id,
    topic_name,
    topic_serial,
)
from bot.settings import ConfigError, load_settings

GROUP = -1001234567890
LI, WANG, MALLORY = 7000001, 7000002, 5550999
TELEGRAM_LOWEST = -4_000_000_000_000  # core.telegram.org/api/bots/ids


@given(st.integers(min_value=1, max_value=2**52 - 1))
def test_topic_ids_never_meet_telegram_or_business_ids(serial: int) -> None:
    chat_id = topic_chat_id(serial)
    assert is_topic(chat_id) and topic_serial(chat_id) == serial
    assert BUSINESS_BASE <= chat_id < TOPIC_BASE < TELEGRAM_LOWEST
    assert not is_business(chat_id)
    assert not is_topic(internal_chat_id(serial)) and topic_serial(GROUP) is None


@pytest.mark.parametrize("serial", [0, -1, 2**52])
def test_a_topic_serial_out_of_range_is_refused(serial: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        topic_chat_id(serial)


def test_topic_names_fit_telegram() -> None:
    assert topic_name("  Anna\n@anna ·  8175 ") == "Anna @anna · 8175"
    long = topic_name("x" * 300)
    assert len(long) == 128 and long.endswith("…")
    assert topic_name("   ") == "?"


def test_in_the_team_group_only_listed_people_act() -> None:
    team = Console((), GROUP, frozenset({LI, WANG}))
    topic = topic_chat_id(3)
    assert team.allows(GROUP, LI) and team.allows(topic, WANG)
    assert not team.allows(GROUP, MALLORY) and not team.allows(topic, MALLORY)
    assert not team.allows(topic, None)  # nobody in particular: refused in the group
    assert not team.allows(GROUP, LI, is_bot=True)
    assert not team.allows(LI, LI)  # Li's private chat is no seller chat here
    assert team.everyone == (GROUP,) and team.shared and team.team


def test_private_seller_chats_keep_working_without_a_group() -> None:
    alone = Console((LI,))
    assert alone.allows(LI, LI) and alone.allows(LI, None)
    assert not alone.allows(LI, MALLORY) and not alone.allows(WANG, WANG)
    assert not alone.allows(topic_chat_id(1), LI)
    assert alone.everyone == (LI,) and not alone.shared and not alone.team
    assert Console((LI, WANG)).shared


def test_a_seller_group_listed_as_a_chat_follows_the_user_list_when_there_is_one() -> None:
    legacy = Console((-100500,))
    assert legacy.allows(-100500, MALLORY)  # membership, as before the team console
    listed = Console((-100500,), None, frozenset({LI}))
    assert listed.allows(-100500, LI) and not listed.allows(-100500, MALLORY)
    assert legacy.shared


def test_settings_describe_a_team_group() -> None:
    settings = load_settings(seller_group_id=GROUP, seller_user_ids=f"{LI}, {WANG}")
    assert (settings.seller_group_id, settings.seller_user_ids) == (GROUP, [LI, WANG])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"seller_group_id": GROUP}, "PARLEY_SELLER_USER_IDS: list the Telegram user ids"),
        ({"seller_group_id": 42, "seller_user_ids": "1"}, "PARLEY_SELLER_GROUP_ID: .*negative"),
        (
            {"seller_group_id": GROUP, "seller_user_ids": "1", "seller_chat_ids": str(GROUP)},
            "PARLEY_SELLER_CHAT_IDS: the team group is PARLEY_SELLER_GROUP_ID",
        ),
        ({"seller_user_ids": "1, x"}, "PARLEY_SELLER_USER_IDS"),
    ],
)
def test_a_wrong_team_setting_is_named(values: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**values)
