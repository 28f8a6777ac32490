"""The order-event API, /healthz and the webhook over real HTTP (aiohttp test server).

Bad input — unknown order, bad timestamp, wrong token, oversized body, broken JSON — gets the
right 4xx naming the field, and changes nothing in the database.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer

from bot.api.server import MAX_BODY, HttpApi, Webhook
from bot.content.loader import Content
from tests.conftest import ORDER_ID, SELLER, World

TOKEN = "api-token-0123456789abcdef"
SECRET = "webhook-secret-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ORDER = {"order_id": "A-100", "buyer_name": "Zoé", "unit_price": "12.50", "currency": "EUR",
         "paid_at": "2026-05-01T08:00:00Z", "status": "paid", "buyer_country": "FR",
         "buyer_language": "fr"}  # fmt: skip


class Api:
    """An HTTP client against the app's API, with a way to look at the whole database."""

    def __init__(self, world: World, client: TestClient[Any, Any], woken: list[int]) -> None:
        self.world = world
        self.client = client
        self.woken = woken

    async def state(self) -> list[Any]:
        rows: list[Any] = []
        async with self.world.app.db.transaction() as uow:
            for table in ("orders", "order_events", "followups", "inbox"):
                result = await uow.conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))
                rows.append([tuple(r) for r in result.all()])
        return rows


@pytest.fixture
async def api(tmp_path: Path, content: Content) -> AsyncIterator[Api]:
    world = World(tmp_path, content, (SELLER,))
    await world.start()
    await world.import_data()
    woken: list[int] = []
    hook = Webhook("/tg/hook", SECRET, world.app.inbox, lambda: woken.append(1))
    server = TestServer(HttpApi(world.app.followups, TOKEN, hook).app())
    client = TestClient(server)
    await client.start_server()
    yield Api(world, client, woken)
    await client.close()
    await world.app.close()


async def test_upsert_orders_then_events_are_idempotent_by_id(api: Api) -> None:
    response = await api.client.post("/api/orders", json={"orders": [ORDER]}, headers=AUTH)
    assert response.status == 200, await response.text()
    assert (await response.json())["upserted"] == 1
    event = {"id": "wh-1", "type": "shipped", "at": "2026-05-02T09:00:00+02:00",
             "data": {"carrier": "Colissimo", "tracking_number": "8R123"}}  # fmt: skip
    first = await api.client.post("/api/orders/A-100/events", json=event, headers=AUTH)
    assert first.status == 201
    body = await first.json()
    assert body["duplicate"] is False and body["order"]["status"] == "shipped"
    assert body["order"]["tracking_number"] == "8R123"
    rules = {f["rule"]: f["status"] for f in body["followups"]}
    assert rules["shipped"] == "pending" and rules["thank_you"] == "skipped"
    before = await api.state()
    again = await api.client.post("/api/orders/A-100/events", json=event, headers=AUTH)
    assert again.status == 200 and (await again.json())["duplicate"] is True
    assert await api.state() == before
    got = await api.client.get("/api/orders/A-100", headers=AUTH)
    snapshot = await got.json()
    ids = [e["id"] for e in snapshot["events"]]
    assert ids == ["api:A-100:paid:2026-05-01T08:00:00+00:00", "wh-1"]
    assert snapshot["buyer_linked"] is False


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "field"),
    [
        (
            "post",
            f"/api/orders/{ORDER_ID}/events",
            {"type": "paid", "at": "2026-05-01"},
            {"Authorization": "Bearer wrong-token-000000000"},
            401,
            None,
        ),
        (
            "post",
            f"/api/orders/{ORDER_ID}/events",
            {"type": "paid", "at": "2026-05-01"},
            {},
            401,
            None,
        ),
        ("post", "/api/orders", ORDER, {"Authorization": TOKEN}, 401, None),
        (
            "post",
            "/api/orders/NO-SUCH-ORDER/events",
            {"type": "paid", "at": "2026-05-01"},
            AUTH,
            404,
            None,
        ),
        (
            "post",
            f"/api/orders/{ORDER_ID}/events",
            {"type": "paid", "at": "yesterday"},
            AUTH,
            422,
            "at",
        ),
        (
            "post",
            f"/api/orders/{ORDER_ID}/events",
            {"type": "shipped", "at": "2026-05-01", "data": {"promised_delivery_by": "31/05/2026"}},
            AUTH,
            422,
            "data.promised_delivery_by",
        ),
        (
            "post",
            f"/api/orders/{ORDER_ID}/events",
            {"type": "lost", "at": "2026-05-01"},
            AUTH,
            422,
            "type",
        ),
        (
            "post",
            "/api/orders",
            {"orders": [ORDER, {**ORDER, "order_id": "A-101", "paid_at": "2026-02-30"}]},
            AUTH,
            422,
            "orders[1].paid_at",
        ),
        (
            "post",
            "/api/orders",
            [{**ORDER, "unit_price": "free"}],
            AUTH,
            422,
            "orders[0].unit_price",
        ),
        ("get", "/api/orders/NO-SUCH-ORDER", None, AUTH, 404, None),
        ("get", f"/api/orders/{ORDER_ID}", None, {}, 401, None),
    ],
)
async def test_bad_requests_get_the_right_4xx_and_change_nothing(
    api: Api,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    before = await api.state()
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    response = await getattr(api.client, method)(path, **kwargs)
    assert response.status == status, await response.text()
    answer = await response.json()
    assert answer["error"]
    assert answer.get("field") == field
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert await api.state() == before


async def test_oversized_broken_and_non_json_bodies_are_refused(api: Api) -> None:
    before = await api.state()
    huge = json.dumps({"orders": [ORDER] * 5000})
    assert len(huge) > MAX_BODY
    for data, content_type, status in (
        (huge, "application/json", 413),
        ('{"type": "paid", "at": ', "application/json", 400),
        ("type=paid", "application/x-www-form-urlencoded", 415),
    ):
        headers = {**AUTH, "Content-Type": content_type}
        response = await api.client.post(
            f"/api/orders/{ORDER_ID}/events", data=data, headers=headers
        )
        assert response.status == status, await response.text()
    assert await api.state() == before


async def test_healthz_needs_no_token(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_webhook_checks_the_secret_and_feeds_the_inbox(api: Api) -> None:
    update = {"update_id": 777, "message": {"message_id": 1, "date": 0, "text": "hi",
                                            "chat": {"id": 5, "type": "private"}}}  # fmt: skip
    before = await api.state()
    wrong = await api.client.post("/tg/hook", json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})  # fmt: skip
    assert wrong.status == 401 and await api.state() == before and api.woken == []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    bad = await api.client.post("/tg/hook", json={"message": {}}, headers=headers)
    assert bad.status == 422 and (await bad.json())["field"] == "update_id"
    ok = await api.client.post("/tg/hook", json=update, headers=headers)
    assert ok.status == 200 and api.woken == [1]
    async with api.world.app.db.transaction() as uow:
        pending = await uow.inbox.pending()
    assert [json.loads(payload)["update_id"] for _, payload in pending] == [777]


async def test_a_dispute_event_opens_the_dispute_clock(api: Api) -> None:
    await api.client.post("/api/orders", json={"orders": [ORDER]}, headers=AUTH)
    event = {"id": "ev-dispute-1", "type": "dispute_opened", "at": "2026-04-30T08:00:00Z",
             "data": {"reason": "item not received"}}  # fmt: skip
    response = await api.client.post("/api/orders/A-100/events", json=event, headers=AUTH)
    assert response.status == 201
    again = await api.client.post("/api/orders/A-100/events", json=event, headers=AUTH)
    assert again.status == 200  # the same event again: recorded once
    async with api.world.app.db.transaction() as uow:
        dispute = await uow.disputes.active_for("A-100")
    assert dispute is not None and dispute.opened_at.isoformat().startswith("2026-04-30T08:00")


EVENTS = f"/api/orders/{ORDER_ID}/events"


GARBAGE_FIELDS: list[tuple[str, Any, str]] = [
    (EVENTS, {"type": "paid", "at": "0001-01-01T00:00:00+08:00"}, "at"),
    (EVENTS, {"type": "paid", "at": "9999-12-31"}, "at"),
    (EVENTS, {"type": "shipped", "at": "2026-05-01",
              "data": {"promised_delivery_by": "9999-12-31"}}, "data.promised_delivery_by"),
    (EVENTS, {"type": "closed", "at": "2026-05-01"}, "data.status"),
    (EVENTS, {"id": "ev\u202e", "type": "paid", "at": "2026-05-01"}, "id"),
    (EVENTS, {"type": "shipped", "at": "2026-04-01T00:00:00Z"}, "at"),
    (EVENTS, {"type": "refund_requested", "at": "2026-05-01",
              "data": {"amount": "8.125"}}, "data.amount"),
    ("/api/orders/..%2F..%2Fetc/events", {"type": "paid", "at": "2026-05-01"}, "order_id"),
    ("/api/orders", {**ORDER, "paid_at": "0001-01-01T00:00:00+08:00"}, "paid_at"),
    ("/api/orders", {**ORDER, "paid_at": "9999-12-31"}, "paid_at"),
    ("/api/orders", {**ORDER, "promised_delivery_by": "9999-12-31"}, "promised_delivery_by"),
    ("/api/orders", {**ORDER, "quantity": 2**63}, "quantity"),
    ("/api/orders", {**ORDER, "unit_price": 1e308}, "unit_price"),
    ("/api/orders", {**ORDER, "unit_price": 99999999999999999999}, "unit_price"),
    ("/api/orders", {**ORDER, "unit_price": "29.90USD"}, "unit_price"),
    ("/api/orders", {**ORDER, "unit_price": "29.999"}, "unit_price"),
    ("/api/orders", {**ORDER, "order_id": "A\u0000"}, "order_id"),
    ("/api/orders", {**ORDER, "order_id": "../A-100"}, "order_id"),
    ("/api/orders", {**ORDER, "buyer_name": "x" * 100_000}, "buyer_name"),
    ("/api/orders", {"orders": [{**ORDER, "status": "shipped",
                                 "shipped_at": "2026-04-30"}]}, "orders[0].shipped_at"),
]  # fmt: skip


async def test_garbage_fields_are_422_naming_the_field(api: Api) -> None:
    before = await api.state()
    for path, body, field in GARBAGE_FIELDS:
        response = await api.client.post(path, json=body, headers=AUTH)
        assert response.status == 422, (body, await response.text())
        assert (await response.json())["field"] == field, body
    assert await api.state() == before


DEEP = b"[" * 100_000 + b"]" * 100_000


BAD_BODIES = [
    ('{"type": "paid", "at": "2026-05-01"}'.encode("utf-16"), "application/json", 415),
    ('{"type": "paid", "at": "2026-05-01"}'.encode("utf-16-le"), "application/json", 415),
    (b'{"type": "paid", "at": "2026-05-01\xff"}', "application/json", 415),
    (b'{"type": "paid", "at": "2026-05-01"}', "application/json; charset=utf-16", 415),
    (DEEP, "application/json", 400),
    (b'{"data": ' * 30 + b"1" + b"}" * 30, "application/json", 400),
    (b'{"type": "paid", "at": "\\ud800"}', "application/json", 400),
    (b'{"type": "paid", "at": NaN}', "application/json", 400),
]


async def test_bodies_that_are_not_utf8_or_too_deep_are_refused(api: Api) -> None:
    before = await api.state()
    for (data, content_type, status), path in itertools.product(
        BAD_BODIES, (EVENTS, "/api/orders")
    ):
        headers = {**AUTH, "Content-Type": content_type}
        response = await api.client.post(path, data=data, headers=headers)
        assert response.status == status, (data[:60], await response.text())
        assert response.content_type == "application/json"
        assert (await response.json())["field"] == "body"
    assert await api.state() == before


async def test_the_webhook_refuses_utf16_and_deep_bodies(api: Api) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    before = await api.state()
    for data, status in ((json.dumps({"update_id": 1}).encode("utf-16"), 415), (DEEP, 400)):
        response = await api.client.post("/tg/hook", data=data, headers=headers)
        assert response.status == status, await response.text()
        assert (await response.json())["field"] == "body"
    assert await api.state() == before and api.woken == []
    bom = b"\xef\xbb\xbf" + json.dumps({"update_id": 9}).encode()
    response = await api.client.post("/tg/hook", data=bom, headers=headers)
    assert response.status == 200  # a UTF-8 byte-order mark is still UTF-8


async def test_a_reused_event_id_with_other_content_is_409_showing_both(api: Api) -> None:
    await api.client.post("/api/orders", json=ORDER, headers=AUTH)
    event = {"id": "wh-9", "type": "shipped", "at": "2026-05-02T09:00:00Z",
             "data": {"tracking_number": "8R1"}}  # fmt: skip
    first = await api.client.post("/api/orders/A-100/events", json=event, headers=AUTH)
    assert first.status == 201
    before = await api.state()
    same_instant = {**event, "at": "2026-05-02T11:00:00+02:00"}
    again = await api.client.post("/api/orders/A-100/events", json=same_instant, headers=AUTH)
    assert again.status == 200 and (await again.json())["duplicate"] is True
    changed = {**event, "data": {"tracking_number": "8R2"}}
    conflict = await api.client.post("/api/orders/A-100/events", json=changed, headers=AUTH)
    assert conflict.status == 409
    answer = await conflict.json()
    assert answer["field"] == "id" and "wh-9" in answer["error"]
    assert answer["stored"]["data"] == {"tracking_number": "8R1"}
    assert answer["new"]["data"] == {"tracking_number": "8R2"}
    assert await api.state() == before


async def test_unexpected_errors_are_a_json_500_without_traceback(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.world.app.followups, "add_event", broken)
    event = {"type": "paid", "at": "2026-05-01"}
    response = await api.client.post(EVENTS, json=event, headers={**AUTH, "Accept": "text/html"})
    assert response.status == 500
    assert response.content_type == "application/json"
    assert await response.json() == {"error": "internal error"}
    for method, path in (("get", "/no/such/route"), ("put", "/api/orders")):
        answer = await getattr(api.client, method)(path, headers=AUTH)
        assert answer.status in (404, 405) and answer.content_type == "application/json"
