"""The behavioural checks every ranker passes (nearest, Wide & Deep, popularity, matrix
factorisation, ...: every ranker of the registry `recommender.rankers`), over a small seeded
synthetic catalog so the suite runs in seconds. A ranker joins by its registry line.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from nlp import Mood
from recommender.modes import Mode
from recommender.ranking import (
    Feedback,
    LearningRecommender,
    RecommendationRequest,
    Recommender,
    TasteProfile,
)
from recommender.songs import EXPLICIT, Song

Factory = Callable[[Sequence[Song]], Recommender]
GENRES = ("pop", "rock", "acoustic", "edm", "jazz", "rap")
SAD = Mood(-0.5, -0.4)


def synthetic_catalog(count: int = 1500, artists: int = 150, seed: int = 5) -> list[Song]:
    """Songs spread over VA space; loud songs are energetic and not acoustic, like real ones."""
    rng = random.Random(seed)
    songs = []
    for i in range(count):
        valence, arousal = rng.uniform(-1, 1), rng.uniform(-1, 1)
        energy = (arousal + 1) / 2
        features = {
            "energy": energy,
            "acousticness": min(1.0, max(0.0, 1 - energy + rng.gauss(0, 0.1))),
            "loudness": -30 + 28 * energy + rng.gauss(0, 1),
            "danceability": rng.random(),
            EXPLICIT: float(rng.random() < 0.1),
        }
        genre = "acoustic" if features["acousticness"] > 0.7 else rng.choice(GENRES)
        songs.append(
            Song(f"t{i:05d}", f"Song {i}", f"Artist {i % artists}", valence, arousal, (genre,),
                 features=features)
        )  # fmt: skip
    return songs


def ids(ranked: Sequence[object]) -> list[str]:
    return [r.song.track_id for r in ranked]  # type: ignore[attr-defined]


def check_is_a_recommender(ranker: Recommender) -> None:
    assert isinstance(ranker, Recommender)
    assert ranker.strategy and ranker.version


def check_playlist_shape(ranker: Recommender, mode: Mode, size: int) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, mode, size=size, user_key="u1"))
    assert len(ranked) == size
    artists = [r.song.artist for r in ranked]
    assert len(set(artists)) == len(artists)
    assert all(r.reason for r in ranked)
    assert all(math.isfinite(r.score) for r in ranked)


def check_exclusions(ranker: Recommender) -> None:
    first = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, user_key="u1"))
    taste = TasteProfile(
        disliked_tracks=frozenset({first[0].song.track_id}),
        recent_tracks=frozenset({first[1].song.track_id}),
        artist_affinity={first[2].song.artist: -3.0},
    )
    again = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, taste, user_key="u1"))
    assert len(again) == 10
    assert {first[0].song.track_id, first[1].song.track_id}.isdisjoint(ids(again))
    assert first[2].song.artist not in {r.song.artist for r in again}
    clean = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, exclude_explicit=True))
    assert not any(r.song.explicit for r in clean)


def check_deterministic(ranker: Recommender) -> None:
    request = RecommendationRequest(Mood(0.2, 0.5), Mode.CALM, size=12, user_key="u2")
    assert ranker.recommend(request) == ranker.recommend(request)


def check_lift_moves_toward_the_goal(ranker: Recommender) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, Mode.LIFT, size=10))
    goal = ranked[-1].target
    first, last = ranked[0].song, ranked[-1].song
    assert _distance(first, SAD) < _distance(first, goal)
    assert _distance(last, goal) < _distance(last, SAD)


def check_scores(ranker: Recommender, songs: Sequence[Song]) -> None:
    request = RecommendationRequest(SAD, Mode.MATCH, user_key="u1")
    scores = ranker.score(request, [songs[0].track_id, "no-such-song", songs[1].track_id])
    assert len(scores) == 3 and scores[1] == float("-inf")
    assert math.isfinite(scores[0]) and math.isfinite(scores[2])


def check_tiny_catalogs(factory: Factory, songs: Sequence[Song]) -> None:
    request = RecommendationRequest(SAD, Mode.LIFT, size=10)
    assert factory([]).recommend(request) == []
    three = factory(list(songs[:3]))
    assert len(three.recommend(request)) == 3
    assert three.recommend(RecommendationRequest(SAD, Mode.LIFT, size=0)) == []


def check_learning(ranker: Recommender) -> None:
    """A ranker that learns online accepts every reaction kind and unknown songs quietly."""
    if not isinstance(ranker, LearningRecommender):
        return
    first = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, user_key="learner"))
    for kind in ("like", "dislike", "skip", "played", "checkin-improved", "nonsense"):
        ranker.observe(Feedback("learner", first[0].song.track_id, SAD, kind))
    ranker.observe(Feedback("learner", "no-such-song", SAD, "like"))
    after = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, user_key="learner"))
    assert len(after) == 10


def _distance(song: Song, mood: Mood) -> float:
    return math.hypot(song.valence - mood.valence, song.arousal - mood.arousal)
