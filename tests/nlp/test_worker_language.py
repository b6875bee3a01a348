"""The worker carries languages: a request's hint reaches the router, each mood names the language
it was read as and the model that read it, and the bot's client (and its local fallback) pass them
on."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from nlp.client import FallbackMoodEstimator, RemoteMoodEstimator
from nlp.multilingual import MultilingualMoodModel
from nlp.router import LanguageRouter
from nlp.worker import create_app
from tests.nlp.worker_server import free_port, serving

SPANISH = "Mi perro murió ayer y estoy destrozado."
ENGLISH = "I am so happy today, everything is wonderful!"


@pytest.fixture(scope="module")
def worker_url(router: LanguageRouter) -> Iterator[str]:
    with serving(create_app(router)) as url:
        yield url


def test_each_mood_names_its_language_and_model(
    worker_url: str, router: LanguageRouter, multilingual_model: MultilingualMoodModel
) -> None:
    body = httpx.post(f"{worker_url}/v1/va", json={"texts": [SPANISH, ENGLISH, "bien"]}).json()
    moods = body["moods"]
    assert [m["language"] for m in moods] == ["es", "en", "en"]
    assert moods[0]["model_version"] == multilingual_model.version
    assert moods[1]["model_version"] == router.english.version
    assert body["model_version"] == router.version


def test_the_hint_travels(worker_url: str, multilingual_model: MultilingualMoodModel) -> None:
    hinted = httpx.post(f"{worker_url}/v1/va", json={"texts": ["bien"], "language": "es"}).json()
    assert hinted["moods"][0]["language"] == "es"
    assert hinted["moods"][0]["model_version"] == multilingual_model.version
    refused = httpx.post(f"{worker_url}/v1/va", json={"texts": ["bien"], "language": 7})
    assert refused.status_code == 400


def test_the_client_passes_the_hint_and_reads_the_language(
    worker_url: str, router: LanguageRouter
) -> None:
    remote = RemoteMoodEstimator(worker_url)
    mood = remote.estimate_in("bien", "es")
    assert mood.language == "es"
    local = router.estimate_in("bien", "es")
    assert mood.valence == pytest.approx(local.valence, abs=1e-5)
    assert mood.model_version == local.model_version
    assert [m.language for m in remote.estimate_many([SPANISH, ENGLISH])] == ["es", "en"]
    remote.close()


def test_the_local_fallback_reads_in_the_hinted_language(router: LanguageRouter) -> None:
    remote = RemoteMoodEstimator(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=0)
    fallback = FallbackMoodEstimator(remote, lambda: router)
    assert fallback.estimate_in("bien", "es").language == "es"
    assert fallback.estimate_in("bien", None).language == "en"
    assert fallback.estimate(SPANISH).language == "es"
