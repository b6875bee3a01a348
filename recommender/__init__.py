"""Songs and their moods, ranking for a person and a mood, and publishing the playlist.

Exports the catalog (`Song`, `load_spotify_catalog`, `MoodIndex`), the ranking contract every
ranker meets (`Recommender`, `RecommendationRequest`, `RankedSong`, `TasteProfile`, `Mode`), the
moods and reasons a playlist speaks in, and the publishing seam (`PlaylistPublisher`,
`TrackLinksPublisher`). The rankers themselves are named in one registry, `recommender.rankers`
(a new ranker is one module and one line there); offline studies live in `recommender.evaluation`,
Spotify in `recommender.spotify`."""

from recommender.catalog import (
    SPOTIFY_SONGS,
    CatalogLoad,
    load_spotify_catalog,
    load_spotify_songs,
)
from recommender.index import MoodIndex
from recommender.modes import Mode, mood_path, target_mood
from recommender.nearest import NearestMoodRecommender
from recommender.publishing import (
    PlaylistDraft,
    PlaylistPublisher,
    PublishedPlaylist,
    TrackLinksPublisher,
    track_url,
)
from recommender.ranking import RankedSong, RecommendationRequest, Recommender, TasteProfile
from recommender.reasons import mood_words, reason_for
from recommender.songs import Song

__all__ = [
    "SPOTIFY_SONGS",
    "CatalogLoad",
    "Mode",
    "MoodIndex",
    "NearestMoodRecommender",
    "PlaylistDraft",
    "PlaylistPublisher",
    "PublishedPlaylist",
    "RankedSong",
    "RecommendationRequest",
    "Recommender",
    "Song",
    "TasteProfile",
    "TrackLinksPublisher",
    "load_spotify_catalog",
    "load_spotify_songs",
    "mood_path",
    "mood_words",
    "reason_for",
    "target_mood",
    "track_url",
]
