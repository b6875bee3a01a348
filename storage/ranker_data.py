"""Queries the ranker's training and replay read: every reaction with who (the pseudonym), which
song, and the mood of the recommendation it answered; and every answered check-in whose mood moved
toward the recommendation's target (a reward for that playlist's songs). Plain rows out, in the
order they happened, so the recommender never sees SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.models import (
    CatalogSong,
    CheckIn,
    MoodReport,
    Reaction,
    Recommendation,
    RecommendationItem,
    User,
)

# A check-in counts as "improved" when the mood after is at least this much closer to the target.
IMPROVED_BY = 0.1


@dataclass(frozen=True)
class LoggedReaction:
    """One reaction (or, with `reaction_id` None, a check-in reward) as the ranker learns it."""

    reaction_id: int | None
    user_key: str
    track_id: str
    valence: float
    arousal: float
    kind: str  # like | dislike | skip | played | checkin-improved
    at: datetime


class RankerData:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reactions_since(self, reaction_id: int = 0) -> list[LoggedReaction]:
        """Reactions with an id above `reaction_id`, oldest first, each in the mood its list was
        made for. A group mix whose starter was forgotten has lost that mood report (detached,
        `storage.forgetting`); its members' reactions keep the list's own target mood instead,
        rather than drop out of the ranker's data."""
        item_mood = aliased(MoodReport)
        query = (
            sa_select(
                col(Reaction.id),
                col(User.pseudonym),
                col(CatalogSong.track_id),
                func.coalesce(col(item_mood.valence), col(Recommendation.target_valence)),
                func.coalesce(col(item_mood.arousal), col(Recommendation.target_arousal)),
                col(Reaction.kind),
                col(Reaction.created_at),
            )
            .join(User, col(Reaction.user_id) == User.id)
            .join(CatalogSong, col(Reaction.song_id) == CatalogSong.id)
            .join(RecommendationItem, col(Reaction.item_id) == RecommendationItem.id)
            .join(Recommendation, col(RecommendationItem.recommendation_id) == Recommendation.id)
            .outerjoin(item_mood, col(Recommendation.mood_report_id) == item_mood.id)
            .where(col(Reaction.id) > reaction_id)
            .order_by(col(Reaction.id))
        )
        with Session(self.engine) as s:
            return [LoggedReaction(*row) for row in s.execute(query)]

    def checkin_rewards_since(self, answered_after: datetime | None = None) -> list[LoggedReaction]:
        """For each check-in answered after the time whose mood moved toward the target, one
        `checkin-improved` row per song of its playlist; oldest answer first."""
        before, after = aliased(MoodReport), aliased(MoodReport)
        query = (
            sa_select(
                col(CheckIn.answered_at),
                col(User.pseudonym),
                col(Recommendation.target_valence),
                col(Recommendation.target_arousal),
                col(before.valence),
                col(before.arousal),
                col(after.valence),
                col(after.arousal),
                col(CatalogSong.track_id),
            )
            .join(User, col(CheckIn.user_id) == User.id)
            .join(Recommendation, col(CheckIn.recommendation_id) == Recommendation.id)
            .join(before, col(CheckIn.mood_before_id) == before.id)
            .join(after, col(CheckIn.mood_after_id) == after.id)
            .join(
                RecommendationItem, col(RecommendationItem.recommendation_id) == Recommendation.id
            )
            .join(CatalogSong, col(RecommendationItem.song_id) == CatalogSong.id)
            .where(col(CheckIn.answered_at).is_not(None))
            .order_by(col(CheckIn.answered_at), col(CheckIn.id), col(RecommendationItem.position))
        )
        if answered_after is not None:
            query = query.where(col(CheckIn.answered_at) > answered_after)
        rows = []
        with Session(self.engine) as s:
            for at, user, tv, ta, bv, ba, av, aa, track in s.execute(query):
                closer = math.hypot(bv - tv, ba - ta) - math.hypot(av - tv, aa - ta)
                if closer >= IMPROVED_BY:
                    rows.append(LoggedReaction(None, user, track, bv, ba, "checkin-improved", at))
        return rows

    def latest_reaction_id(self) -> int:
        with Session(self.engine) as s:
            return int(s.execute(sa_select(func.max(Reaction.id))).scalar() or 0)

    def latest_checkin_answer(self) -> datetime | None:
        with Session(self.engine) as s:
            value = s.execute(sa_select(func.max(CheckIn.answered_at))).scalar()
            return value if isinstance(value, datetime) else None
