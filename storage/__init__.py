"""Tables, engines, migrations and the `Store` every other package goes through. No business rules."""

from storage.engine import make_engine
from storage.migrate import downgrade, is_up_to_date, upgrade
from storage.store import (
    DueCheckIn,
    DueMix,
    MixMood,
    NewItem,
    NewMood,
    NewRecommendation,
    ReactionFact,
    SavedRecommendation,
    Store,
)

__all__ = [
    "DueCheckIn",
    "DueMix",
    "MixMood",
    "NewItem",
    "NewMood",
    "NewRecommendation",
    "ReactionFact",
    "SavedRecommendation",
    "Store",
    "downgrade",
    "is_up_to_date",
    "make_engine",
    "upgrade",
]
