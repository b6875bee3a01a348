"""Recommendations (a playlist's songs with scores and reasons), the published playlists, the
reactions to their songs, and the person's own rating of their mood before one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col, select

from storage.models import (
    CatalogSong,
    MoodReport,
    Playlist,
    Reaction,
    Recommendation,
    RecommendationItem,
)
from storage.sessions import Sessions


@dataclass(frozen=True)
class NewItem:
    song_id: int
    score: float
    reason: str


@dataclass(frozen=True)
class NewRecommendation:
    """A recommendation to store, as plain values (the caller builds no table row)."""

    user_id: int
    chat_id: int
    mood_report_id: int
    mode: str
    target_valence: float
    target_arousal: float
    strategy: str
    model_version: str
    arm: str
    randomised: bool
    arm_draw: float | None
    created_at: datetime


@dataclass(frozen=True)
class SavedRecommendation:
    """A stored recommendation's ids: its own, its person's and chat's, and its items' in order."""

    id: int
    user_id: int
    chat_id: int
    item_ids: tuple[int, ...]


@dataclass(frozen=True)
class ReactionFact:
    """One reaction joined with the song it was about: the input of a taste profile."""

    kind: str
    track_id: str
    artist: str
    genres: tuple[str, ...]
    at: datetime


@runtime_checkable
class RecommendationStore(Protocol):
    """Recommendations, playlists and reactions."""

    def save_recommendation(
        self, recommendation: Recommendation, items: Sequence[NewItem]
    ) -> tuple[Recommendation, list[RecommendationItem]]: ...

    def save_playlist(self, playlist: Playlist) -> Playlist: ...

    def record_recommendation(
        self, new: NewRecommendation, items: Sequence[NewItem]
    ) -> SavedRecommendation: ...

    def record_playlist(
        self, recommendation_id: int, provider: str, url: str | None, external_id: str | None
    ) -> None: ...

    def item_in_chat(self, item_id: int, chat_id: int) -> RecommendationItem | None: ...

    def mood_of_item(self, item: RecommendationItem) -> MoodReport | None: ...

    def latest_item_at(self, chat_id: int, position: int) -> RecommendationItem | None: ...

    def recent_track_ids(self, user_id: int, since: datetime) -> set[str]: ...

    def add_reaction(self, user_id: int, item: RecommendationItem, kind: str) -> Reaction: ...

    def reaction_facts(self, user_id: int, limit: int = 500) -> list[ReactionFact]: ...

    def self_report_before(
        self, recommendation_id: int, user_id: int, dimension: str, value: float
    ) -> bool: ...


class Recommendations(Sessions):
    """Recommendations, playlists and reactions in the database."""

    def save_recommendation(
        self, recommendation: Recommendation, items: Sequence[NewItem]
    ) -> tuple[Recommendation, list[RecommendationItem]]:
        with self.session() as s:
            s.add(recommendation)
            s.flush()
            assert recommendation.id is not None
            rows = [
                RecommendationItem(
                    recommendation_id=recommendation.id,
                    position=position,
                    song_id=item.song_id,
                    score=item.score,
                    reason=item.reason,
                )
                for position, item in enumerate(items, start=1)
            ]
            s.add_all(rows)
            s.commit()  # one insert for all rows returns their ids: no read-back per row
            return recommendation, rows

    def save_playlist(self, playlist: Playlist) -> Playlist:
        with self.session() as s:
            s.add(playlist)
            s.commit()
            return playlist

    # -- plain values in, ids out (what the conversation core writes) ----------------------------

    def record_recommendation(
        self, new: NewRecommendation, items: Sequence[NewItem]
    ) -> SavedRecommendation:
        recommendation, rows = self.save_recommendation(Recommendation(**asdict(new)), items)
        assert recommendation.id is not None and all(row.id is not None for row in rows)
        assert recommendation.user_id is not None  # a new recommendation is someone's
        return SavedRecommendation(
            recommendation.id,
            recommendation.user_id,
            recommendation.chat_id,
            tuple(row.id for row in rows if row.id is not None),
        )

    def record_playlist(
        self, recommendation_id: int, provider: str, url: str | None, external_id: str | None
    ) -> None:
        self.save_playlist(
            Playlist(
                recommendation_id=recommendation_id,
                provider=provider,
                url=url,
                external_id=external_id,
            )
        )

    def item_in_chat(self, item_id: int, chat_id: int) -> RecommendationItem | None:
        """The item, if it belongs to a recommendation made in this chat."""
        with self.session() as s:
            return s.exec(
                select(RecommendationItem)
                .join(Recommendation)
                .where(RecommendationItem.id == item_id, Recommendation.chat_id == chat_id)
            ).first()

    def mood_of_item(self, item: RecommendationItem) -> MoodReport | None:
        """The mood report a recommendation item was chosen for."""
        with self.session() as s:
            return s.exec(
                select(MoodReport)
                .join(Recommendation, col(Recommendation.mood_report_id) == MoodReport.id)
                .where(Recommendation.id == item.recommendation_id)
            ).first()

    def latest_item_at(self, chat_id: int, position: int) -> RecommendationItem | None:
        """Song number `position` of the latest playlist sent in this chat."""
        with self.session() as s:
            latest = s.exec(
                select(Recommendation.id)
                .where(Recommendation.chat_id == chat_id)
                .order_by(col(Recommendation.id).desc())
                .limit(1)
            ).first()
            if latest is None:
                return None
            return s.exec(
                select(RecommendationItem).where(
                    RecommendationItem.recommendation_id == latest,
                    RecommendationItem.position == position,
                )
            ).first()

    def recent_track_ids(self, user_id: int, since: datetime) -> set[str]:
        with self.session() as s:
            rows = s.exec(
                select(CatalogSong.track_id)
                .join(RecommendationItem, col(RecommendationItem.song_id) == CatalogSong.id)
                .join(Recommendation)
                .where(Recommendation.user_id == user_id, Recommendation.created_at >= since)
            )
            return set(rows)

    def add_reaction(self, user_id: int, item: RecommendationItem, kind: str) -> Reaction:
        assert item.id is not None
        reaction = Reaction(user_id=user_id, item_id=item.id, song_id=item.song_id, kind=kind)
        with self.session() as s:
            s.add(reaction)
            s.commit()
            s.refresh(reaction)
            return reaction

    def reaction_facts(self, user_id: int, limit: int = 500) -> list[ReactionFact]:
        """The user's latest reactions with their songs, newest first."""
        with self.session() as s:
            rows = s.execute(
                sa_select(
                    col(Reaction.kind),
                    col(CatalogSong.track_id),
                    col(CatalogSong.artist),
                    col(CatalogSong.genres),
                    col(Reaction.created_at),
                )
                .join(CatalogSong, col(Reaction.song_id) == CatalogSong.id)
                .where(col(Reaction.user_id) == user_id)
                .order_by(col(Reaction.id).desc())
                .limit(limit)
            )
            return [ReactionFact(k, t, a, tuple(g or ()), at) for k, t, a, g, at in rows]

    def self_report_before(
        self, recommendation_id: int, user_id: int, dimension: str, value: float
    ) -> bool:
        """The person's own rating of their mood before a recommendation of theirs; False when
        the recommendation is not theirs (or gone)."""
        column = {"valence": "self_valence_before", "arousal": "self_arousal_before"}[dimension]
        with self.session() as s:
            result = s.execute(
                update(Recommendation)
                .where(
                    col(Recommendation.id) == recommendation_id,
                    col(Recommendation.user_id) == user_id,
                )
                .values({column: value})
            )
            s.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]
