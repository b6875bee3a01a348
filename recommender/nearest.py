"""The VA-nearest ranker: for each playlist position, the song nearest that position's target mood,
nudged by what the user's reactions say and re-ranked so no artist repeats and genres vary.

It needs no training, so it is the baseline the Wide & Deep model must beat, the fallback while a
user has no history, and a `Recommender` for offline evaluation. It is deterministic: the same
catalog and request give the same playlist, so a reported figure can be rerun.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nlp import Mood
from recommender.index import MoodIndex
from recommender.modes import mood_path
from recommender.ranking import RankedSong, RecommendationRequest, TasteProfile
from recommender.reasons import reason_for
from recommender.songs import Song

STRATEGY = "nearest-mood"
VERSION = "nearest-v1"

# Songs gathered near each distinct target of the path; quadrupled when the variety rules leave a
# playlist short (few artists near a corner of VA space).
CANDIDATES_PER_TARGET = 200
# Taste moves a song by at most these distances in VA space (scores are minus distance). They are
# small on purpose: taste reorders songs that fit the mood, it does not override the mood.
ARTIST_WEIGHT = 0.15
GENRE_WEIGHT = 0.08
LIKED_TRACK_WEIGHT = 0.05
SKIPPED_TRACK_PENALTY = 0.1
# An artist at or below this affinity (two more dislikes than likes) is never offered.
ARTIST_EXCLUDED_AT = -2.0
# Liked songs may come back, at most one in this many positions, so a playlist stays a discovery.
LIKED_TRACK_EVERY = 5
# Penalty per recent pick (of the last GENRE_MEMORY) sharing the candidate's main genre.
GENRE_REPEAT_PENALTY = 0.03
GENRE_MEMORY = 3

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _Pool:
    """Candidate songs for one request: catalog positions and their per-song terms."""

    positions: IntArray
    bonus: FloatArray  # taste adjustment, added to minus distance
    liked: BoolArray


class NearestMoodRecommender:
    """A `Recommender` over a fixed catalog; immutable after construction, safe to share."""

    def __init__(self, songs: Sequence[Song]) -> None:
        self._songs = tuple(songs)
        self._index = MoodIndex(self._songs)
        self._by_track: dict[str, list[int]] = {}
        for position, song in enumerate(self._songs):
            self._by_track.setdefault(song.track_id, []).append(position)
        self._artist_names, self._artist_codes = _codes([s.artist for s in self._songs])
        self._codes_by_folded_artist: dict[str, list[int]] = {}
        for code, name in enumerate(self._artist_names):
            self._codes_by_folded_artist.setdefault(name.casefold(), []).append(code)
        _, self._genre_codes = _codes([s.genres[0] if s.genres else "" for s in self._songs])

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
        positions = self._by_track.get(track_id)
        return self._songs[positions[0]] if positions else None

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        if request.size <= 0 or not self._songs:
            return []
        path = mood_path(request.mood, request.mode, request.size)
        excluded = self._excluded(request.taste)
        eligible = len(self._songs) - int(np.count_nonzero(excluded))
        per_target = CANDIDATES_PER_TARGET
        while True:
            pool = self._pool(path, excluded, per_target, request.taste)
            picks = self._pick(path, pool, request.size)
            if len(picks) >= request.size or len(pool.positions) >= eligible:
                break
            per_target *= 4
        return [
            RankedSong(
                song=self._songs[position],
                score=score,
                reason=reason_for(self._songs[position], request.taste, target, request.mood),
                target=target,
            )
            for (position, score), target in zip(picks, path[: len(picks)], strict=True)
        ]

    def _excluded(self, taste: TasteProfile) -> BoolArray:
        """Never offered: disliked songs, songs recommended recently, strongly disliked artists."""
        excluded = np.zeros(len(self._songs), dtype=bool)
        for track_id in taste.disliked_tracks | taste.recent_tracks:
            excluded[self._by_track.get(track_id, [])] = True
        banned = [
            code
            for name, affinity in taste.artist_affinity.items()
            if affinity <= ARTIST_EXCLUDED_AT
            for code in self._codes_by_folded_artist.get(name.casefold(), [])
        ]
        if banned:
            excluded |= np.isin(self._artist_codes, banned)
        return excluded

    def _pool(
        self, path: list[Mood], excluded: BoolArray, per_target: int, taste: TasteProfile
    ) -> _Pool:
        targets = sorted({(m.valence, m.arousal) for m in path})
        found = {p for v, a in targets for p, _ in self._index.nearest(v, a, per_target, excluded)}
        positions = np.asarray(sorted(found), dtype=np.int64)
        songs = [self._songs[p] for p in positions]
        bonus = np.asarray([_taste_bonus(s, taste) for s in songs], dtype=np.float64)
        liked = np.asarray([s.track_id in taste.liked_tracks for s in songs], dtype=bool)
        return _Pool(positions, bonus.reshape(-1), liked.reshape(-1))

    def _pick(self, path: list[Mood], pool: _Pool, size: int) -> list[tuple[int, float]]:
        """Greedy: each position takes the best-scoring candidate the variety rules still allow."""
        points = self._index.points[pool.positions]
        artists = self._artist_codes[pool.positions]
        genres = self._genre_codes[pool.positions]
        taken = np.zeros(len(pool.positions), dtype=bool)
        artist_taken = np.zeros(len(self._artist_names), dtype=bool)
        liked_left = max(1, size // LIKED_TRACK_EVERY)
        recent_genres: list[int] = []
        picks: list[tuple[int, float]] = []
        for target in path[:size]:
            distance = np.hypot(points[:, 0] - target.valence, points[:, 1] - target.arousal)
            score = pool.bonus - distance
            for genre in recent_genres[-GENRE_MEMORY:]:
                score = score - GENRE_REPEAT_PENALTY * (genres == genre)
            blocked = taken | artist_taken[artists] | (pool.liked & (liked_left <= 0))
            score = np.where(blocked, -np.inf, score)
            if len(score) == 0 or not np.isfinite(score.max()):
                break  # nothing left that the rules allow; a shorter list beats a repeated artist
            best = int(np.argmax(score))  # first of equal scores: the lowest catalog position
            taken[best] = True
            artist_taken[artists[best]] = True
            liked_left -= int(pool.liked[best])
            recent_genres.append(int(genres[best]))
            picks.append((int(pool.positions[best]), float(score[best])))
        return picks


def _taste_bonus(song: Song, taste: TasteProfile) -> float:
    """How much the user's reactions move this song, bounded by the weights above."""
    bonus = ARTIST_WEIGHT * math.tanh(taste.artist_weight(song.artist) / 2.0)
    if song.genres:
        genre = sum(taste.genre_affinity.get(g, 0.0) for g in song.genres) / len(song.genres)
        bonus += GENRE_WEIGHT * math.tanh(genre / 3.0)
    if song.track_id in taste.liked_tracks:
        bonus += LIKED_TRACK_WEIGHT
    if song.track_id in taste.skipped_tracks:
        bonus -= SKIPPED_TRACK_PENALTY
    return bonus


def _codes(values: list[str]) -> tuple[list[str], IntArray]:
    """Distinct values in first-seen order, and each value's code, for vectorised comparisons."""
    names: dict[str, int] = {}
    codes = np.asarray([names.setdefault(v, len(names)) for v in values], dtype=np.int64)
    return list(names), codes.reshape(-1)
