"""Songs and their moods, ranking for a person and a mood, and publishing the playlist."""

from recommender.modes import Mode, mood_path, target_mood
from recommender.publishing import (
    PlaylistDraft,
    PlaylistPublisher,
    PublishedPlaylist,
    TrackLinksPublisher,
    track_url,
)
from recommender.ranking import RankedSong, RecommendationRequest, Recommender, TasteProfile
from recommender.songs import Song

__all__ = [
    "Mode",
    "PlaylistDraft",
    "PlaylistPublisher",
    "PublishedPlaylist",
    "RankedSong",
    "RecommendationRequest",
    "Recommender",
    "Song",
    "TasteProfile",
    "TrackLinksPublisher",
    "mood_path",
    "target_mood",
    "track_url",
]
