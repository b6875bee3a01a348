"""The playlist stage every ranker shares: which songs may be offered at all, the candidate pool
near the mood path, and the greedy re-rank that turns per-song scores into a good playlist (each
position takes the best song for its target mood that the variety rules still allow: no artist
twice, no disliked song, at most one liked song in five, genres varied unless the person's history
says they want one genre).

A ranker supplies one number per candidate (its "bonus", in units of VA distance) and the shape of
the playlist is the same for all of them, so offline comparisons measure the scoring, not the
re-ranking.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nlp import Mood
from recommender.index import MoodIndex
from recommender.modes import mood_path
from recommender.ranking import RankedSong, RecommendationRequest, TasteProfile
from recommender.reasons import reasons_for
from recommender.similarity import MMR_WEIGHT, SoundSpace, similarity_to
from recommender.songs import Song

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# An artist at or below this affinity (two more dislikes than likes) is never offered.
ARTIST_EXCLUDED_AT = -2.0
# Liked songs may come back, at most one in this many positions, so a playlist stays a discovery.
LIKED_TRACK_EVERY = 5
# Penalty per recent pick (of the last GENRE_MEMORY) sharing the candidate's main genre.
GENRE_REPEAT_PENALTY = 0.03
GENRE_MEMORY = 3
# A person whose positive genre history is at least this concentrated on one genre gets no variety
# penalty: they told us what they want.
GENRE_FOCUS = 0.8
GENRE_FOCUS_EVIDENCE = 2.0  # summed positive genre affinity (about four likes) before we believe it
# At most this share of a list from one genre, unless the person leans to it: its affinity is at
# least GENRE_LEAN (about ten recent likes; one like adds 0.5), which lifts the cap for it.
GENRE_CAP_SHARE = 0.4
GENRE_LEAN = 4.0
# Every EXPLORE_EVERY-th position (the 3rd, 6th, 9th) goes to the best song outside the person's
# known taste (no liked artist or genre), once they have one: "something new for you". Chosen on
# SiTunes' validation slices (0, 1/10, 1/5, 1/3, 1/2 of a list; docs/evaluation.md): a half
# scored higher still, but a third keeps most of a list to the person's known taste.
EXPLORE_EVERY = 3

# Besides the songs nearest the path, songs by artists the person likes within this VA distance of
# a target join the pool (at most PERSONAL_CANDIDATES, nearest first): a favourite artist's song a
# little off the mood can then win on taste, which the nearest few hundred alone would never show.
PERSONAL_RADIUS = 0.5
PERSONAL_CANDIDATES = 200

# Taste moves a song by at most these distances in VA space (the nearest ranker's bonus). They are
# small on purpose: taste reorders songs that fit the mood, it does not override the mood.
ARTIST_WEIGHT = 0.15
GENRE_WEIGHT = 0.08
LIKED_TRACK_WEIGHT = 0.05
SKIPPED_TRACK_PENALTY = 0.1

# Songs gathered near each distinct target of the path; quadrupled while the variety rules leave a
# playlist short (few artists near a corner of VA space).
CANDIDATES_PER_TARGET = 200

# A ranker's per-candidate bonus: catalog positions in, one number per position out.
Bonus = Callable[["IntArray"], "FloatArray"]


@dataclass(frozen=True)
class Pick:
    position: int  # in the catalog
    score: float
    new: bool = False  # taken for the exploration share


@dataclass(frozen=True)
class Candidates:
    """Candidate songs for one request: catalog positions and their per-song terms."""

    positions: IntArray
    bonus: FloatArray  # the ranker's score, added to minus the distance to each position's target
    liked: BoolArray
    new: BoolArray | None = None  # outside the person's known taste (None: no taste known yet)
    uncapped: frozenset[int] = frozenset()  # genre codes the person leans to: no share cap


class PlaylistShaper:
    """Catalog arrays the re-rank reads (artist and genre codes), built once per catalog."""

    def __init__(
        self,
        songs: Sequence[Song],
        index: MoodIndex | None = None,
        mmr_weight: float | None = None,
        explore_every: int | None = None,
    ) -> None:
        self.songs = tuple(songs)
        self.index = index if index is not None else MoodIndex(self.songs)
        # The maximal-marginal-relevance trade-off (similarity.py) and the exploration share (every
        # `explore_every`-th slot; 0: none); None reads the module's defaults when built, which a
        # sweep over validation data may set.
        self.mmr_weight = MMR_WEIGHT if mmr_weight is None else mmr_weight
        self.explore_every = EXPLORE_EVERY if explore_every is None else explore_every
        self.sound = SoundSpace(self.songs)
        self._by_track: dict[str, list[int]] = {}
        for position, song in enumerate(self.songs):
            self._by_track.setdefault(song.track_id, []).append(position)
        self.artist_names, self.artist_codes = codes([s.artist for s in self.songs])
        self._codes_by_folded_artist: dict[str, list[int]] = {}
        for code, name in enumerate(self.artist_names):
            self._codes_by_folded_artist.setdefault(name.casefold(), []).append(code)
        self.genre_names, self.genre_codes = codes(
            [s.genres[0] if s.genres else "" for s in self.songs]
        )
        order = np.argsort(self.artist_codes, kind="stable")
        bounds = np.searchsorted(self.artist_codes[order], np.arange(len(self.artist_names) + 1))
        self._by_artist = [order[bounds[c] : bounds[c + 1]] for c in range(len(self.artist_names))]
        self._explicit = np.asarray([s.explicit for s in self.songs], dtype=bool).reshape(-1)

    def positions_of(self, track_id: str) -> list[int]:
        return self._by_track.get(track_id, [])

    def shape(
        self,
        request: RecommendationRequest,
        bonus: Bonus,
        per_target: int = CANDIDATES_PER_TARGET,
        also: frozenset[str] = frozenset(),
        genre_penalty: float = GENRE_REPEAT_PENALTY,
    ) -> list[RankedSong]:
        """The playlist for `request` from a ranker's `bonus`: candidates near the mood path, the
        greedy re-rank, and the pool widened fourfold while the variety rules leave it short."""
        if request.size <= 0 or not self.songs:
            return []
        path = mood_path(request.mood, request.mode, request.size)
        excluded = self.excluded(request.taste, request.exclude_explicit, also)
        eligible = len(self.songs) - int(np.count_nonzero(excluded))
        while True:
            positions = self.gather(path, excluded, per_target, request.taste)
            songs = [self.songs[p] for p in positions]
            bonuses = np.asarray(bonus(positions), dtype=np.float64).reshape(-1)
            pool = Candidates(
                positions,
                bonuses,
                liked_mask(songs, request.taste),
                None if request.taste.is_empty else new_mask(songs, request.taste),
                self._leaning(request.taste),
            )
            picks = self.pick(path, pool, request.size, genre_penalty)
            if len(picks) >= request.size or len(positions) >= eligible:
                break
            per_target *= 4
        return self.ranked(picks, path, request.taste, request.mood)

    def _leaning(self, taste: TasteProfile) -> frozenset[int]:
        """Codes of the genres this person's reactions show a strong, repeated taste for."""
        strong = {g for g, w in taste.genre_affinity.items() if w >= GENRE_LEAN}
        return frozenset(c for c, name in enumerate(self.genre_names) if name in strong)

    def score(
        self, request: RecommendationRequest, track_ids: Sequence[str], bonus: Bonus
    ) -> list[float]:
        """Each song's bonus minus its distance to the request's mood (unknown songs: -inf)."""
        known = [self._by_track.get(t, [None])[0] for t in track_ids]
        positions = np.asarray([p for p in known if p is not None], dtype=np.int64)
        fit = np.zeros(0)
        if len(positions):
            fit = np.asarray(bonus(positions), dtype=np.float64).reshape(-1)
            fit = fit - self._distances(positions, request.mood)
        fits = iter(fit.tolist())
        return [next(fits) if p is not None else float("-inf") for p in known]

    def _distances(self, positions: IntArray, mood: Mood) -> FloatArray:
        points = self.index.points[positions]
        return np.hypot(points[:, 0] - mood.valence, points[:, 1] - mood.arousal)

    def excluded(
        self,
        taste: TasteProfile,
        exclude_explicit: bool = False,
        also: frozenset[str] = frozenset(),
    ) -> BoolArray:
        """Never offered: disliked songs (`also`: ones a ranker learned of itself), songs recommended
        recently, strongly disliked artists, and explicit songs when the chat asks for clean ones."""
        excluded = self._explicit.copy() if exclude_explicit else np.zeros(len(self.songs), bool)
        for track_id in taste.disliked_tracks | taste.recent_tracks | also:
            excluded[self._by_track.get(track_id, [])] = True
        banned = [
            code
            for name, affinity in taste.artist_affinity.items()
            if affinity <= ARTIST_EXCLUDED_AT
            for code in self._codes_by_folded_artist.get(name.casefold(), [])
        ]
        if banned:
            excluded |= np.isin(self.artist_codes, banned)
        return excluded

    def gather(
        self,
        path: Sequence[Mood],
        excluded: BoolArray,
        per_target: int,
        taste: TasteProfile | None = None,
    ) -> IntArray:
        """Positions of the songs nearest any distinct target of the path, plus (with `taste`)
        songs of liked artists not far from it; sorted."""
        targets = sorted({(m.valence, m.arousal) for m in path})
        found = {p for v, a in targets for p, _ in self.index.nearest(v, a, per_target, excluded)}
        if taste is not None:
            found.update(self._personal(taste, targets, excluded).tolist())
        return np.asarray(sorted(found), dtype=np.int64).reshape(-1)

    def _personal(
        self, taste: TasteProfile, targets: list[tuple[float, float]], excluded: BoolArray
    ) -> IntArray:
        liked = [
            self._by_artist[code]
            for name, affinity in taste.artist_affinity.items()
            if affinity > 0
            for code in self._codes_by_folded_artist.get(name.casefold(), [])
        ]
        if not liked:
            return np.zeros(0, dtype=np.int64)
        positions = np.concatenate(liked)
        positions = positions[~excluded[positions]]
        points = self.index.points[positions]
        nearest = np.full(len(positions), np.inf)
        for v, a in targets:
            nearest = np.minimum(nearest, np.hypot(points[:, 0] - v, points[:, 1] - a))
        keep = np.flatnonzero(nearest <= PERSONAL_RADIUS)
        keep = keep[np.argsort(nearest[keep], kind="stable")[:PERSONAL_CANDIDATES]]
        return positions[keep].astype(np.int64)

    def pick(
        self,
        path: Sequence[Mood],
        pool: Candidates,
        size: int,
        genre_penalty: float = GENRE_REPEAT_PENALTY,
    ) -> list[Pick]:
        """Greedy: each position takes the best-scoring candidate the variety rules still allow:
        no artist twice, at most `GENRE_CAP_SHARE` of the list from one genre (unless the person
        leans to it), a penalty for the genres of the last few picks, a maximal-marginal-relevance
        penalty (`mmr_weight` times the similarity to the most similar song already picked), and
        every `explore_every`-th position from outside the person's known taste while such songs
        are left."""
        points = self.index.points[pool.positions]
        closest = np.zeros(len(pool.positions))  # each candidate's similarity to its nearest pick
        artists = self.artist_codes[pool.positions]
        genres = self.genre_codes[pool.positions]
        taken = np.zeros(len(pool.positions), dtype=bool)
        artist_taken = np.zeros(len(self.artist_names), dtype=bool)
        genre_count = np.zeros(len(self.genre_names), dtype=np.int64)
        capped = np.ones(len(self.genre_names), dtype=bool)
        capped[list(pool.uncapped)] = False
        genre_cap = max(1, math.floor(GENRE_CAP_SHARE * size))
        liked_left = max(1, size // LIKED_TRACK_EVERY)
        recent_genres: list[int] = []
        picks: list[Pick] = []
        for slot, target in enumerate(path[:size]):
            distance = np.hypot(points[:, 0] - target.valence, points[:, 1] - target.arousal)
            score = pool.bonus - distance - self.mmr_weight * closest
            for genre in recent_genres[-GENRE_MEMORY:]:
                score = score - genre_penalty * (genres == genre)
            blocked = taken | artist_taken[artists] | (pool.liked & (liked_left <= 0))
            full = blocked | (capped[genres] & (genre_count[genres] >= genre_cap))
            if np.any(~full):  # the genre cap gives way only when nothing else is left
                blocked = full
            every = self.explore_every
            explore = pool.new is not None and every > 0 and slot % every == every - 1
            if explore and pool.new is not None and np.any(~blocked & pool.new):
                blocked = blocked | ~pool.new
            else:
                explore = False
            score = np.where(blocked, -np.inf, score)
            if len(score) == 0 or not np.isfinite(score.max()):
                break  # nothing left that the rules allow; a shorter list beats a repeated artist
            best = int(np.argmax(score))  # first of equal scores: the lowest catalog position
            taken[best] = True
            artist_taken[artists[best]] = True
            genre_count[genres[best]] += 1
            liked_left -= int(pool.liked[best])
            recent_genres.append(int(genres[best]))
            picks.append(Pick(int(pool.positions[best]), float(score[best]), explore))
            if self.mmr_weight:
                alike = similarity_to(
                    int(pool.positions[best]),
                    pool.positions,
                    self.index.points,
                    self.genre_codes,
                    self.sound,
                )
                closest = np.maximum(closest, alike)
        return picks

    def ranked(
        self,
        picks: Sequence[Pick],
        path: Sequence[Mood],
        taste: TasteProfile,
        mood: Mood,
    ) -> list[RankedSong]:
        """The picks as ranked songs, each with its position's target and its own reason."""
        songs = [self.songs[p.position] for p in picks]
        targets = list(path[: len(picks)])
        reasons = reasons_for(songs, taste, targets, mood, [p.new for p in picks])
        return [
            RankedSong(song=song, score=pick.score, reason=reason, target=target)
            for song, pick, reason, target in zip(songs, picks, reasons, targets, strict=True)
        ]


def liked_mask(songs: Sequence[Song], taste: TasteProfile) -> BoolArray:
    return np.asarray([s.track_id in taste.liked_tracks for s in songs], dtype=bool).reshape(-1)


def new_mask(songs: Sequence[Song], taste: TasteProfile) -> BoolArray:
    """Songs outside the person's known taste: no liked artist, no liked genre."""
    return np.asarray(
        [
            taste.artist_weight(s.artist) <= 0
            and all(taste.genre_affinity.get(g, 0.0) <= 0 for g in s.genres)
            for s in songs
        ],
        dtype=bool,
    ).reshape(-1)


def taste_bonus(song: Song, taste: TasteProfile) -> float:
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


def genre_variety_penalty(taste: TasteProfile, base: float = GENRE_REPEAT_PENALTY) -> float:
    """The genre repeat penalty for this person: none when their liked genres are one genre."""
    liked = [w for w in taste.genre_affinity.values() if w > 0]
    if sum(liked) >= GENRE_FOCUS_EVIDENCE and max(liked) / sum(liked) >= GENRE_FOCUS:
        return 0.0
    return base


def mood_distance(song: Song, mood: Mood) -> float:
    return math.hypot(song.valence - mood.valence, song.arousal - mood.arousal)


def codes(values: list[str]) -> tuple[list[str], IntArray]:
    """Distinct values in first-seen order, and each value's code, for vectorised comparisons."""
    names: dict[str, int] = {}
    array = np.asarray([names.setdefault(v, len(names)) for v in values], dtype=np.int64)
    return list(names), array.reshape(-1)
