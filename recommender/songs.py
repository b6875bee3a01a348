"""A song of the catalog as the recommender sees it: identity, artist, genres and its mood."""

from __future__ import annotations

from dataclasses import dataclass, field

# The key of `Song.features` that marks explicit lyrics (1.0) or clean (0.0; absent means clean).
EXPLICIT = "explicit"


@dataclass(frozen=True)
class Song:
    """One catalog entry. `valence` and `arousal` are in [-1, 1]; `mood_source` says where they came
    from (e.g. "spotify-features") and `mood_confidence` how far to trust them (0: mood unknown).
    `features["explicit"]` is 1.0 for a song with explicit lyrics; it lives in `features` so that it
    is stored with the song's other numbers and needs no schema change."""

    track_id: str
    name: str
    artist: str
    valence: float
    arousal: float
    genres: tuple[str, ...] = ()
    subgenres: tuple[str, ...] = ()
    album: str = ""
    popularity: int = 0
    duration_ms: int = 0
    mood_source: str = "spotify-features"
    mood_confidence: float = 1.0
    spotify_id: str | None = None
    features: dict[str, float] = field(default_factory=dict)
    video_url: str | None = None  # the data set's own music video, when it names one

    @property
    def explicit(self) -> bool:
        return self.features.get(EXPLICIT, 0.0) >= 0.5

    @property
    def spotify_url(self) -> str | None:
        return f"https://open.spotify.com/track/{self.spotify_id}" if self.spotify_id else None
