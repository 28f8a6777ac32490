"""The dispute state machine, the timeline and reminder edges, offers and command parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from bot.domain.disputes import (
    DAY,
    TRANSITIONS,
    AnswerKind,
    BadCommand,
    Dispute,
    DisputeEvent,
    DisputeRules,
    DisputeState,
    EdgeKind,
    Offer,
    OfferStatus,
    Party,
    Press,
    ReminderAction,
    allowed_events,
    best_offer,
    closing_edge,
    day_number,
    decode_press,
    due_reminders,
    edge_kind,
    events_after_answer,
    events_after_offer,
    in_window,
    next_deadline,
    offer_kind,
    open_data,
    parse_amount,
    parse_answer,
    parse_command,
    parse_date,
    parse_offer,
    parse_open,
    plan_reminders,
    protection_ends,
    reminder_action,
    return_reminder,
    step_data,
    time_left,
    timeline,
    transition,
)
from bot.domain.errors import InvalidTransition, ParleyError
from bot.domain.money import Money

T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
RULES = DisputeRules()
S, E = DisputeState, DisputeEvent

VALID = [
    (S.OPENED, E.RESPOND, S.RESPONDED),
    (S.RESPONDED, E.NEGOTIATE, S.NEGOTIATING),
    (S.RESPONDED, E.AGREE, S.AGREED),
    (S.NEGOTIATING, E.AGREE, S.AGREED),
    (S.AGREED, E.EXECUTE, S.EXECUTED),
    (S.EXECUTED, E.CLOSE, S.CLOSED),
    (S.OPENED, E.WITHDRAW, S.CLOSED),
    (S.RESPONDED, E.WITHDRAW, S.CLOSED),
    (S.NEGOTIATING, E.WITHDRAW, S.CLOSED),
    (S.OPENED, E.ESCALATE, S.ESCALATED),
    (S.RESPONDED, E.ESCALATE, S.ESCALATED),
    (S.NEGOTIATING, E.ESCALATE, S.ESCALATED),
    (S.ESCALATED, E.RULE_FOR_BUYER, S.RULED_FOR_BUYER),
    (S.ESCALATED, E.RULE_FOR_SELLER, S.RULED_FOR_SELLER),
    (S.OPENED, E.LAPSE, S.RULED_FOR_BUYER),
]
INVALID = [
    (state, event)
    for state, event in product(DisputeState, DisputeEvent)
    if (state, event) not in {(s, e) for s, e, _ in VALID}
]


def test_the_table_is_exactly_the_documented_machine() -> None:
    assert {(s, e): t for s, e, t in VALID} == TRANSITIONS
    assert len(VALID) + len(INVALID) == len(DisputeState) * len(DisputeEvent)


@pytest.mark.parametrize(("state", "event", "target"), VALID)
def test_every_valid_transition(
    state: DisputeState, event: DisputeEvent, target: DisputeState
) -> None:
    assert transition(state, event) is target
    assert event in allowed_events(state)


@pytest.mark.parametrize(("state", "event"), INVALID)
def test_every_invalid_transition_raises_a_typed_error(
    state: DisputeState, event: DisputeEvent
) -> None:
    with pytest.raises(InvalidTransition) as caught:
        transition(state, event)
    error = caught.value
    assert isinstance(error, ParleyError)
    assert (error.state, error.event) == (state.value, event.value)
    assert error.allowed == tuple(allowed_events(state))
    assert state.value in str(error) and event.value in str(error)


def test_terminal_states_accept_nothing_and_open_is_never_a_step() -> None:
    for state in DisputeState:
        assert (allowed_events(state) == ()) is state.terminal
        assert DisputeEvent.OPEN not in allowed_events(state)
    assert {s for s in DisputeState if s.negotiable} == {S.OPENED, S.RESPONDED, S.NEGOTIATING}
    with pytest.raises(InvalidTransition, match="finished"):
        transition(S.CLOSED, E.AGREE)


def test_default_timeline() -> None:
    line = timeline(T0, RULES)
    assert line.answer_by == T0 + 5 * DAY
    assert line.window_opens == T0 + 4 * DAY
    assert line.window_closes == T0 + 16 * DAY  # end of day 15
    assert line.escalates_at == T0 + 16 * DAY
    assert day_number(T0, T0) == 0
    assert day_number(T0, T0 + 4 * DAY - timedelta(seconds=1)) == 3
    assert day_number(T0, T0 + 4 * DAY) == 4
    assert in_window(T0, T0 + 16 * DAY - timedelta(seconds=1), RULES)
    assert not in_window(T0, T0 + 16 * DAY, RULES)


def test_default_reminders_fall_on_the_documented_days() -> None:
    plan = plan_reminders(T0, RULES)
    days = {r.edge: (r.due_at - T0) / DAY for r in plan}
    assert days == {
        "answer_deadline": 4,  # 24 h before the 5-day answer deadline
        "window_opens": 4,
        "window_closes_in_3d": 12,
        "window_closes_in_1d": 14,
        "last_day": 15,
        "escalation": 16,
    }
    assert plan[0].edge == "answer_deadline"  # same moment as window_opens: stable order
    assert plan[-1].edge == "escalation"
    assert edge_kind(closing_edge(3)) is EdgeKind.WINDOW_CLOSING
    assert edge_kind("last_day") is EdgeKind.LAST_DAY


def test_every_number_is_configurable() -> None:
    rules = DisputeRules(answer_days=3, window_opens_day=2, window_closes_day=9,
                         escalation_day=11, warn_days_before_close=(2,),
                         answer_warning_hours=12, return_shipping_days=7,
                         protection_days=90)  # fmt: skip
    days = {r.edge: (r.due_at - T0) / DAY for r in plan_reminders(T0, rules)}
    assert days == {"answer_deadline": 2.5, "window_opens": 2, "window_closes_in_2d": 7,
                    "last_day": 9, "escalation": 11}  # fmt: skip
    assert timeline(T0, rules).window_closes == T0 + 10 * DAY
    assert return_reminder(T0, rules).due_at == T0 + 7 * DAY
    assert protection_ends(None, T0, rules) == T0 + 90 * DAY
    assert protection_ends(T0 + DAY, T0, rules, extended_days=10) == T0 + 101 * DAY


@pytest.mark.parametrize(
    "kwargs",
    [
        {"answer_days": 0},
        {"window_opens_day": 10, "window_closes_day": 5},
        {"window_closes_day": 16, "escalation_day": 16},
        {"warn_days_before_close": (20,)},
        {"warn_days_before_close": (0,)},
        {"answer_warning_hours": 5 * 24},
        {"protection_days": 0},
    ],
)
def test_inconsistent_rules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DisputeRules(**kwargs)  # type: ignore[arg-type]


def test_due_reminders_at_now_and_without_the_done_ones() -> None:
    assert due_reminders(T0, RULES, T0 + 4 * DAY - timedelta(minutes=1)) == []
    at_day_4 = due_reminders(T0, RULES, T0 + 4 * DAY)
    assert [r.edge for r in at_day_4] == ["answer_deadline", "window_opens"]
    later = due_reminders(T0, RULES, T0 + 14 * DAY + timedelta(hours=3),
                          done={"answer_deadline", "window_opens"})  # fmt: skip
    assert [r.edge for r in later] == ["window_closes_in_3d", "window_closes_in_1d"]
    assert len(due_reminders(T0, RULES, T0 + 30 * DAY)) == 6


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 5, 1, 9, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline(naive, RULES)
    with pytest.raises(ValueError, match="timezone-aware"):
        due_reminders(T0, RULES, naive)


def test_reminder_action_depends_on_the_state_at_that_moment() -> None:
    k, a = EdgeKind, ReminderAction
    assert reminder_action(k.ANSWER_DEADLINE, S.OPENED) is a.SEND
    assert reminder_action(k.ANSWER_DEADLINE, S.RESPONDED) is a.SKIP
    for state in (S.OPENED, S.RESPONDED, S.NEGOTIATING):
        assert reminder_action(k.WINDOW_OPENS, state) is a.SEND
        assert reminder_action(k.LAST_DAY, state) is a.SEND
        assert reminder_action(k.ESCALATION, state) is a.ESCALATE
    for state in (S.AGREED, S.EXECUTED, S.CLOSED, S.ESCALATED, S.RULED_FOR_BUYER):
        assert reminder_action(k.WINDOW_CLOSING, state) is a.SKIP
        assert reminder_action(k.ESCALATION, state) is a.SKIP
    assert reminder_action(k.RETURN_SHIPPING, S.AGREED) is a.SEND
    assert reminder_action(k.RETURN_SHIPPING, S.EXECUTED) is a.SKIP


def test_offers_and_answers_imply_steps() -> None:
    assert events_after_offer(S.OPENED, Party.SELLER) == [E.RESPOND]
    assert events_after_offer(S.OPENED, Party.BUYER) == []
    assert events_after_offer(S.RESPONDED, Party.SELLER) == [E.NEGOTIATE]
    assert events_after_offer(S.NEGOTIATING, Party.SELLER) == []
    assert events_after_answer(S.RESPONDED, AnswerKind.ACCEPT) == [E.AGREE]
    assert events_after_answer(S.OPENED, AnswerKind.ACCEPT) == [E.RESPOND, E.AGREE]
    assert events_after_answer(S.RESPONDED, AnswerKind.REJECT) == [E.NEGOTIATE]
    assert events_after_answer(S.NEGOTIATING, AnswerKind.COUNTER) == []
    for state in (S.AGREED, S.ESCALATED, S.CLOSED):
        with pytest.raises(InvalidTransition):
            events_after_offer(state, Party.SELLER)
        with pytest.raises(InvalidTransition):
            events_after_answer(state, AnswerKind.ACCEPT)


def _offer(i: int, amount: str | None, party: Party = Party.SELLER,
           status: OfferStatus = OfferStatus.OPEN) -> Offer:  # fmt: skip
    money = Money(Decimal(amount), "USD") if amount else None
    return Offer(i, 1, T0 + i * DAY, party, "partial_refund", money, "", "command", status)


def test_best_offer() -> None:
    assert best_offer([]) is None
    assert best_offer([_offer(1, "9", Party.BUYER)]) is None
    offers = [_offer(1, "5"), _offer(2, "8"), _offer(3, "6"), _offer(4, "30", Party.BUYER)]
    assert best_offer(offers) == offers[1]  # most generous open seller offer
    rejected = [
        _offer(1, "5", status=OfferStatus.REJECTED),
        _offer(2, "7", status=OfferStatus.REJECTED),
    ]
    assert best_offer(rejected) == rejected[1]  # nothing open: the latest
    accepted = [*offers, _offer(5, "4", status=OfferStatus.ACCEPTED)]
    assert best_offer(accepted) == accepted[-1]  # what the buyer accepted wins


def _deadline(state: DisputeState, now: datetime) -> tuple[str, datetime] | None:
    deadline = next_deadline(Dispute(1, "A1", state, T0), RULES, now)
    return (deadline.label, deadline.at) if deadline else None


def test_next_deadline_and_time_left() -> None:
    assert _deadline(S.OPENED, T0 + DAY) == ("answer", T0 + 5 * DAY)
    assert _deadline(S.OPENED, T0 + 6 * DAY) == ("window closes", T0 + 16 * DAY)
    assert _deadline(S.NEGOTIATING, T0 + DAY) == ("window opens", T0 + 4 * DAY)
    assert _deadline(S.NEGOTIATING, T0 + 5 * DAY) == ("window closes", T0 + 16 * DAY)
    assert _deadline(S.ESCALATED, T0) is None
    assert _deadline(S.AGREED, T0) is None
    assert time_left(T0 + 3 * DAY + timedelta(hours=4, minutes=59), T0) == "3 d 4 h left"
    assert time_left(T0 + timedelta(hours=5), T0) == "5 h left"
    assert time_left(T0 - 2 * DAY, T0) == "passed 2 d 0 h ago"


SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_parse_open_command() -> None:
    cmd = parse_command("8175342209981234 2026-05-01 29.90 price dropped after I paid")
    assert cmd.order_id == "8175342209981234" and cmd.action is None
    now = datetime(2026, 5, 3, tzinfo=UTC)
    request = parse_open(cmd.words, now, SHANGHAI)
    assert request.opened_at == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    assert request.amount == Decimal("29.90")
    assert request.reason == "price dropped after I paid"
    assert parse_open((), now, UTC).opened_at is None
    assert parse_open(("US$8", "late"), now, UTC) == parse_open(("8.00", "late"), now, UTC)
    with pytest.raises(BadCommand, match="future"):
        parse_open(("2026-06-01",), now, UTC)
    with pytest.raises(BadCommand, match="not a date"):
        parse_open(("2026-13-45",), now, UTC)
    with pytest.raises(BadCommand, match="Usage"):
        parse_command("")
    with pytest.raises(BadCommand, match="not an order id"):
        parse_command("<b>x</b>")


def test_parse_dates_and_amounts() -> None:
    assert parse_date("2026-05-01T10:00:00+08:00", UTC) == datetime(2026, 5, 1, 2, tzinfo=UTC)
    assert parse_date("2026-05-01T10:00", SHANGHAI) == datetime(2026, 5, 1, 2, tzinfo=UTC)
    assert parse_date("yesterday", UTC) is None
    assert [
        parse_amount(w) for w in ("8", "8,50", "$8", "US$8.00", "8USD", "€3", "x8", "8.123")
    ] == [
        Decimal(8),
        Decimal("8.50"),
        Decimal(8),
        Decimal("8.00"),
        Decimal(8),
        Decimal(3),
        None,
        None,
    ]


def test_parse_offer_and_answer() -> None:
    cmd = parse_command("A1 offer 8 partial refund")
    assert cmd.action == "offer"
    offer = parse_offer(cmd.words[1:])
    assert (offer.amount, offer.note) == (Decimal(8), "partial refund")
    assert parse_offer(("replacement",)).amount is None
    with pytest.raises(BadCommand):
        parse_offer(())
    answer = parse_answer(("counter", "15", "I", "want", "more"))
    assert (answer.answer, answer.amount, answer.note) == (AnswerKind.COUNTER, Decimal(15),
                                                           "I want more")  # fmt: skip
    with pytest.raises(BadCommand):
        parse_answer(("maybe",))
    assert offer_kind("return for a full refund", Decimal(30)) == "return_refund"
    assert offer_kind("send a replacement", None) == "replacement"
    assert offer_kind("", Decimal(5)) == "partial_refund"
    assert offer_kind("we talk", None) == "other"


def test_button_data_round_trip() -> None:
    for event in allowed_events(S.OPENED) + allowed_events(S.ESCALATED):
        data = step_data(123456789, event)
        assert len(data.encode()) <= 64
        assert decode_press(data) == Press(123456789, event)
    assert decode_press(open_data(42)) == Press(42)
    for junk in (None, "", "dsp:1:open", "dsp:x:agree", "dsp:1:fly", "send:1", "dspo:1:2"):
        assert decode_press(junk) is None
