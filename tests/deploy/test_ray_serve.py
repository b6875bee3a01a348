"""The Ray Serve application (deploy/ray_serve_app.py) on CPU: the same numbers as the in-process
model, dynamic batching across concurrent callers, and over HTTP the same API as `moodwave worker`,
so the bot's `RemoteMoodEstimator` works against it unchanged."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest

from nlp.batching import BatchingEngine
from nlp.client import RemoteMoodEstimator
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TextMoodModel
from tests.deploy.cluster import ROOT, free_port

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")
if str(ROOT) not in sys.path:  # deploy/ is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))
import deploy.ray_serve_app  # noqa: E402

pytestmark = pytest.mark.slow
TEXTS = ["I feel so happy today", "tired and a bit sad", "qwzx", "anxious about tomorrow 😟"]


@pytest.fixture(scope="module")
def reference() -> Iterator[ModelMoodEstimator]:
    model = TextMoodModel.load(None, None, "cpu")
    estimator = ModelMoodEstimator(model, BatchingEngine(model))
    yield estimator
    estimator.engine.close()


@pytest.fixture
def ray_app() -> ModuleType:
    """The module afresh: a `@serve.batch` method keeps its queue (and its event loop's futures)
    once used, and Ray pickles the deployment class by value."""
    return importlib.reload(deploy.ray_serve_app)


def _same(got: list[Any], want: list[Any], tolerance: float) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.valence == pytest.approx(w.valence, abs=tolerance)
        assert g.arousal == pytest.approx(w.arousal, abs=tolerance)
        assert (g.confidence, g.truncated, g.model_version) == (
            w.confidence,
            w.truncated,
            w.model_version,
        )


def test_local_testing_mode_batches_concurrent_callers(
    ray_app: ModuleType, reference: ModelMoodEstimator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ray 2.60's local testing mode sets no replica context, which `@serve.batch` reads for a
    # warning about max_ongoing_requests; give it the deployment's own setting.
    config = SimpleNamespace(
        max_ongoing_requests=ray_app.MoodWorker._deployment_config.max_ongoing_requests
    )
    monkeypatch.setattr(
        serve, "get_replica_context", lambda: SimpleNamespace(_deployment_config=config)
    )
    app = ray_app.build({"device": "cpu", "gpus_per_replica": 0})
    handle = serve.run(app, _local_testing_mode=True)

    async def calls() -> tuple[list[Any], list[list[Any]], dict[str, Any]]:
        together = await handle.analyse.remote(TEXTS)
        singles = await asyncio.gather(*(handle.analyse.remote([t]) for t in TEXTS * 8))
        return together, singles, await handle.stats.remote()

    together, singles, stats = asyncio.run(calls())
    want = reference.estimate_many(TEXTS)
    _same(together, want, reference.model.batch_tolerance)
    _same([m for (m,) in singles], want * 8, reference.model.batch_tolerance)
    analysed = 1 + len(TEXTS) * 9  # the warm-up, the four together, then 32 callers with one each
    assert stats["texts"] == analysed
    assert stats["batches"] < analysed - 24  # the 32 concurrent callers shared forward passes
    assert stats["device"] == "cpu"


def test_other_languages_are_read_by_the_multilingual_model(
    ray_app: ModuleType, reference: ModelMoodEstimator, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SimpleNamespace(
        max_ongoing_requests=ray_app.MoodWorker._deployment_config.max_ongoing_requests
    )
    monkeypatch.setattr(
        serve, "get_replica_context", lambda: SimpleNamespace(_deployment_config=config)
    )
    app = ray_app.build({"device": "cpu", "gpus_per_replica": 0, "multilingual": "on"})
    handle = serve.run(app, _local_testing_mode=True)
    texts = [
        "I feel so happy today",
        "Hoy me siento muy triste y cansado, nada me sale bien",
        "Ich bin heute so glücklich und voller Freude",
        "tired and a bit sad",
    ]

    async def calls() -> tuple[list[Any], list[Any]]:
        detected = await handle.analyse.remote(texts)
        hinted = await handle.analyse.remote(["me siento triste"], "es")
        return detected, hinted

    detected, hinted = asyncio.run(calls())
    assert [m.language for m in detected] == ["en", "es", "de", "en"]
    english = reference.estimate_many([texts[0], texts[3]])
    _same([detected[0], detected[3]], english, reference.model.batch_tolerance)  # as before
    assert detected[1].model_version == detected[2].model_version != reference.version
    assert detected[1].valence < 0 < detected[2].valence
    assert hinted[0].language == "es" and hinted[0].valence < 0


def test_over_http_the_bots_client_works_unchanged(
    ray_app: ModuleType, reference: ModelMoodEstimator
) -> None:
    port = free_port()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},  # Ray's workers import deploy/
    )
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        token = "ray-serve-test-token-0123456789"
        serve.run(
            ray_app.build(
                {
                    "device": "cpu",
                    "gpus_per_replica": 0,
                    "max_replicas": 1,
                    "token": token,
                    "multilingual": "off",  # the English model's version alone at /healthz
                }
            )
        )
        url = f"http://127.0.0.1:{port}"
        stranger = httpx.post(f"{url}/v1/va", json={"texts": ["hello"]}, timeout=10)
        assert stranger.status_code == 401  # a caller without the worker's token
        client = RemoteMoodEstimator(url, timeout=30, token=token)
        _same(
            client.estimate_many(TEXTS),
            reference.estimate_many(TEXTS),
            reference.model.batch_tolerance,
        )
        assert client.healthy()
        health = httpx.get(f"{url}/healthz", timeout=10).json()
        assert health == {"status": "ok", "model_version": reference.version}
        auth = {"Authorization": f"Bearer {token}"}
        bad = httpx.post(f"{url}/v1/va", json={"texts": "not a list"}, headers=auth, timeout=10)
        assert bad.status_code == 400
        too_many = httpx.post(f"{url}/v1/va", json={"texts": ["a"] * 257}, headers=auth, timeout=10)
        assert too_many.status_code == 413
        client.close()
    finally:
        serve.shutdown()
        ray.shutdown()
