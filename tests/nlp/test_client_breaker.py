"""The client's circuit breaker: a worker that hangs costs one message its timeouts, not every
message; after the cool-down one call probes it, and an answer closes the breaker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import pytest
from starlette.applications import Starlette

from nlp.client import (
    CircuitBreaker,
    FallbackMoodEstimator,
    FallbackVoiceAnalyzer,
    RemoteMoodEstimator,
    RemoteVoiceAnalyzer,
)
from nlp.lexicon import LexiconEstimator
from nlp.mood import Mood
from nlp.worker import va_routes
from tests.nlp.worker_server import HungServer, hung_worker, serving

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hung() -> Iterator[HungServer]:
    with hung_worker() as server:
        yield server


def test_a_hung_worker_is_skipped_for_the_cool_down_then_probed(
    hung: HungServer, lexicon: LexiconEstimator, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    remote = RemoteMoodEstimator(hung.url, timeout=0.3, retries=2, backoff=0.01)
    fallback = FallbackMoodEstimator(remote, lambda: lexicon, CircuitBreaker(30.0, clock))
    with caplog.at_level(logging.WARNING, logger="nlp.client"):
        assert fallback.estimate("I feel wonderful") == lexicon.estimate("I feel wonderful")
        hung.wait_for_connections(3)  # the first message waited out three timeouts

        clock.now += 29.0
        assert fallback.estimate("I feel awful") == lexicon.estimate("I feel awful")
        assert len(hung.accepted) == 3  # the second went straight to the local model
        assert fallback.version == lexicon.version

        clock.now += 1.0  # the cool-down is over: one message probes the worker, still hung
        fallback.estimate("calm and quiet")
        hung.wait_for_connections(6)
        fallback.estimate("calm again")
        assert len(hung.accepted) == 6
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1

    async def analyse(texts: list[str], _language: str | None) -> list[Mood]:
        return await asyncio.to_thread(lexicon.estimate_many, texts)

    with serving(Starlette(routes=va_routes(analyse, lambda: "worker-lexicon"))) as url:
        remote.url = url  # the worker is back (here at another address)
        clock.now += 30.0
        with caplog.at_level(logging.WARNING, logger="nlp.client"):
            assert fallback.estimate("so happy").valence == lexicon.estimate("so happy").valence
        assert fallback.version == "worker-lexicon"
        assert any("is back" in r.getMessage() for r in caplog.records)
        assert not fallback.breaker.open
        fallback.estimate("still happy")  # closed: the worker answers without a cool-down
        assert fallback.version == "worker-lexicon"


class LocalVoice:
    def __init__(self, reading: VoiceReading) -> None:
        self.reading = reading
        self.calls = 0

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading:
        self.calls += 1
        return self.reading


def test_a_hung_voice_worker_is_skipped_for_the_cool_down(hung: HungServer) -> None:
    reading = cast("VoiceReading", object())  # what the in-process analyser answers
    clock = FakeClock()
    local = LocalVoice(reading)
    voice = FallbackVoiceAnalyzer(
        RemoteVoiceAnalyzer(hung.url, timeout=0.3), lambda: local, CircuitBreaker(30.0, clock)
    )
    assert voice.analyse(b"OggS...") == reading
    hung.wait_for_connections(1)
    assert voice.analyse(b"OggS...") == reading
    assert len(hung.accepted) == 1 and local.calls == 2
    clock.now += 30.0
    voice.analyse(b"OggS...")
    hung.wait_for_connections(2)
