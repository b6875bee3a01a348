"""The popularity ranker: near the mood path, the songs most people liked. A baseline for the offline
evaluation (it knows nothing personal beyond what the request's taste excludes) and a sanity check
for the conformance suite. It counts likes and plays as they are observed, so it learns too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from recommender.modes import mood_path
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.reranking import Candidates, PlaylistShaper, liked_mask, mood_distance
from recommender.songs import Song

STRATEGY = "popularity"
VERSION = "popularity-v1"
CANDIDATES_PER_TARGET = 200
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
        if request.size <= 0 or not self._songs:
            return []
        path = mood_path(request.mood, request.mode, request.size)
        excluded = self._shaper.excluded(request.taste, request.exclude_explicit)
        eligible = len(self._songs) - int(np.count_nonzero(excluded))
        per_target = CANDIDATES_PER_TARGET
        while True:
            positions = self._shaper.gather(path, excluded, per_target, request.taste)
            songs = [self._songs[p] for p in positions]
            bonus = np.asarray([self._bonus(s.track_id) for s in songs], dtype=np.float64)
            pool = Candidates(positions, bonus.reshape(-1), liked_mask(songs, request.taste))
            picks = self._shaper.pick(path, pool, request.size)
            if len(picks) >= request.size or len(positions) >= eligible:
                break
            per_target *= 4
        return self._shaper.ranked(picks, path, request.taste, request.mood)

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        scores = []
        for track_id in track_ids:
            positions = self._shaper.positions_of(track_id)
            if not positions:
                scores.append(float("-inf"))
                continue
            song = self._songs[positions[0]]
            scores.append(self._bonus(track_id) - mood_distance(song, request.mood))
        return scores

    def _bonus(self, track_id: str) -> float:
        if self._top <= 0:
            return 0.0
        count = self._counts.get(track_id, 0.0)
        return POPULARITY_WEIGHT * math.log1p(count) / math.log1p(self._top)
