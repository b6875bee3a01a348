"""Forgetting a person (`/forget`): every row that belongs to them goes, children before parents, in
one transaction, and the counts say how many rows left each table.

Rows other people share are detached rather than deleted: a group mix the person led keeps its
playlist and songs for the members, without the person or their mood (`Recommendation.user_id` and
`mood_report_id` emptied, `GroupMix.started_by_id` emptied), and the other members keep their
answers, check-ins and reactions. Only the person's own rows go."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, union, update
from sqlmodel import Session, col, select

from storage.models import (
    Chat,
    CheckIn,
    GroupMix,
    GroupMixMember,
    MoodReport,
    Playlist,
    Reaction,
    Recommendation,
    RecommendationItem,
    SpotifyCredential,
    SpotifyLinkState,
    User,
)


def forget(s: Session, user_id: int) -> dict[str, int]:
    """Delete the user's rows in session `s` (the caller commits); rows deleted per table, and
    how many shared recommendations and mixes were detached from them."""
    shared = _shared_recommendations(s, user_id)
    own_recs = select(Recommendation.id).where(
        Recommendation.user_id == user_id, col(Recommendation.id).not_in(shared)
    )
    own_items = select(RecommendationItem.id).where(
        col(RecommendationItem.recommendation_id).in_(own_recs)
    )
    steps: list[tuple[str, Any]] = [
        ("group_mix_member", delete(GroupMixMember).where(col(GroupMixMember.user_id) == user_id)),
        (
            "reaction",
            delete(Reaction).where(
                or_(col(Reaction.user_id) == user_id, col(Reaction.item_id).in_(own_items))
            ),
        ),
        (
            "checkin",
            delete(CheckIn).where(
                or_(col(CheckIn.user_id) == user_id, col(CheckIn.recommendation_id).in_(own_recs))
            ),
        ),
        ("playlist", delete(Playlist).where(col(Playlist.recommendation_id).in_(own_recs))),
        (
            "recommendation_item",
            delete(RecommendationItem).where(
                col(RecommendationItem.recommendation_id).in_(own_recs)
            ),
        ),
    ]
    counts: dict[str, int] = {}
    for table, statement in steps:
        counts[table] = _rows(s, statement)
    counts["recommendation_detached"] = _rows(
        s,
        update(Recommendation)
        .where(col(Recommendation.id).in_(shared))
        .values(
            user_id=None, mood_report_id=None, self_valence_before=None, self_arousal_before=None
        ),
    )
    counts["recommendation"] = _rows(
        s, delete(Recommendation).where(col(Recommendation.user_id) == user_id)
    )
    counts["group_mix"], counts["group_mix_detached"] = _forget_mixes(s, user_id)
    counts["mood_report"] = _rows(s, delete(MoodReport).where(col(MoodReport.user_id) == user_id))
    counts["spotify_credential"] = _rows(
        s, delete(SpotifyCredential).where(col(SpotifyCredential.owner_user_id) == user_id)
    )
    counts["spotify_link_state"] = _rows(
        s, delete(SpotifyLinkState).where(col(SpotifyLinkState.user_id) == user_id)
    )
    counts["chat"] = _forget_private_chats(s, user_id)
    counts["user"] = _rows(s, delete(User).where(col(User.id) == user_id))
    return counts


def _shared_recommendations(s: Session, user_id: int) -> list[int]:
    """The user's recommendations other people have rows on: a group mix's shared playlist, or
    songs another member reacted to or was asked about."""
    mine = select(Recommendation.id).where(Recommendation.user_id == user_id)
    ids = s.execute(
        union(
            select(col(GroupMix.recommendation_id)).where(
                col(GroupMix.recommendation_id).in_(mine)
            ),
            select(col(CheckIn.recommendation_id)).where(
                col(CheckIn.user_id) != user_id, col(CheckIn.recommendation_id).in_(mine)
            ),
            select(col(RecommendationItem.recommendation_id))
            .join(Reaction, col(Reaction.item_id) == col(RecommendationItem.id))
            .where(
                col(Reaction.user_id) != user_id,
                col(RecommendationItem.recommendation_id).in_(mine),
            ),
        )
    ).scalars()
    return sorted({int(i) for i in ids if i is not None})


def _forget_mixes(s: Session, user_id: int) -> tuple[int, int]:
    """Mixes the user started: deleted when nobody else answered and no playlist came of them,
    else kept without their starter. Returns (deleted, detached)."""
    started = s.exec(select(GroupMix).where(GroupMix.started_by_id == user_id)).all()
    deleted = detached = 0
    for mix in started:
        others = s.exec(
            select(func.count()).select_from(GroupMixMember).where(GroupMixMember.mix_id == mix.id)
        ).one()
        if others or mix.recommendation_id is not None:
            detached += _rows(
                s, update(GroupMix).where(col(GroupMix.id) == mix.id).values(started_by_id=None)
            )
        else:
            deleted += _rows(s, delete(GroupMix).where(col(GroupMix.id) == mix.id))
    return deleted, detached


def _rows(s: Session, statement: Any) -> int:
    return int(s.execute(statement).rowcount)  # type: ignore[attr-defined]


def _forget_private_chats(s: Session, user_id: int) -> int:
    # Another user's rows may still point at a private chat only if they were in it, which a
    # private chat does not allow; still, keep the chat when anything else references it.
    chats = s.exec(select(Chat.id).where(Chat.owner_id == user_id)).all()
    removed = 0
    for chat_id in chats:
        used = s.exec(
            select(func.count()).select_from(MoodReport).where(MoodReport.chat_id == chat_id)
        ).one()
        if used:
            s.execute(update(Chat).where(col(Chat.id) == chat_id).values(owner_id=None))
        else:
            removed += _rows(s, delete(Chat).where(col(Chat.id) == chat_id))
    return removed
