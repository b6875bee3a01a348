"""Experiment arms for mood-shift research: which treatment a recommendation gets.

Mood drifts toward neutral by itself, so "people felt better after the playlist" says nothing
without a control condition. Each recommendation of a consenting person (the unit: a mood, its
playlist and its check-in) is assigned to one configured arm:

- `widedeep`: the Wide & Deep ranker;
- `nearest`: the nearest-in-mood ranker;
- `random`: songs drawn at random from the catalog (control);
- `checkin-only`: no playlist at all, only the check-in (control).

The assignment is a seeded draw: `draw = SHA-256(seed, unit key)` read as a number in [0, 1), and the
arm whose cumulative weight first exceeds it. Anyone with the seed and the unit keys can recompute
every assignment, and the draw itself is stored with the recommendation.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from recommender.rankers import name_of_strategy
from recommender.ranking import RankedSong, RecommendationRequest, Recommender
from recommender.songs import Song


class Arm(StrEnum):
    WIDE_DEEP = "widedeep"
    NEAREST = "nearest"
    RANDOM = "random"
    CHECKIN_ONLY = "checkin-only"

    @property
    def sends_playlist(self) -> bool:
        return self is not Arm.CHECKIN_ONLY


# The arms served by the registry's ranker of the same name.
RANKER_ARMS = (Arm.WIDE_DEEP, Arm.NEAREST)


def arm_of(ranker: Recommender) -> str:
    """The arm a recommendation by this ranker belongs to (its strategy, if it is no arm): the
    registry names the ranker by its strategy, and a ranker arm is called as its ranker."""
    name = name_of_strategy(ranker.strategy)
    return name if name in {a.value for a in RANKER_ARMS} else ranker.strategy


def parse_weights(text: str) -> dict[Arm, float]:
    """ "widedeep=2,nearest=1,random=1,checkin-only=1" -> weights; empty text -> no arms.

    Raises ValueError naming the problem: an unknown arm, a weight that is not a non-negative
    number, or weights that add up to nothing."""
    weights: dict[Arm, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        try:
            arm = Arm(name.strip().lower())
        except ValueError:
            known = ", ".join(a.value for a in Arm)
            raise ValueError(f"unknown research arm {name.strip()!r} (known: {known})") from None
        try:
            weight = float(value) if sep else 1.0
        except ValueError:
            raise ValueError(
                f"research arm {arm.value}: weight {value!r} is not a number"
            ) from None
        if weight < 0 or weight != weight:
            raise ValueError(f"research arm {arm.value}: weight must be 0 or more")
        weights[arm] = weight
    if weights and sum(weights.values()) <= 0:
        raise ValueError("research arms: the weights add up to 0")
    return weights


@dataclass(frozen=True)
class Assignment:
    arm: Arm
    draw: float  # the seeded uniform draw in [0, 1) that chose the arm


class ArmAssigner:
    """Seeded, reproducible assignment of units to arms in proportion to their weights."""

    def __init__(self, weights: Mapping[Arm, float], seed: str) -> None:
        active = [(arm, w) for arm, w in weights.items() if w > 0]
        if not active:
            raise ValueError("research arms: at least one arm needs a weight above 0")
        total = sum(w for _, w in active)
        self.seed = seed
        self.weights = {arm: w / total for arm, w in active}
        bounds: list[tuple[float, Arm]] = []
        cumulative = 0.0
        for arm, w in active:
            cumulative += w / total
            bounds.append((cumulative, arm))
        self._bounds = bounds

    @property
    def arms(self) -> tuple[Arm, ...]:
        return tuple(self.weights)

    def draw(self, unit_key: str) -> float:
        digest = hashlib.sha256(f"{self.seed}\x00{unit_key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def assign(self, unit_key: str) -> Assignment:
        draw = self.draw(unit_key)
        for bound, arm in self._bounds:
            if draw < bound:
                return Assignment(arm, draw)
        return Assignment(self._bounds[-1][1], draw)  # rounding: the cumulative sum fell short of 1


STRATEGY_RANDOM = "random-control"
VERSION_RANDOM = "random-v1"


class RandomSongsRecommender:
    """The `random` control arm: songs drawn uniformly from the catalog, skipping disliked and
    recently sent ones. Seeded per request, so the same request gives the same list."""

    def __init__(self, songs: Sequence[Song], seed: str = "moodwave") -> None:
        self._songs = list(songs)
        self._seed = seed
        self._by_track: dict[str, Song] = {}
        for song in self._songs:
            self._by_track.setdefault(song.track_id, song)

    @property
    def strategy(self) -> str:
        return STRATEGY_RANDOM

    @property
    def version(self) -> str:
        return VERSION_RANDOM

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """No preference of its own: minus each song's distance to the mood (unknown: -inf)."""
        mood = request.mood
        return [
            -math.hypot(s.valence - mood.valence, s.arousal - mood.arousal)
            if (s := self._by_track.get(t)) is not None
            else float("-inf")
            for t in track_ids
        ]

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        if request.size <= 0 or not self._songs:
            return []
        taste = request.taste
        avoid = taste.disliked_tracks | taste.recent_tracks
        key = (
            f"{self._seed}\x00{request.user_key}\x00{request.mood.valence:.6f}"
            f"\x00{request.mood.arousal:.6f}"
        )
        rng = random.Random(hashlib.sha256(key.encode()).digest())
        picks: list[Song] = []
        seen: set[str] = set()
        # Rejection sampling: cheap for any catalog much larger than a playlist.
        for _ in range(request.size * 50):
            song = self._songs[rng.randrange(len(self._songs))]
            if song.track_id in seen or song.track_id in avoid:
                continue
            if request.exclude_explicit and song.explicit:
                continue
            seen.add(song.track_id)
            picks.append(song)
            if len(picks) == request.size:
                break
        return [
            RankedSong(song, 0.0, "picked at random (a comparison condition)", request.mood)
            for song in picks
        ]
