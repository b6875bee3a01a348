"""The popularity ranker: near the mood path, the most popular songs. A baseline for the offline
evaluation (it knows nothing personal beyond what the request's taste excludes) and a sanity check
for the conformance suite. Popularity is the catalog's own (`Song.popularity`, e.g. Spotify's 0-100)
where the catalog has it; otherwise it counts likes and plays as they are observed, so it learns.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from recommender.rankers import RankerSetup
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.reranking import FloatArray, IntArray, PlaylistShaper
from recommender.songs import Song

STRATEGY = "popularity"
VERSION = "popularity-v1"
# The most popular song moves up by this much VA distance; a song liked once by a little.
POPULARITY_WEIGHT = 0.2
# Reactions that count as someone liking a song, and how much.
COUNTED = {"like": 1.0, "played": 0.5, "checkin-improved": 0.5}


class PopularityRecommender:
    """A `LearningRecommender` over a fixed catalog; `fit` counts a log of reactions at once."""

    def __init__(self, songs: Sequence[Song]) -> None:
        self._shaper = PlaylistShaper(songs)
        self._songs = self._shaper.songs
        self._counts: defaultdict[str, float] = defaultdict(float)
        self._top = 0.0  # the largest count, kept up to date: read once per candidate
        popularity = np.asarray([s.popularity for s in self._songs], dtype=np.float64)
        top = float(popularity.max()) if len(popularity) else 0.0
        # The catalog's own popularity in [0, 1], or None: count reactions instead.
        self._prior = POPULARITY_WEIGHT * popularity / top if top > 0 else None

    @property
    def strategy(self) -> str:
        return STRATEGY

    @property
    def version(self) -> str:
        return VERSION

    def fit(self, feedback: Sequence[Feedback]) -> None:
        for item in feedback:
            self.observe(item)

    def observe(self, feedback: Feedback) -> None:
        self._counts[feedback.track_id] += COUNTED.get(feedback.kind, 0.0)
        self._top = max(self._top, self._counts[feedback.track_id])

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        return self._shaper.shape(request, self._bonuses)

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        return self._shaper.score(request, track_ids, self._bonuses)

    def _bonuses(self, positions: IntArray) -> FloatArray:
        if self._prior is not None:
            return np.asarray(self._prior[positions], dtype=np.float64)
        return np.asarray([self._bonus(self._songs[p].track_id) for p in positions])

    def _bonus(self, track_id: str) -> float:
        if self._top <= 0:
            return 0.0
        count = self._counts.get(track_id, 0.0)
        return POPULARITY_WEIGHT * math.log1p(count) / math.log1p(self._top)


def build(songs: Sequence[Song], setup: RankerSetup) -> PopularityRecommender:
    """The registry's factory: counts `setup.feedback`."""
    ranker = PopularityRecommender(songs)
    ranker.fit(setup.feedback)
    return ranker
