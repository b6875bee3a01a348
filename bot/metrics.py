"""The served bot's Prometheus metrics, in two parts that never share a name:

- `ServingMetrics`, in the process that talks to the platforms (`bot.serve`): updates handled,
  replies, errors and the core's answer time, per platform, measured around the core
  (`MeteredCore`), so they mean the same whether the core runs in this process or its own;
- the core's, in the process where the core runs (`core_exposition`): check-ins claimed and sent
  (`bot.checkins`), Spotify requests by outcome, 429s included (`recommender.spotify.client`), both
  on prometheus_client's default registry with the process's own figures, and the in-process mood
  model's batch sizes and queue (`nlp.batching`; with `MOODWAVE_WORKER_URL` they are on the worker's
  /metrics instead).

`GET /metrics` serves both, one after the other (`bot.web`).
"""

from __future__ import annotations

import time
from typing import Protocol

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from bot.adapters.base import CoreHost
from bot.core.events import Incoming, Outgoing, Send
from nlp import MoodEstimator
from nlp.batching import BatchingEngine

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ServingMetrics:
    """The served side's metrics, in their own registry (tests run several bots in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "moodwave_updates",
            "Updates the core answered",
            ["platform"],
            registry=self.registry,
        )
        self.replies = Counter(
            "moodwave_replies", "Replies the core gave", ["platform"], registry=self.registry
        )
        self.errors = Counter(
            "moodwave_update_errors",
            "Updates the core failed on (the person got an apology)",
            ["platform"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "moodwave_update_seconds",
            "Time from handing an update to the core to its replies",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def expect(self, platform: str) -> None:
        """Show the platform's series from the start, at zero (a missing series is not a zero to
        an alert rule)."""
        for metric in (self.updates, self.replies, self.errors, self.latency):
            metric.labels(platform)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class ObservableCore(CoreHost, Protocol):
    """A core host that can report its metrics and whether it can answer now."""

    def metrics(self) -> bytes: ...

    def alive(self) -> bool: ...


class MeteredCore:
    """A core host that counts what passes through it; everything else is the wrapped core's."""

    def __init__(self, core: ObservableCore, metrics: ServingMetrics) -> None:
        self.core = core
        self.serving = metrics

    def handle(self, event: Incoming) -> list[Outgoing]:
        started = time.perf_counter()
        try:
            outs = self.core.handle(event)
        except Exception:
            self.serving.errors.labels(event.platform).inc()
            raise
        finally:
            self.serving.latency.labels(event.platform).observe(time.perf_counter() - started)
        self.serving.updates.labels(event.platform).inc()
        self.serving.replies.labels(event.platform).inc(len(outs))
        return outs

    def start_jobs(self, platform: str, send: Send) -> None:
        self.core.start_jobs(platform, send)

    def close(self) -> None:
        self.core.close()

    def metrics(self) -> bytes:
        return self.serving.exposition() + self.core.metrics()

    def alive(self) -> bool:
        return self.core.alive()


def core_exposition(estimator: MoodEstimator | None = None) -> bytes:
    """The metrics of the process the core runs in: the default registry (check-ins, Spotify, the
    process itself) and the mood model's batching engine when it runs here."""
    text = generate_latest(REGISTRY)
    engine = getattr(estimator, "engine", None)
    if isinstance(engine, BatchingEngine):
        text += generate_latest(engine.metrics.registry)
    return text
