"""The batching engine: every caller gets its own answers, in order, under concurrency; batches
really form; a failing batch fails its callers and not the engine."""

from __future__ import annotations

import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import pytest
from prometheus_client import generate_latest

from nlp.batching import BatchingEngine, batch_wait


class RecordingModel:
    """Answers a value derived from each text, and records batch sizes."""

    version = "recording"

    def __init__(self) -> None:
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def predict(self, texts: list[str]) -> npt.NDArray[np.float32]:
        with self.lock:
            self.batches.append(len(texts))
        if any(t == "boom" for t in texts):
            raise RuntimeError("model failure")
        return np.asarray([[_value(t), -_value(t)] for t in texts], dtype=np.float32)


def _value(text: str) -> float:
    return (zlib.crc32(text.encode()) % 2000) / 1000.0 - 1.0


def test_each_of_64_concurrent_callers_gets_its_own_answers() -> None:
    model = RecordingModel()
    engine = BatchingEngine(model, max_batch=64, max_wait=0.02)
    requests = [[f"caller {i} text {j}" for j in range(i % 3 + 1)] for i in range(64)]
    barrier = threading.Barrier(64)

    def call(texts: list[str]) -> npt.NDArray[np.float32]:
        barrier.wait()
        return engine.predict(texts)

    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(call, requests))
    engine.close()
    for texts, rows in zip(requests, answers, strict=True):
        expected = [[_value(t), -_value(t)] for t in texts]
        np.testing.assert_allclose(rows, expected, rtol=1e-6)
    assert sum(model.batches) == sum(len(r) for r in requests)
    assert max(model.batches) > 3  # callers shared batches


def test_a_failing_batch_fails_its_callers_and_the_engine_goes_on() -> None:
    engine = BatchingEngine(RecordingModel(), max_wait=0.0)
    with pytest.raises(RuntimeError, match="model failure"):
        engine.predict(["boom"])
    assert engine.predict(["fine"]).shape == (1, 2)
    metrics = generate_latest(engine.metrics.registry).decode()
    assert "moodwave_va_batch_failures_total 1.0" in metrics
    assert "moodwave_va_batch_size_count 2.0" in metrics
    engine.close()


def test_empty_request_needs_no_batch() -> None:
    model = RecordingModel()
    engine = BatchingEngine(model)
    assert engine.predict([]).shape == (0, 2)
    assert model.batches == []
    engine.close()


def test_the_wait_for_company_grows_only_while_texts_keep_coming() -> None:
    assert batch_wait(gap=0.010, max_wait=0.004, busy_wait=0.025) == 0.025  # under load
    assert batch_wait(gap=0.049, max_wait=0.004, busy_wait=0.025) == 0.025
    assert batch_wait(gap=0.051, max_wait=0.004, busy_wait=0.025) == 0.004  # came alone
    assert batch_wait(gap=float("inf"), max_wait=0.004, busy_wait=0.025) == 0.004  # the first


def test_a_steady_stream_of_single_texts_is_batched_under_load() -> None:
    """One text every 10 ms, as a busy bot sends them: with a busy wait they share passes."""
    model = RecordingModel()
    engine = BatchingEngine(model, max_wait=0.001, busy_wait=0.2)
    futures = []
    for i in range(8):
        futures.append(engine.submit([f"message {i}"]))
        time.sleep(0.01)
    answers = [future.result(timeout=30) for future in futures]
    engine.close()
    assert [round(float(a[0][0]), 5) for a in answers] == [
        round(_value(f"message {i}"), 5) for i in range(8)
    ]
    assert sum(model.batches) == 8
    assert max(model.batches) >= 2  # the texts after the first waited for each other
