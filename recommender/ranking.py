"""The recommender seam: a request (mood, mode, what we know of the user's taste) in, ranked songs
out.

`TasteProfile` is plain data the conversation core loads from storage, so every ranker is a pure
function of its inputs and can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from nlp import Mood
from recommender.modes import Mode
from recommender.songs import Song


@dataclass(frozen=True)
class TasteProfile:
    """What a user's reactions so far say. Ids are catalog `track_id`s; weights are counts."""

    liked_tracks: frozenset[str] = frozenset()
    disliked_tracks: frozenset[str] = frozenset()
    skipped_tracks: frozenset[str] = frozenset()
    recent_tracks: frozenset[str] = frozenset()  # recommended recently: avoid repeating them
    artist_affinity: dict[str, float] = field(default_factory=dict)  # + liked, - disliked
    genre_affinity: dict[str, float] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.liked_tracks or self.disliked_tracks or self.skipped_tracks)

    def artist_weight(self, artist: str) -> float:
        """Affinity for an artist, whether the profile keys names as written or case-folded."""
        weight = self.artist_affinity.get(artist)
        return weight if weight is not None else self.artist_affinity.get(artist.casefold(), 0.0)


# Parts of the day a ranker may read (SiTunes' time periods): 1 morning (8-12 h), 2 afternoon
# (12-18 h), 3 evening and night (18-8 h); 0 or None: unknown, read as neutral.
DAYPARTS = ("morning", "afternoon", "evening")


def daypart_of_hour(hour: int) -> int:
    """The part of the day (1-3, see `DAYPARTS`) of a local hour 0-23."""
    if 8 <= hour < 12:
        return 1
    if 12 <= hour < 18:
        return 2
    return 3


@dataclass(frozen=True)
class RecommendationRequest:
    mood: Mood
    mode: Mode
    taste: TasteProfile = field(default_factory=TasteProfile)
    size: int = 10
    user_key: str | None = None  # stable pseudonymous id for personal models; None: anonymous
    exclude_explicit: bool = False
    daypart: int | None = None  # the part of the day (`DAYPARTS`); None: unknown


@dataclass(frozen=True)
class Feedback:
    """One reaction, as a learning ranker sees it: who, which song, in what mood, how it went."""

    user_key: str
    track_id: str
    mood: Mood  # the mood of the recommendation the song came with
    kind: str  # like | dislike | skip | played | checkin-improved (a positive reward)
    daypart: int | None = None  # the part of the day it happened in (`DAYPARTS`); None: unknown


@dataclass(frozen=True)
class RankedSong:
    song: Song
    score: float
    reason: str
    target: Mood  # the mood this position of the playlist aimed at


@runtime_checkable
class Recommender(Protocol):
    """Ranks catalog songs for one request, and scores given songs for it (higher: better; a song
    not in its catalog: -inf), which group playlists and the offline AUC read. `strategy` and
    `version` are stored with each list."""

    @property
    def strategy(self) -> str: ...

    @property
    def version(self) -> str: ...

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]: ...

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]: ...


@runtime_checkable
class LearningRecommender(Recommender, Protocol):
    """A ranker that learns from each reaction at once (online), so the next list reflects it."""

    def observe(self, feedback: Feedback) -> None: ...
