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

from recommender.rankers import RankerSetup
from recommender.ranking import RankedSong, RecommendationRequest
from recommender.reranking import FloatArray, IntArray, PlaylistShaper, taste_bonus
from recommender.songs import Song

STRATEGY = "nearest-mood"
VERSION = "nearest-v1"


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
        return self._shaper.shape(request, lambda positions: self._taste(positions, request))

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """How well each song fits this request: minus its distance to the mood, plus taste."""
        return self._shaper.score(
            request, track_ids, lambda positions: self._taste(positions, request)
        )

    def _taste(self, positions: IntArray, request: RecommendationRequest) -> FloatArray:
        return np.asarray(
            [taste_bonus(self._songs[p], request.taste) for p in positions], dtype=np.float64
        )


def build(songs: Sequence[Song], setup: RankerSetup) -> NearestMoodRecommender:
    """The registry's factory: nothing to fit."""
    return NearestMoodRecommender(songs)
