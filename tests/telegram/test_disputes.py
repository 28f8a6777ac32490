"""The dispute clock and the metrics through the real Dispatcher, with a simulated clock."""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.content.loader import Content
from bot.domain.disputes import DAY, DisputeState, open_data
from bot.domain.models import Option, Sender
from bot.domain.money import Money
from bot.scheduling.jobs import check_adverse_rate, run_dispute_reminders
from bot.services import dispute_texts
from bot.services.presenter import Presenter
from bot.services.stats import StatsService
from tests.conftest import BUYER, ORDER_ID, SELLER, SELLER_2, START, STRANGER, World

pytestmark = pytest.mark.engines  # also on PostgreSQL (tests/conftest.py)

HEADS = {
    "answer_deadline": "Answer the dispute on order",
    "window_opens": "Negotiation window open",
    "closing": "Negotiation window closes soon",
    "last_day": "Last day to agree",
    "escalation": "Escalated to the platform",
    "return": "Return shipping time is over",
}


def kind_of(text: str) -> str | None:
    for kind, head in HEADS.items():
        if head in text:
            return kind
    return None


class Timeline:
    """Walks the clock hour by hour, running the reminder job like the scheduler would."""

    def __init__(self, world: World, chat: int = SELLER) -> None:
        self.world = world
        self.chat = chat
        self.seen = len(world.fake.inbox(chat))
        self.fired: list[tuple[int, str, str]] = []  # (day since START, kind, text)

    async def tick(self) -> None:
        await run_dispute_reminders(self.world.app.disputes, self.world.app.relay)
        texts = self.world.fake.texts(self.chat)
        for text in texts[self.seen :]:
            kind = kind_of(text)
            if kind:
                day = (self.world.clock.now() - START) // DAY
                self.fired.append((day, kind, text))
        self.seen = len(texts)

    async def until_day(self, day: int) -> None:
        while self.world.clock.now() < START + day * DAY:
            self.world.clock.advance(hours=1)
            await self.tick()

    def days(self) -> list[tuple[int, str]]:
        return [(day, kind) for day, kind, _ in self.fired]


async def _rows(world: World, order_id: str = ORDER_ID) -> dict[str, str]:
    async with world.app.db.transaction() as uow:
        dispute = await uow.disputes.latest_for(order_id)
        assert dispute is not None
        return {r.edge: r.status for r in await uow.disputes.reminders(dispute.id)}


async def _dispute(world: World, order_id: str = ORDER_ID) -> Any:
    async with world.app.db.transaction() as uow:
        return await uow.disputes.latest_for(order_id)


async def test_reminders_fire_on_their_days_once_each_across_a_restart(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 29.90 shoes never fit"))
    card = world.last(SELLER)
    assert "Dispute" in card and ORDER_ID in card and "opened" in card
    assert "Claim: US$29.90 — shoes never fit" in card
    assert world.fake.buttons(SELLER) == ["Answered", "Buyer withdrew", "Escalated",
                                          "Lapsed (no answer)"]  # fmt: skip
    walk = Timeline(world)
    await walk.until_day(10)
    await world.restart()  # deploy / crash in the middle of the window
    await walk.until_day(18)
    assert walk.days() == [
        (4, "answer_deadline"),
        (4, "window_opens"),
        (12, "closing"),
        (14, "closing"),
        (15, "last_day"),
        (16, "escalation"),
    ]
    texts = {kind: text for _, kind, text in walk.fired}
    assert "1 d 0 h left" in texts["answer_deadline"]
    assert "platform executes the buyer's request (claim US$29.90)" in texts["answer_deadline"]
    assert "Best offer so far: no offer recorded yet" in texts["last_day"]
    assert f"parley dispute export {ORDER_ID} --format html" in texts["escalation"]
    assert set((await _rows(world)).values()) == {"sent"}
    dispute = await _dispute(world)
    assert dispute.state is DisputeState.ESCALATED
    assert dispute.escalated_at == START + 16 * DAY
    # The card in the seller chat was updated: the platform's ruling is all that is left.
    assert world.fake.buttons(SELLER, _card_index(world)) == ["Ruled for buyer",
                                                              "Ruled for seller"]  # fmt: skip
    # Nothing more ever fires.
    before = len(walk.fired)
    await walk.until_day(40)
    assert len(walk.fired) == before


def _card_index(world: World) -> int:
    """Index of the latest dispute card in the seller chat."""
    cards = [i for i, m in enumerate(world.fake.inbox(SELLER)) if "Timeline" in m.get("text", "")]
    return cards[-1]


async def test_offers_answers_and_agreement_skip_what_is_no_longer_needed(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    walk = Timeline(world)
    await walk.until_day(2)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} offer 8 partial refund"))
    assert "responded" in world.last(SELLER)
    assert "Best offer so far: partial refund US$8.00" in world.last(SELLER)
    await walk.until_day(5)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer counter 20 want more"))
    assert "negotiating" in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} offer 12 partial refund"))
    await walk.until_day(13)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer accept ok then"))
    card = world.last(SELLER)
    assert "agreed" in card and "partial refund US$12.00" in card
    assert world.fake.buttons(SELLER) == ["Executed"]
    await walk.until_day(20)
    assert walk.days() == [(4, "window_opens"), (12, "closing")]  # answered early; agreed
    closing = walk.fired[-1][2]
    assert "Best offer so far: partial refund US$12.00" in closing
    assert await _rows(world) == {
        "answer_deadline": "skipped", "window_opens": "sent", "window_closes_in_3d": "sent",
        "window_closes_in_1d": "skipped", "last_day": "skipped", "escalation": "skipped",
    }  # fmt: skip
    await world.act(world.fake.taps(SELLER, "Executed"))
    assert world.fake.toasts(SELLER)[-1].endswith("executed")
    await world.act(world.fake.taps(SELLER, "Closed"))
    dispute = await _dispute(world)
    assert dispute.state is DisputeState.CLOSED and dispute.finished_at is not None
    async with world.app.db.transaction() as uow:
        events = await uow.disputes.events(dispute.id)
        offers = await uow.disputes.offers(dispute.id)
        answers = await uow.disputes.answers(dispute.id)
    assert [e.event.value for e in events] == ["open", "respond", "negotiate", "agree",
                                              "execute", "close"]  # fmt: skip
    assert all(e.cause for e in events)
    assert [(o.party.value, str(o.amount), o.status.value) for o in offers] == [
        ("seller", "US$8.00", "rejected"), ("buyer", "US$20.00", "open"),
        ("seller", "US$12.00", "accepted"),
    ]  # fmt: skip
    assert [a.answer.value for a in answers] == ["counter", "accept"]


async def test_agreed_return_gets_its_shipping_reminder(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} offer 29.90 return for refund"))
    await world.act(world.fake.taps(SELLER, "Agreed"))
    walk = Timeline(world)
    await walk.until_day(11)
    assert walk.days() == [(10, "return")]


async def test_a_crash_while_reminding_neither_skips_nor_repeats(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Crash(BaseException):
        """The process dies (not an error Parley would catch)."""

    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    original = dispute_texts.reminder
    calls = Counter[str]()

    def dies_on_the_second(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash
        return original(*args, **kwargs)

    monkeypatch.setattr(dispute_texts, "reminder", dies_on_the_second)
    world.clock.advance(days=4)
    with pytest.raises(Crash):
        await run_dispute_reminders(world.app.disputes, world.app.relay)
    assert await _rows(world) == {
        "answer_deadline": "sent", "window_opens": "pending", "window_closes_in_3d": "pending",
        "window_closes_in_1d": "pending", "last_day": "pending", "escalation": "pending",
    }  # fmt: skip
    monkeypatch.setattr(dispute_texts, "reminder", original)
    await world.restart()
    await world.app.relay.flush()  # what the first run had committed goes out now
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    kinds = Counter(kind_of(t) for t in world.fake.texts(SELLER))
    assert kinds["answer_deadline"] == 1 and kinds["window_opens"] == 1


async def test_late_recorded_dispute_skips_past_reminders_but_still_escalates(
    world: World,
) -> None:
    await world.linked_buyer()
    world.clock.advance(days=20)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 2026-05-01"))
    rows = await _rows(world)
    assert rows["escalation"] == "pending"
    assert {rows[e] for e in rows if e != "escalation"} == {"skipped"}
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    assert "Escalated to the platform" in world.last(SELLER)
    assert (await _dispute(world)).state is DisputeState.ESCALATED


async def test_disputes_lists_open_ones_nearest_deadline_first(world: World) -> None:
    await world.linked_buyer()
    second = "8175342209985555"
    await world.act(world.fake.says(SELLER, f"/dispute {second} 2026-04-25"))  # 6 days ago
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 5 late"))
    await world.act(world.fake.says(SELLER, "/disputes"))
    listing = world.last(SELLER)
    assert "Open disputes (2)" in listing
    lines = [line for line in listing.splitlines() if re.match(r"\d\. ", line)]
    assert lines[0].startswith(f"1. {ORDER_ID} · opened · day 0 · answer")
    assert "5 d 0 h left" in lines[0]
    assert lines[1].startswith(f"2. {second} · opened · day 6 · window closes")
    assert "9 d 14 h left" in lines[1]  # opened 2026-04-25 00:00, now 05-01 09:30
    world.clock.advance(days=30)
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    await world.act(world.fake.says(SELLER, "/disputes"))
    assert "no deadline of yours" in world.last(SELLER)  # both escalated: the platform rules


async def test_dispute_command_problems_are_answered_and_change_nothing(world: World) -> None:
    await world.linked_buyer()
    for args, answer in [
        ("", "Usage"),
        ("999999999", "is not imported"),
        (f"{ORDER_ID} 2027-01-01", "in the future"),
        (f"{ORDER_ID} offer 8", "has no open dispute"),
    ]:
        await world.act(world.fake.says(SELLER, f"/dispute {args}".strip()))
        assert answer in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} buyer accept"))
    assert "no open offer to accept" in world.last(SELLER)
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID} 9.99 again"))
    assert "already has an open dispute" in world.last(SELLER)
    async with world.app.db.transaction() as uow:
        assert len(await uow.disputes.active()) == 1


async def test_stale_button_and_foreign_chat_are_refused(world2: World) -> None:
    world = world2
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    card = copy.deepcopy(world.fake.inbox(SELLER_2)[-1])  # as it was before the press
    assert "Dispute" in card["text"]  # every seller chat got the card
    await world.act(world.fake.taps(SELLER, "Answered"))
    assert world.fake.buttons(SELLER_2)[:1] == ["Negotiating"]  # updated there too
    # The old "Answered" button pressed again from the second chat: refused with a reason.
    answered = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                    for b in row if b["text"] == "Answered")  # fmt: skip
    await world.act(world.fake.presses(SELLER_2, card, answered))
    assert "cannot respond" in world.fake.toasts(SELLER_2)[-1]
    # A buyer forging the press gets nothing.
    forged = dict(card, chat={"id": STRANGER, "type": "private"})
    await world.act(world.fake.presses(STRANGER, forged, answered))
    assert world.fake.toasts(STRANGER) == ["Only the seller can use this button."]
    await world.act(world.fake.says(BUYER, "/disputes"))
    assert "Open disputes" not in world.last(BUYER)


async def test_order_event_opens_once(world: World) -> None:
    await world.import_data()
    service = world.app.disputes
    first = await service.open_from_order_event(
        ORDER_ID, "refund_requested", START - 2 * DAY, {"amount": "29.90", "reason": "late"}
    )
    again = await service.open_from_order_event(ORDER_ID, "dispute_opened", START)
    assert first.id == again.id and first.opened_at == START - 2 * DAY
    assert first.amount == Money(Decimal("29.90"), "USD") and first.source.startswith("event")
    with pytest.raises(ValueError):
        await service.open_from_order_event(ORDER_ID, "shipped", START)


async def test_buyer_dispute_followup_confirmed_by_the_seller(world: World) -> None:
    await world.linked_buyer()
    world.clock.advance(hours=2)
    said_at = world.clock.now()
    await world.act(world.fake.says(BUYER, "I opened a dispute on AliExpress"))
    world.clock.advance(hours=5)
    async with world.app.db.transaction() as uow:
        conversation = await uow.conversations.open_for(BUYER, ORDER_ID)
    assert conversation is not None
    card = world.fake.inbox(SELLER)[-1]
    await world.act(world.fake.presses(SELLER, card, open_data(conversation.id)))
    assert world.fake.toasts(SELLER)[-1] == f"Dispute recorded for order {ORDER_ID}"
    dispute = await _dispute(world)
    assert dispute.opened_at == said_at and dispute.source == "buyer"
    assert dispute.conversation_id == conversation.id
    await world.act(world.fake.presses(SELLER, card, open_data(conversation.id)))
    assert "already has an open dispute" in world.fake.toasts(SELLER)[-1]


async def test_playbook_options_become_offers_and_the_choice_agrees(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    service, now = world.app.disputes, world.clock.now()
    refund = Option("partial_refund", Money(Decimal("8.97"), "USD"))
    async with world.app.db.transaction() as uow:
        await service.note_options_offered(uow, ORDER_ID, [refund, Option("reship")], now)
    assert (await _dispute(world)).state is DisputeState.RESPONDED
    async with world.app.db.transaction() as uow:
        await service.note_option_chosen(uow, ORDER_ID, refund, now)
    dispute = await _dispute(world)
    assert dispute.state is DisputeState.AGREED
    async with world.app.db.transaction() as uow:
        offers = await uow.disputes.offers(dispute.id)
    assert [(o.kind, o.status.value, o.source) for o in offers] == [
        ("partial_refund", "accepted", "playbook"), ("reship", "open", "playbook")]  # fmt: skip
    async with world.app.db.transaction() as uow:  # no dispute: nothing happens
        await service.note_options_offered(uow, "8175342209985555", [refund], now)


async def test_seller_only_service_calls(world: World) -> None:
    from bot.domain.errors import NotAllowed

    with pytest.raises(NotAllowed):
        await world.app.disputes.command(Sender(BUYER), f"{ORDER_ID}")
    with pytest.raises(NotAllowed):
        await world.app.stats.send(Sender(BUYER))


STATS_ORDERS = (
    "order_id,unit_price,currency,paid_at,status,shipped_at\n"
    + "".join(
        f"9000{i:02d},10.00,USD,2026-04-{i + 1:02d},shipped,2026-04-{i + 2:02d}\n"
        for i in range(1, 11)
    )
    + f"{ORDER_ID},29.90,USD,2026-03-09,refunded,2026-03-10\n"
)


async def test_stats_numbers_and_chart_through_the_dispatcher(world: World) -> None:
    (world.folder / "orders.csv").write_text(STATS_ORDERS)
    await world.app.imports.orders(world.folder / "orders.csv")
    await world.app.disputes.open("900001", opened_at=START - 5 * DAY, source="cli")
    await world.app.disputes.open("900002", opened_at=START - 20 * DAY, source="cli")
    await world.act(world.fake.says(SELLER, "/start"))
    before = len(world.fake.inbox(SELLER))
    await world.act(world.fake.says(SELLER, "/stats"))
    text, photo = world.fake.inbox(SELLER)[before:]
    table = world.fake.texts(SELLER)[before]
    # 10 orders shipped 2026-04-03..12 (within 30 days of 2026-05-01); two disputed;
    # the refunded order shipped in March counts only in the 60- and 90-day windows.
    assert re.search(r"Orders shipped\s+10\s+11\s+11", table)
    assert re.search(r"Adverse rate \(est\.\)\*\s+20\.0 %\s+27\.3 %\s+27\.3 %", table)
    assert re.search(r"Dispute rate\s+20\.0 %\s+18\.2 %\s+18\.2 %", table)
    assert re.search(r"Disputes opened\s+2\s+2\s+2", table)
    assert "Estimate from Parley's own data" in table
    assert "<pre>" in text["text"]
    assert "photo" in photo and "Trend over 90 days" in photo["caption"]
    png = world.fake.photos[photo["message_id"]]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert any(method == "sendPhoto" for method, _ in world.fake.calls)


async def test_threshold_warning_is_sent_once_per_crossing(world: World) -> None:
    (world.folder / "orders.csv").write_text(STATS_ORDERS)
    await world.app.imports.orders(world.folder / "orders.csv")
    await world.act(world.fake.says(SELLER, "/start"))
    config = replace(world.app.stats.config, min_orders=5)
    stats = StatsService(world.app.db, world.clock, config, world.app.stats.presenter)
    assert await stats.check_threshold() is None  # 0 % — below; remembered silently
    for order_id in ("900001", "900002", "900003"):
        await world.app.disputes.open(order_id, source="cli")
    await check_adverse_rate(stats, world.app.relay)
    warning = world.last(SELLER)
    assert "Adverse-experience order rate estimate: 30.0 %" in warning
    assert "3 of 10 shipped orders" in warning
    assert await stats.check_threshold() is None  # still above: not told again
    world.clock.advance(days=40)  # every shipment leaves the 30-day window
    assert await stats.check_threshold() == "down"


async def test_schedule_has_the_dispute_jobs(world: World) -> None:
    from bot.scheduling.jobs import ADVERSE_RATE_JOB_ID, DISPUTE_JOB_ID, build_scheduler

    scheduler = build_scheduler(world.app.relay, disputes=world.app.disputes,
                                stats=world.app.stats, disputes_every_seconds=60)  # fmt: skip
    assert scheduler.get_job(DISPUTE_JOB_ID).args == (world.app.disputes, world.app.relay)
    assert scheduler.get_job(ADVERSE_RATE_JOB_ID) is not None
    assert timedelta(seconds=60) == scheduler.get_job(DISPUTE_JOB_ID).trigger.interval


async def test_reminders_missed_while_down_go_out_late_once_each(world: World) -> None:
    await world.linked_buyer()
    await world.act(world.fake.says(SELLER, f"/dispute {ORDER_ID}"))
    await world.app.close()  # Parley is down from day 0 …
    world.clock.advance(days=13)  # … to day 13
    await world.start()
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    await run_dispute_reminders(world.app.disputes, world.app.relay)
    fired = [t for t in world.fake.texts(SELLER) if kind_of(t)]
    assert [kind_of(t) for t in fired] == ["answer_deadline", "window_opens", "closing"]
    assert all("sent late because Parley was not running" in t for t in fired)
    assert "due 2026-05-05 09:30" in fired[0]


def test_listing_stays_under_telegram_limit(content: Content) -> None:
    from bot.domain.disputes import Dispute, DisputeRules

    views = [dispute_texts.DisputeView(Dispute(i, f"ORDER{i:012d}", DisputeState.OPENED, START),
                                       None) for i in range(200)]  # fmt: skip
    english = Presenter(content.renderer, "en")
    text = dispute_texts.listing(views, DisputeRules(), UTC, START, presenter=english)
    assert len(text) < 4096 and "more (parley dispute list)" in text
    full = dispute_texts.listing(views, DisputeRules(), UTC, START, limit=None, presenter=english)
    assert full.count("<code>ORDER0") == 200


async def test_order_event_inside_the_intake_transaction(world: World) -> None:
    await world.import_data()
    service, now = world.app.disputes, world.clock.now()
    async with world.app.db.transaction() as uow:
        order = await uow.orders.get(ORDER_ID)
        assert order is not None
        assert await service.note_order_event(uow, order, "shipped", now, None, now) is None
        opened = await service.note_order_event(
            uow, order, "dispute_opened", now - DAY, {"reason": "not as described"}, now
        )
        again = await service.note_order_event(uow, order, "refund_requested", now, None, now)
    assert opened is not None and again is None
    assert (opened.opened_at, opened.reason) == (now - DAY, "not as described")
    await world.app.relay.flush()
    assert "Dispute" in world.last(SELLER) and "not as described" in world.last(SELLER)
