"""The inference worker over HTTP against the same model in process: same numbers, clear errors,
metrics; its token and body caps; and the client's retries and fallback when the worker is gone."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from nlp.batching import BatchingEngine
from nlp.client import (
    FallbackMoodEstimator,
    FallbackVoiceAnalyzer,
    RemoteMoodEstimator,
    RemoteVoiceAnalyzer,
    WorkerUnavailable,
)
from nlp.confidence import text_confidence
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TextMoodModel
from nlp.voice.rejected import RejectReason, VoiceRejected
from nlp.worker import MAX_TEXTS, MAX_VA_BYTES, MAX_VOICE_BYTES, create_app
from tests.nlp.worker_server import free_port, serving

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading

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


TOKEN = "worker-test-token-0123456789"


class RecordingVoice:
    """A voice analysis that rejects every note, recording the sizes that reached it."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.languages: list[str | None] = []

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading:
        self.sizes.append(len(audio))
        self.languages.append(language)
        raise VoiceRejected(RejectReason.SILENT, "I could not hear anything in that note.")


@pytest.fixture(scope="module")
def voice() -> RecordingVoice:
    return RecordingVoice()


@pytest.fixture(scope="module")
def guarded_url(estimator: ModelMoodEstimator, voice: RecordingVoice) -> Iterator[str]:
    with serving(create_app(estimator, voice, token=TOKEN)) as url:
        yield url


def test_a_worker_with_a_token_refuses_callers_without_it(guarded_url: str) -> None:
    with httpx.Client(base_url=guarded_url) as http:
        assert http.get("/healthz").status_code == 200  # load balancers' checks need no token
        for method, path in (("POST", "/v1/va"), ("POST", "/v1/voice"), ("GET", "/metrics")):
            assert http.request(method, path).status_code == 401
            wrong = {"Authorization": "Bearer not-the-token"}
            assert http.request(method, path, headers=wrong).status_code == 401
        right = {"Authorization": f"Bearer {TOKEN}"}
        assert http.get("/metrics", headers=right).status_code == 200
        answer = http.post("/v1/va", json={"texts": ["so happy"]}, headers=right)
        assert answer.status_code == 200
    assert RemoteMoodEstimator(guarded_url, token=TOKEN).estimate("so happy").valence > 0
    with pytest.raises(WorkerUnavailable, match="401"):
        RemoteMoodEstimator(guarded_url).estimate("so happy")


def test_the_bots_clients_send_the_token(guarded_url: str, tmp_path: Path) -> None:
    from bot.app import build_estimator, build_voice
    from bot.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        home=tmp_path,
        worker_url=guarded_url,
        worker_token=TOKEN,  # type: ignore[arg-type]
    )
    estimator = build_estimator(settings)
    assert isinstance(estimator, FallbackMoodEstimator)
    assert estimator.estimate("so happy").valence > 0
    assert not estimator.breaker.open  # the worker answered: nothing fell back
    voice = build_voice(settings, estimator)
    assert isinstance(voice, FallbackVoiceAnalyzer)
    with pytest.raises(VoiceRejected):  # the worker's own answer, so it was let in
        voice.primary.analyse(b"OggS note")


def chunks(size: int, chunk: int = 1_000_000) -> Iterator[bytes]:
    """A body of `size` bytes with no Content-Length: httpx sends it chunked."""
    while size > 0:
        yield b" " * min(chunk, size)
        size -= chunk


def test_bodies_past_the_cap_are_refused_however_they_are_framed(
    guarded_url: str, voice: RecordingVoice
) -> None:
    right = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=guarded_url, headers=right, timeout=60) as http:
        chunked_va = http.post(
            "/v1/va", content=chunks(MAX_VA_BYTES + 1), headers={"content-type": "application/json"}
        )
        assert chunked_va.status_code == 413
        sized_va = http.post("/v1/va", content=b" " * (MAX_VA_BYTES + 1))
        assert sized_va.status_code == 413
        before = len(voice.sizes)
        chunked_note = http.post(
            "/v1/voice", content=chunks(MAX_VOICE_BYTES + 1), headers={"content-type": "audio/ogg"}
        )
        assert chunked_note.status_code == 413
        form = http.post(
            "/v1/voice",
            files={"note": ("note.ogg", io.BytesIO(b" " * (MAX_VOICE_BYTES + 1)), "audio/ogg")},
        )
        assert form.status_code == 413
        assert len(voice.sizes) == before  # nothing past the cap reached the analysis
        small = http.post("/v1/voice", content=chunks(1000), headers={"content-type": "audio/ogg"})
        assert small.status_code == 422 and small.json()["reason"] == "silent"
        assert voice.sizes[-1] == 1000


def test_the_persons_language_reaches_the_voice_analysis(
    guarded_url: str, voice: RecordingVoice
) -> None:
    remote = RemoteVoiceAnalyzer(guarded_url, token=TOKEN)
    try:
        for language in ("pt", None):
            with pytest.raises(VoiceRejected):
                remote.analyse(b"OggS" * 100, "audio/ogg", language)
    finally:
        remote.close()
    assert voice.languages[-2:] == ["pt", None]
