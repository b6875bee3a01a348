"""Every ranker passes the same conformance checks (`conformance.py`)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from recommender.mf import MatrixFactorisationRecommender
from recommender.modes import Mode
from recommender.nearest import NearestMoodRecommender
from recommender.popularity import PopularityRecommender
from recommender.ranking import Feedback
from recommender.songs import Song
from recommender.widedeep import WideDeepRecommender
from tests.recommender import conformance
from tests.recommender.conformance import SAD, Factory, synthetic_catalog

SONGS = synthetic_catalog()
# A little shared history, so the trained rankers are not all-zero.
HISTORY = [
    Feedback(f"h{u}", SONGS[(u * 37 + i * 11) % len(SONGS)].track_id, SAD, kind)
    for u in range(8)
    for i, kind in enumerate(("like", "dislike", "played", "skip", "like"))
]


def _widedeep(songs: Sequence[Song]) -> WideDeepRecommender:
    ranker = WideDeepRecommender(songs)
    if songs:
        ranker.train(HISTORY)
    return ranker


def _popularity(songs: Sequence[Song]) -> PopularityRecommender:
    ranker = PopularityRecommender(songs)
    ranker.fit(HISTORY)
    return ranker


def _mf(songs: Sequence[Song]) -> MatrixFactorisationRecommender:
    ranker = MatrixFactorisationRecommender(songs)
    ranker.fit(HISTORY)
    return ranker


FACTORIES: dict[str, Factory] = {
    "nearest": NearestMoodRecommender,
    "widedeep": _widedeep,
    "popularity": _popularity,
    "mf": _mf,
}


@pytest.fixture(scope="module", params=list(FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    return FACTORIES[request.param]


@pytest.fixture(scope="module")
def ranker(factory: Factory) -> conformance.ScoringRecommender:
    return factory(SONGS)


def test_is_a_recommender(ranker: conformance.ScoringRecommender) -> None:
    conformance.check_is_a_recommender(ranker)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("size", [1, 10, 25])
def test_playlist_shape(ranker: conformance.ScoringRecommender, mode: Mode, size: int) -> None:
    conformance.check_playlist_shape(ranker, mode, size)


def test_exclusions(ranker: conformance.ScoringRecommender) -> None:
    conformance.check_exclusions(ranker)


def test_deterministic(ranker: conformance.ScoringRecommender) -> None:
    conformance.check_deterministic(ranker)


def test_lift_moves_toward_the_goal(ranker: conformance.ScoringRecommender) -> None:
    conformance.check_lift_moves_toward_the_goal(ranker)


def test_scores(ranker: conformance.ScoringRecommender) -> None:
    conformance.check_scores(ranker, SONGS)


def test_tiny_catalogs(factory: Factory) -> None:
    conformance.check_tiny_catalogs(factory, SONGS)


def test_learning(factory: Factory) -> None:
    conformance.check_learning(factory(SONGS))
