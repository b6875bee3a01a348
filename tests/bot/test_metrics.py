"""The served bot's metrics (`bot.metrics`): counted around a real conversation core, and the core
process's part with the in-process mood model's batch sizes. `tests/bot/test_serve.py` reads them
from a running `moodwave run`."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from bot.core.events import ChatKind, ChatRef, Incoming, Outgoing, Send, TextMessage, UserRef
from bot.metrics import MeteredCore, ServingMetrics, core_exposition
from nlp.batching import BatchingEngine
from tests.bot.conftest import Harness


class HarnessCore:
    """The test harness's conversation as a core host; `broken` makes it fail."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.broken = False

    def handle(self, event: Incoming) -> list[Outgoing]:
        if self.broken:
            raise RuntimeError("the core failed")
        return self.harness.conversation.handle(event)

    def start_jobs(self, platform: str, send: Send) -> None: ...

    def close(self) -> None: ...

    def metrics(self) -> bytes:
        return core_exposition()

    def alive(self) -> bool:
        return not self.broken


def sample(text: str, name: str, labels: str = "") -> float:
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name}{labels} missing"
    return float(found.group(1))


def event(text: str, update_id: str) -> Incoming:
    return Incoming(
        "telegram",
        ChatRef("c1", ChatKind.PRIVATE),
        UserRef("u1", "Ann"),
        TextMessage(text),
        update_id,
    )


def test_updates_replies_errors_and_latency_are_counted(harness: Harness) -> None:
    inner = HarnessCore(harness)
    core = MeteredCore(inner, ServingMetrics())
    replies = core.handle(event("I feel drained and sad", "1"))
    replies += core.handle(event("/mode lift", "2"))
    inner.broken = True
    with pytest.raises(RuntimeError):
        core.handle(event("hello?", "3"))

    text = core.metrics().decode()
    telegram = '{platform="telegram"}'
    assert sample(text, "moodwave_updates_total", telegram) == 2
    assert sample(text, "moodwave_replies_total", telegram) == len(replies) >= 2
    assert sample(text, "moodwave_update_errors_total", telegram) == 1
    assert sample(text, "moodwave_update_seconds_count", telegram) == 3
    assert "process_cpu_seconds_total" in text  # the core's process figures follow
    assert not core.alive()


class Zeros:
    version = "zeros-1"

    def predict(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return np.zeros((len(texts), 2), dtype=np.float32)


def test_the_core_reports_the_mood_model_batch_sizes() -> None:
    engine = BatchingEngine(Zeros(), max_batch=8)
    try:
        engine.predict(["a", "b", "c"])
        estimator: Any = type("Estimator", (), {"engine": engine})()
        text = core_exposition(estimator).decode()
    finally:
        engine.close()
    assert sample(text, "moodwave_va_batch_size_count") >= 1
    assert sample(text, "moodwave_va_batch_size_sum") == 3
    assert "moodwave_va_batch_size" not in core_exposition().decode()  # no model here: none
