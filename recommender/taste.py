"""A person's taste, read from their reactions: which songs, artists and genres they warm to.

Pure function over plain facts, so the rule is easy to test and to change. Newer reactions count
more than old ones (half-life of 30 reactions), and a later reaction to the same song replaces an
earlier one, so a person can change their mind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from recommender.ranking import TasteProfile

# How much one reaction moves the artist and each genre of the song.
_ARTIST_WEIGHT = {"like": 1.0, "dislike": -1.0, "skip": -0.3, "played": 0.3}
_GENRE_WEIGHT = {"like": 0.5, "dislike": -0.3, "skip": -0.1, "played": 0.15}
_HALF_LIFE = 30.0


@dataclass(frozen=True)
class ReactionSignal:
    kind: str  # like | dislike | skip | played
    track_id: str
    artist: str
    genres: tuple[str, ...]


def taste_from_reactions(
    newest_first: Sequence[ReactionSignal], recent_tracks: Iterable[str] = ()
) -> TasteProfile:
    latest: dict[str, str] = {}
    artists: dict[str, float] = {}
    genres: dict[str, float] = {}
    for age, signal in enumerate(newest_first):
        latest.setdefault(signal.track_id, signal.kind)
        decay = 0.5 ** (age / _HALF_LIFE)
        artists[signal.artist] = artists.get(signal.artist, 0.0) + decay * _ARTIST_WEIGHT.get(
            signal.kind, 0.0
        )
        for genre in signal.genres:
            genres[genre] = genres.get(genre, 0.0) + decay * _GENRE_WEIGHT.get(signal.kind, 0.0)
    return TasteProfile(
        liked_tracks=frozenset(t for t, k in latest.items() if k == "like"),
        disliked_tracks=frozenset(t for t, k in latest.items() if k == "dislike"),
        skipped_tracks=frozenset(t for t, k in latest.items() if k == "skip"),
        recent_tracks=frozenset(recent_tracks),
        artist_affinity={a: round(w, 4) for a, w in artists.items() if abs(w) > 1e-6},
        genre_affinity={g: round(w, 4) for g, w in genres.items() if abs(w) > 1e-6},
    )
