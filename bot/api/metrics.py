"""``GET /metrics``: Parley's state in the Prometheus text format (prometheus-client).

Live counters (updates handled, handling latency) are observed as they happen; everything
else is read when scraped — the relay's and the limiter's counters from memory, queue depths
and counts from the database — so a scrape always shows the rows' truth.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.domain.ports import GaugeSnapshot
from bot.services.health import Health
from bot.services.outbox import OutboxRelay
from bot.services.ratelimit import RateLimitedNotifier

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Sources:
    """Where scrape-time figures come from."""

    relay: OutboxRelay
    notifier: RateLimitedNotifier
    health: Health
    snapshot: Callable[[], Awaitable[GaugeSnapshot]]


class Metrics:
    """One registry per process (no global default registry: tests build several apps)."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter(
            "parley_updates_handled", "Telegram updates handled, by result",
            ["result"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "parley_update_handling_seconds", "Time to handle one update (sending excluded)",
            buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._live = _Live(sources)
        self.registry.register(self._live)

    def handled(self, seconds: float, ok: bool) -> None:
        """Observe one handled update (the inbox calls this)."""
        self.updates.labels("ok" if ok else "failed").inc()
        self.latency.observe(seconds)

    async def render(self) -> bytes:
        """The exposition text, after reading the database counts."""
        self._live.snapshot = await self.sources.snapshot()
        return generate_latest(self.registry)


class _Live(Collector):
    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.snapshot: GaugeSnapshot | None = None

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        stats = self.sources.relay.stats
        sends = CounterMetricFamily(
            "parley_sends", "Outbox deliveries by result", labels=["result"]
        )
        for result, value in (("sent", stats.sent), ("probably_sent", stats.probably_sent),
                              ("failed", stats.failed), ("retried", stats.retried)):  # fmt: skip
            sends.add_metric([result], value)
        yield sends
        yield CounterMetricFamily(
            "parley_rate_limited", "HTTP 429 answers from the Bot API",
            value=self.sources.notifier.rate_limited,
        )  # fmt: skip
        health = self.sources.health
        up = GaugeMetricFamily("parley_dependency_up", "1 when reachable", labels=["dependency"])
        up.add_metric(["bot_api"], 0 if health.api.down else 1)
        up.add_metric(["database"], 0 if health.database.down else 1)
        yield up
        yield GaugeMetricFamily("parley_outbox_chats_sending", "Chats being delivered to now",
                                value=self.sources.relay.busy_chats)  # fmt: skip
        yield GaugeMetricFamily("parley_rate_limiter_waiting", "Sends waiting for their slot",
                                value=self.sources.notifier.limiter.waiting)  # fmt: skip
        snap = self.snapshot
        if snap is None:
            return
        depth = GaugeMetricFamily("parley_outbox_depth", "Pending outbox rows", labels=["kind"])
        age = GaugeMetricFamily(
            "parley_outbox_oldest_seconds", "Age of the oldest pending outbox row", labels=["kind"]
        )
        for kind in sorted(snap.outbox_depth):
            depth.add_metric([kind], snap.outbox_depth[kind])
            age.add_metric([kind], snap.outbox_age.get(kind, 0.0))
        yield depth
        yield age
        followups = GaugeMetricFamily("parley_followups", "Follow-up rows by status",
                                      labels=["status"])  # fmt: skip
        for status, count in sorted(snap.followups.items()):
            followups.add_metric([status], count)
        yield followups
        yield GaugeMetricFamily("parley_open_disputes", "Disputes not finished",
                                value=snap.open_disputes)  # fmt: skip
        intents = CounterMetricFamily("parley_buyer_messages", "Buyer messages by intent",
                                      labels=["intent"])  # fmt: skip
        for intent, count in sorted(snap.intents.items()):
            intents.add_metric([intent], count)
        yield intents
        inbox = GaugeMetricFamily("parley_inbox_updates", "Stored updates by status",
                                  labels=["status"])  # fmt: skip
        for status, count in sorted(snap.inbox.items()):
            inbox.add_metric([status], count)
        yield inbox
