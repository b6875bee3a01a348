"""The inference worker over HTTP against the same model in process: same numbers, clear errors,
metrics; and the client's retries and fallback when the worker is gone."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from nlp.batching import BatchingEngine
from nlp.client import FallbackMoodEstimator, RemoteMoodEstimator, WorkerUnavailable
from nlp.confidence import text_confidence
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TextMoodModel
from nlp.worker import MAX_TEXTS, create_app
from tests.nlp.worker_server import free_port, serving

SENTENCES = [
    "I am so happy today, everything is wonderful!",
    "I feel hopeless and alone.",
    "meh",
    "Calm evening by the lake, quiet and peaceful.",
    "THIS IS AMAZING I CAN'T BELIEVE IT",
    "not happy at all",
]


@pytest.fixture(scope="module")
def estimator() -> Iterator[ModelMoodEstimator]:
    model = TextMoodModel.load(device="cpu")
    engine = BatchingEngine(model)
    yield ModelMoodEstimator(model, engine)
    engine.close()


@pytest.fixture(scope="module")
def worker_url(estimator: ModelMoodEstimator) -> Iterator[str]:
    with serving(create_app(estimator)) as url:
        yield url


def test_http_and_in_process_give_the_same_numbers(
    estimator: ModelMoodEstimator, worker_url: str
) -> None:
    local = estimator.estimate_many(SENTENCES)
    remote = RemoteMoodEstimator(worker_url).estimate_many(SENTENCES)
    for a, b in zip(local, remote, strict=True):
        assert a.valence == pytest.approx(b.valence, abs=estimator.model.batch_tolerance)
        assert a.arousal == pytest.approx(b.arousal, abs=estimator.model.batch_tolerance)
        assert (a.confidence, a.model_version, a.truncated) == (
            b.confidence,
            b.model_version,
            b.truncated,
        )


def test_worker_reports_health_metrics_and_refuses_bad_requests(worker_url: str) -> None:
    with httpx.Client(base_url=worker_url) as http:
        health = http.get("/healthz").json()
        assert health["status"] == "ok" and health["model_version"].startswith("minilm")
        assert http.post("/v1/va", content=b"not json").status_code == 400
        assert http.post("/v1/va", json={"texts": "one string"}).status_code == 400
        assert http.post("/v1/va", json={"texts": [1, 2]}).status_code == 400
        too_many = http.post("/v1/va", json={"texts": ["x"] * (MAX_TEXTS + 1)})
        assert too_many.status_code == 413 and "at most" in too_many.json()["error"]
        assert http.post("/v1/va", json={"texts": []}).json()["moods"] == []
        metrics = http.get("/metrics").text
    for name in (
        "moodwave_va_queue_depth",
        "moodwave_va_batch_size_bucket",
        "moodwave_va_request_seconds_bucket",
    ):
        assert name in metrics


def test_long_text_is_flagged_truncated(worker_url: str) -> None:
    (mood,) = RemoteMoodEstimator(worker_url).estimate_many(["I am glad. " * 400])
    assert mood.truncated and mood.valence > 0


def test_gibberish_and_empty_text_have_no_confidence(estimator: ModelMoodEstimator) -> None:
    assert text_confidence("") == 0 and text_confidence("123 !!") == 0
    empty, emoji, word = estimator.estimate_many(["", "😭", "meh"])
    assert not empty.is_readable and emoji.is_readable and word.is_readable


def test_unreachable_worker_raises_after_retries() -> None:
    remote = RemoteMoodEstimator(f"http://127.0.0.1:{free_port()}", timeout=0.5, backoff=0.01)
    with pytest.raises(WorkerUnavailable, match="no answer"):
        remote.estimate("hello")


def test_fallback_answers_locally_and_tells_the_logs_once(
    estimator: ModelMoodEstimator, caplog: pytest.LogCaptureFixture
) -> None:
    remote = RemoteMoodEstimator(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=0)
    fallback = FallbackMoodEstimator(remote, lambda: estimator)
    with caplog.at_level(logging.WARNING, logger="nlp.client"):
        first = fallback.estimate("I feel wonderful")
        fallback.estimate("I feel awful")
    assert first == estimator.estimate("I feel wonderful")
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
