"""The VA-nearest ranker: for each playlist position, the song nearest that position's target mood,
nudged by what the user's reactions say and re-ranked so no artist repeats and genres vary.

It needs no training, so it is the baseline the Wide & Deep model must beat, the fallback while a
user has no history, and a `Recommender` for offline evaluation. It is deterministic: the same
catalog and request give the same playlist, so a reported figure can be rerun. The candidate pool and
the re-rank are `recommender.reranking`'s, shared with the other rankers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recommender.modes import mood_path
from recommender.ranking import RankedSong, RecommendationRequest
from recommender.reranking import Candidates, PlaylistShaper, liked_mask, mood_distance, taste_bonus
from recommender.songs import Song

STRATEGY = "nearest-mood"
VERSION = "nearest-v1"

# Songs gathered near each distinct target of the path; quadrupled when the variety rules leave a
# playlist short (few artists near a corner of VA space).
CANDIDATES_PER_TARGET = 200


class NearestMoodRecommender:
    """A `Recommender` over a fixed catalog; immutable after construction, safe to share."""

    def __init__(self, songs: Sequence[Song]) -> None:
        self._shaper = PlaylistShaper(songs)
        self._songs = self._shaper.songs

    @property
    def strategy(self) -> str:
        return STRATEGY

    @property
    def version(self) -> str:
        return VERSION

    def __len__(self) -> int:
        return len(self._songs)

    def song(self, track_id: str) -> Song | None:
        """The catalog song with this track id, if any."""
        positions = self._shaper.positions_of(track_id)
        return self._songs[positions[0]] if positions else None

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
            bonus = np.asarray([taste_bonus(s, request.taste) for s in songs], dtype=np.float64)
            pool = Candidates(positions, bonus.reshape(-1), liked_mask(songs, request.taste))
            picks = self._shaper.pick(path, pool, request.size)
            if len(picks) >= request.size or len(positions) >= eligible:
                break
            per_target *= 4
        return self._shaper.ranked(picks, path, request.taste, request.mood)

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """How well each song fits this request: minus its distance to the mood, plus taste."""
        scores = []
        for track_id in track_ids:
            song = self.song(track_id)
            if song is None:
                scores.append(float("-inf"))
                continue
            scores.append(taste_bonus(song, request.taste) - mood_distance(song, request.mood))
        return scores
