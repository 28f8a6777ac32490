"""The HTTP server ``parley run`` serves: order API, ``/healthz`` and the Telegram webhook.

Endpoints (JSON in and out; the order API needs ``Authorization: Bearer <PARLEY_API_TOKEN>``):

* ``POST /api/orders`` — upsert one order, a list, or ``{"orders": [...]}`` (CSV rules);
* ``POST /api/orders/{order_id}/events`` — ``{"id"?, "type", "at", "data"?}``; idempotent by
  ``id`` (201 when new, 200 when already recorded);
* ``GET /api/orders/{order_id}`` — the order, its events and follow-ups;
* ``GET /healthz`` — 200 when the database answers and can be written, 503 while it cannot
  (no token; for load balancers); reports the Bot API's state too, and ``sender``: whether
  this worker is the one that sends (always on SQLite; elected on PostgreSQL);
* ``GET /metrics`` — Prometheus text format (bearer ``PARLEY_METRICS_TOKEN``, else the API
  token);
* ``POST <webhook path>`` (``parley run --webhook URL``) — Telegram updates, checked against
  ``X-Telegram-Bot-Api-Secret-Token``, stored in the inbox and answered 200 at once.

Errors are always JSON ``{"error": …}``, with ``field`` when one field is to blame: 400
malformed JSON or nested deeper than 20 (40 for the webhook), 401 missing/wrong token or
secret, 404 unknown order or route, 409 an event id already recorded with other content (the
answer shows ``stored`` and ``new``), 413 body over the limit, 415 not JSON or not UTF-8
(``field`` is ``body``), 422 a field is invalid (limits: :mod:`bot.domain.csvimport`,
:mod:`bot.domain.orderevents`). Anything unexpected is logged and answered 500 ``{"error":
"internal error"}``, never a traceback. Nothing is stored unless the whole request is valid.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.api.metrics import Metrics
from bot.domain import jsonbody
from bot.domain.errors import NotFound, StorageUnavailable
from bot.domain.followups import FollowupRow
from bot.domain.models import Order
from bot.domain.orderevents import (
    EventConflict,
    InvalidInput,
    OrderEvent,
    parse_event,
    parse_orders_json,
)
from bot.services.followups import FollowupPlanner
from bot.services.health import Health
from bot.services.inbox import InboxService

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # bytes; a 1000-order upsert fits, anything larger is refused (413)
WEBHOOK_DEPTH = 40  # Telegram nests replies, entities and keyboards deeper than our API
WEBHOOK_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: where Telegram posts, the secret it sends, and where updates go."""

    path: str
    secret: str
    inbox: InboxService
    wake: Callable[[], None]


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json"
    )


def _error(status: int, message: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return _json(status, body)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def order_json(order: Order) -> dict[str, Any]:
    """An order as the API shows it."""
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "buyer_name": order.buyer_name,
        "item_title": order.item_title,
        "sku": order.sku,
        "quantity": order.quantity,
        "unit_price": str(order.unit_price.amount),
        "currency": order.unit_price.currency,
        "paid_at": _ts(order.paid_at),
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipped_at": _ts(order.shipped_at),
        "promised_delivery_by": _ts(order.promised_delivery_by),
        "delivered_at": _ts(order.delivered_at),
        "buyer_country": order.buyer_country,
        "buyer_language": order.buyer_language,
    }


def event_json(event: OrderEvent) -> dict[str, Any]:
    """An event as the API shows it."""
    return {"id": event.event_id, "type": event.type.value, "at": _ts(event.at),
            "data": dict(event.data), "source": event.source}  # fmt: skip


def followup_json(row: FollowupRow) -> dict[str, Any]:
    """A follow-up row as the API shows it."""
    return {"rule": row.rule, "status": row.status.value, "due_at": _ts(row.due_at),
            "reason": row.reason, "attempts": row.attempts}  # fmt: skip


class HttpApi:
    """Request handlers over the follow-up planner (and the inbox in webhook mode)."""

    def __init__(
        self,
        planner: FollowupPlanner,
        api_token: str | None,
        webhook: Webhook | None = None,
        max_body: int = MAX_BODY,
        metrics: Metrics | None = None,
        metrics_token: str | None = None,
        health: Health | None = None,
    ) -> None:
        self.planner = planner
        self.api_token = api_token
        self.webhook = webhook
        self.max_body = max_body
        self.metrics = metrics
        self.metrics_token = metrics_token or api_token
        self.health = health

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(client_max_size=self.max_body, middlewares=[self._errors])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_post("/api/orders", self._authorized(self.upsert_orders))
        app.router.add_post("/api/orders/{order_id}/events", self._authorized(self.add_event))
        app.router.add_get("/api/orders/{order_id}", self._authorized(self.get_order))
        app.router.add_get("/metrics", self._authorized(self.scrape, metrics=True))
        if self.webhook is not None:
            app.router.add_post(self.webhook.path, self.telegram)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"request body larger than {self.max_body} bytes")
        except web.HTTPException as exc:
            if exc.status >= 400:
                return _error(exc.status, exc.reason)
            raise
        except StorageUnavailable as exc:
            # Telegram (and a well-behaved API client) retries a 503: nothing is lost.
            if self.health is not None:
                await self.health.failed(self.health.database, str(exc.__cause__ or exc))
            else:
                log.warning("%s %s: %s", request.method, request.path, exc)
            response = _error(503, "the database cannot be written right now; retry later")
            response.headers["Retry-After"] = "5"
            return response
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return _error(500, "internal error")

    def _authorized(self, handler: Handler, metrics: bool = False) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            token = self.metrics_token if metrics else self.api_token
            if token is None:
                what = "/metrics is off: set PARLEY_METRICS_TOKEN or PARLEY_API_TOKEN"
                return _error(503, what if metrics else "the order API is off: set "
                              "PARLEY_API_TOKEN")  # fmt: skip
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), token.encode()
            ):
                response = _error(401, "missing or wrong bearer token")
                response.headers["WWW-Authenticate"] = 'Bearer realm="parley"'
                return response
            return await handler(request)

        return guarded

    async def _body(self, request: web.Request) -> Any:
        if request.content_length is not None and request.content_length > self.max_body:
            raise web.HTTPRequestEntityTooLarge(
                max_size=self.max_body, actual_size=request.content_length
            )
        if request.content_type not in ("application/json", "text/json"):
            raise _Refused(415, "Content-Type must be application/json")
        if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
            raise jsonbody.BadBody(415, "body must be UTF-8 (Content-Type names another charset)")
        return jsonbody.load(await request.read())

    async def healthz(self, request: web.Request) -> web.Response:
        """Liveness and database check for load balancers: 200 while the database answers
        and can be written, 503 otherwise; the Bot API's state and whether this worker is
        the sender are reported, not judged."""
        next_due = await self.planner.next_due()
        body: dict[str, Any] = {"status": "ok", "next_followup_due": _ts(next_due)}
        if self.health is not None:
            body["database"] = "down" if self.health.database.down else "ok"
            body["bot_api"] = "down" if self.health.api.down else "ok"
            body["sender"] = self.health.sender
            if self.health.database.down:
                body["status"] = "degraded"
                return _json(503, body)
        return _json(200, body)

    async def scrape(self, request: web.Request) -> web.Response:
        """``GET /metrics`` in the Prometheus text format."""
        if self.metrics is None:
            return _error(404, "metrics are not collected in this process")
        return web.Response(body=await self.metrics.render(),
                            headers={"Content-Type": METRICS_CONTENT_TYPE})  # fmt: skip

    async def upsert_orders(self, request: web.Request) -> web.Response:
        """``POST /api/orders``."""
        try:
            orders = parse_orders_json(await self._body(request))
        except _Refused as exc:
            return _error(exc.status, exc.message)
        except jsonbody.BadBody as exc:
            return _error(exc.status, exc.message, exc.field)
        except InvalidInput as exc:
            return _error(422, exc.message, exc.field)
        count = await self.planner.upsert_orders(orders)
        return _json(200, {"upserted": count, "order_ids": [o.order_id for o in orders]})

    async def add_event(self, request: web.Request) -> web.Response:
        """``POST /api/orders/{order_id}/events``."""
        order_id = request.match_info["order_id"]
        try:
            event = parse_event(order_id, await self._body(request))
            result = await self.planner.add_event(order_id, event)
        except _Refused as exc:
            return _error(exc.status, exc.message)
        except jsonbody.BadBody as exc:
            return _error(exc.status, exc.message, exc.field)
        except InvalidInput as exc:
            return _error(422, exc.message, exc.field)
        except NotFound as exc:
            return _error(404, str(exc))
        except EventConflict as exc:
            conflict = {"error": str(exc), "field": "id", "stored": event_json(exc.stored),
                        "new": event_json(exc.new)}  # fmt: skip
            return _json(409, conflict)
        body = {
            "event": event_json(result.event),
            "duplicate": result.duplicate,
            "order": order_json(result.order),
            "followups": [followup_json(r) for r in result.followups],
        }
        return _json(200 if result.duplicate else 201, body)

    async def get_order(self, request: web.Request) -> web.Response:
        """``GET /api/orders/{order_id}``."""
        try:
            snapshot = await self.planner.snapshot(request.match_info["order_id"])
        except NotFound as exc:
            return _error(404, str(exc))
        return _json(200, {
            "order": order_json(snapshot.order),
            "buyer_linked": snapshot.buyer_chat is not None,
            "events": [event_json(e) for e in snapshot.events],
            "followups": [followup_json(r) for r in snapshot.followups],
        })  # fmt: skip

    async def telegram(self, request: web.Request) -> web.Response:
        """Webhook: store the update in the inbox, answer at once; handling happens after."""
        assert self.webhook is not None
        given = request.headers.get(WEBHOOK_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            log.warning("webhook request with a missing or wrong secret token refused")
            return _error(401, "wrong secret token")
        raw = await request.read()
        try:
            update = jsonbody.load(raw, WEBHOOK_DEPTH)
        except jsonbody.BadBody as exc:
            return _error(exc.status, exc.message, exc.field)
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return _error(422, "an update needs an integer update_id", "update_id")
        await self.webhook.inbox.receive([(update_id, raw.decode("utf-8-sig"))])
        self.webhook.wake()
        return _json(200, {"ok": True})


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class HttpServer:
    """Runs an :class:`HttpApi` on host:port (port 0 picks a free one)."""

    def __init__(self, api: HttpApi) -> None:
        self.api = api
        self._runner: web.AppRunner | None = None
        self.address = ""

    async def start(self, host: str, port: int) -> str:
        """Start listening; returns ``http://host:port``."""
        self._runner = web.AppRunner(self.api.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.address = f"http://{bound[0]}:{bound[1]}"
        return self.address

    async def stop(self) -> None:
        """Stop listening (requests in progress finish)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL (``/`` becomes ``/telegram/webhook``)."""
    path = urlsplit(url).path
    return path if path not in ("", "/") else "/telegram/webhook"


class InboxPump:
    """Webhook mode's worker: handles stored updates whenever the webhook wakes it.

    The webhook handler only stores the update and returns 200; handling (and sending the
    replies) happens here, in order, one update at a time, exactly like long polling does.
    """

    def __init__(
        self, drain: Callable[[], Awaitable[int]], every: float = 5.0, health: Health | None = None
    ) -> None:
        self.drain = drain
        self.every = every
        self.health = health or Health()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New updates are in the inbox."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Drain at start (work left from the last run), then on every wake until ``stop``."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.drain()
            except StorageUnavailable as exc:  # logged once per outage by Health
                await self.health.failed(self.health.database, str(exc.__cause__ or exc))
            except Exception:
                log.exception("handling stored updates failed; retrying")
            else:
                await self.health.ok(self.health.database)
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=self.every,
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            waiter.cancel()
            stopper.cancel()
