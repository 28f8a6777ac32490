"""The order-event API, /healthz and the webhook over real HTTP (aiohttp test server).

Bad input — unknown order, bad timestamp, wrong token, oversized body, broken JSON — gets the
right 4xx naming the field, and changes nothing in the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
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
            conn = uow.followups.conn
            for table in ("orders", "order_events", "followups", "inbox"):
                cursor = await conn.execute(f"SELECT * FROM {table} ORDER BY 1")
                rows.append([tuple(r) for r in await cursor.fetchall()])
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
        ("post", f"/api/orders/{ORDER_ID}/events", {"type": "paid", "at": "2026-05-01"},
         {"Authorization": "Bearer wrong-token-000000000"}, 401, None),
        ("post", f"/api/orders/{ORDER_ID}/events", {"type": "paid", "at": "2026-05-01"},
         {}, 401, None),
        ("post", "/api/orders", ORDER, {"Authorization": TOKEN}, 401, None),
        ("post", "/api/orders/NO-SUCH-ORDER/events", {"type": "paid", "at": "2026-05-01"},
         AUTH, 404, None),
        ("post", f"/api/orders/{ORDER_ID}/events", {"type": "paid", "at": "yesterday"},
         AUTH, 422, "at"),
        ("post", f"/api/orders/{ORDER_ID}/events", {"type": "shipped", "at": "2026-05-01",
         "data": {"promised_delivery_by": "31/05/2026"}}, AUTH, 422,
         "data.promised_delivery_by"),
        ("post", f"/api/orders/{ORDER_ID}/events", {"type": "lost", "at": "2026-05-01"},
         AUTH, 422, "type"),
        ("post", "/api/orders", {"orders": [ORDER, {**ORDER, "order_id": "A-101",
         "paid_at": "2026-02-30"}]}, AUTH, 422, "orders[1].paid_at"),
        ("post", "/api/orders", [{**ORDER, "unit_price": "free"}], AUTH, 422,
         "orders[0].unit_price"),
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
