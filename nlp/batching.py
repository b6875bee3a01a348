"""The batching engine of the inference worker: callers queue texts, one thread runs them through the
model in batches.

A batch runs when it holds `max_batch` texts or when the oldest queued text has waited `max_wait`
seconds (`busy_wait` while texts keep coming), whichever comes first: one caller alone pays at most a
few milliseconds, while 64 callers at once share one forward pass. Every caller gets back exactly
its own answers (a future per request).
The engine records queue depth, batch sizes and latencies for the worker's /metrics.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

log = logging.getLogger(__name__)


class VAPredictor(Protocol):
    """A model that maps texts to (valence, arousal) rows in [-1, 1]."""

    @property
    def version(self) -> str: ...

    def predict(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


@dataclass
class _Request:
    texts: list[str]
    future: Future[npt.NDArray[np.float32]]
    queued_at: float = field(default_factory=time.perf_counter)


class EngineMetrics:
    """Prometheus metrics of one engine, in its own registry (tests run several engines)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_depth = Gauge(
            "moodwave_va_queue_depth", "Texts waiting for a batch", registry=self.registry
        )
        self.batch_size = Histogram(
            "moodwave_va_batch_size",
            "Texts per model batch",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=self.registry,
        )
        self.latency = Histogram(
            "moodwave_va_request_seconds",
            "Time from queueing a request to its answer",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.texts = Counter("moodwave_va_texts", "Texts analysed", registry=self.registry)
        self.failures = Counter(
            "moodwave_va_batch_failures", "Batches the model failed on", registry=self.registry
        )


def batch_wait(gap: float, max_wait: float, busy_wait: float) -> float:
    """How long a batch's first text waits for others, `gap` seconds after the previous batch's
    last text arrived: `busy_wait` while texts come closer together than twice that (others are
    likely within it), else `max_wait`, so a text that comes alone is not held up."""
    return busy_wait if gap < 2 * busy_wait else max_wait


class BatchingEngine:
    def __init__(
        self,
        model: VAPredictor,
        max_batch: int = 64,
        max_wait: float = 0.004,
        busy_wait: float | None = None,
    ) -> None:
        """`busy_wait`: the longer wait for company while texts keep coming (`batch_wait`). One
        forward pass reads all the weights whatever the batch, so on a CPU four texts together
        cost little more than one (measured in docs/benchmarks.md); the bot under load trades
        a few milliseconds of latency for that. None: always `max_wait`."""
        self.model = model
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.busy_wait = max_wait if busy_wait is None else max(busy_wait, max_wait)
        self._last_arrival = -float("inf")
        self.metrics = EngineMetrics()
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="va-batching", daemon=True)
        self._thread.start()

    @property
    def version(self) -> str:
        return self.model.version

    def submit(self, texts: Sequence[str]) -> Future[npt.NDArray[np.float32]]:
        """Queue texts; the future resolves to one (valence, arousal) row per text, in order."""
        future: Future[npt.NDArray[np.float32]] = Future()
        if not texts:
            future.set_result(np.zeros((0, 2), dtype=np.float32))
            return future
        with self._lock:
            self._pending += len(texts)
            self.metrics.queue_depth.set(self._pending)
        self._queue.put(_Request(list(texts), future))
        return future

    def predict(
        self, texts: Sequence[str], timeout: float | None = 30.0
    ) -> npt.NDArray[np.float32]:
        return self.submit(texts).result(timeout=timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first.texts)
            wait = batch_wait(first.queued_at - self._last_arrival, self.max_wait, self.busy_wait)
            deadline = first.queued_at + wait
            while size < self.max_batch:
                remaining = deadline - time.perf_counter()
                try:
                    more = (
                        self._queue.get(timeout=max(remaining, 0.0))
                        if remaining > 0
                        else (self._queue.get_nowait())
                    )
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
                size += len(more.texts)
            self._last_arrival = batch[-1].queued_at
            self._run_batch(batch, size)

    def _run_batch(self, batch: list[_Request], size: int) -> None:
        texts = [text for request in batch for text in request.texts]
        with self._lock:
            self._pending -= size
            self.metrics.queue_depth.set(self._pending)
        self.metrics.batch_size.observe(size)
        try:
            rows = self.model.predict(texts)
        except Exception as exc:  # one bad batch fails its callers, never the engine
            log.exception("model failed on a batch of %d texts", size)
            self.metrics.failures.inc()
            for request in batch:
                request.future.set_exception(exc)
            return
        done = time.perf_counter()
        start = 0
        for request in batch:
            end = start + len(request.texts)
            request.future.set_result(rows[start:end])
            self.metrics.latency.observe(done - request.queued_at)
            start = end
        self.metrics.texts.inc(size)
