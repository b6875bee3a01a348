"""Every ranker passes the same conformance checks (`conformance.py`)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from recommender import rankers
from recommender.modes import Mode
from recommender.rankers import RankerSetup
from recommender.ranking import Feedback, Recommender
from recommender.songs import Song
from tests.recommender import conformance
from tests.recommender.conformance import SAD, Factory, synthetic_catalog

SONGS = synthetic_catalog()
# A little shared history, so the trained rankers are not all-zero.
HISTORY = [
    Feedback(f"h{u}", SONGS[(u * 37 + i * 11) % len(SONGS)].track_id, SAD, kind)
    for u in range(8)
    for i, kind in enumerate(("like", "dislike", "played", "skip", "like"))
]


def _factory(name: str) -> Factory:
    def build(songs: Sequence[Song]) -> Recommender:
        return rankers.build(name, songs, RankerSetup(feedback=HISTORY if songs else ()))

    return build


# Every ranker of the registry, built by its own factory.
FACTORIES: dict[str, Factory] = {name: _factory(name) for name in rankers.RANKERS}


@pytest.fixture(scope="module", params=list(FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    return FACTORIES[request.param]


@pytest.fixture(scope="module")
def ranker(factory: Factory) -> Recommender:
    return factory(SONGS)


def test_is_a_recommender(ranker: Recommender) -> None:
    conformance.check_is_a_recommender(ranker)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("size", [1, 10, 25])
def test_playlist_shape(ranker: Recommender, mode: Mode, size: int) -> None:
    conformance.check_playlist_shape(ranker, mode, size)


def test_exclusions(ranker: Recommender) -> None:
    conformance.check_exclusions(ranker)


def test_deterministic(ranker: Recommender) -> None:
    conformance.check_deterministic(ranker)


def test_lift_moves_toward_the_goal(ranker: Recommender) -> None:
    conformance.check_lift_moves_toward_the_goal(ranker)


def test_scores(ranker: Recommender) -> None:
    conformance.check_scores(ranker, SONGS)


def test_tiny_catalogs(factory: Factory) -> None:
    conformance.check_tiny_catalogs(factory, SONGS)


def test_learning(factory: Factory) -> None:
    conformance.check_learning(factory(SONGS))


def test_strategy_is_the_registrys(ranker: Recommender) -> None:
    assert rankers.name_of_strategy(ranker.strategy) in rankers.RANKERS
    assert rankers.REGISTRY[rankers.name_of_strategy(ranker.strategy) or ""].strategy == (
        ranker.strategy
    )


def test_unknown_ranker_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown ranker 'nope'; choose from widedeep"):
        rankers.build("nope", SONGS)
