"""Tables, engines, migrations and the `Store` every other package goes through, with one protocol
per aggregate for callers to depend on. No business rules."""

from storage.checkins import CheckInStore, DueCheckIn
from storage.engine import DatabaseTimeouts, database_unavailable, make_engine, reachable
from storage.migrate import downgrade, is_up_to_date, upgrade
from storage.mixes import DueMix, MixMood, MixStore
from storage.moods import MoodStore, NewMood
from storage.people import PeopleStore
from storage.recommendations import (
    NewItem,
    NewRecommendation,
    ReactionFact,
    RecommendationStore,
    SavedRecommendation,
)
from storage.songs import SongStore
from storage.store import Store, UpdateStore

__all__ = [
    "CheckInStore",
    "DatabaseTimeouts",
    "DueCheckIn",
    "DueMix",
    "MixMood",
    "MixStore",
    "MoodStore",
    "NewItem",
    "NewMood",
    "NewRecommendation",
    "PeopleStore",
    "ReactionFact",
    "RecommendationStore",
    "SavedRecommendation",
    "SongStore",
    "Store",
    "UpdateStore",
    "database_unavailable",
    "downgrade",
    "is_up_to_date",
    "make_engine",
    "reachable",
    "upgrade",
]
