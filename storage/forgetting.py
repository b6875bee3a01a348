"""Forgetting a person (`/forget`): every row that belongs to them goes, children before parents, in
one transaction, and the counts say how many rows left each table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, update
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
    User,
)


def forget(s: Session, user_id: int) -> dict[str, int]:
    """Delete the user's rows in session `s` (the caller commits); rows deleted per table."""
    counts: dict[str, int] = {}
    rec_ids = select(Recommendation.id).where(Recommendation.user_id == user_id)
    item_ids = select(RecommendationItem.id).where(
        col(RecommendationItem.recommendation_id).in_(rec_ids)
    )
    mix_ids = select(GroupMix.id).where(GroupMix.started_by_id == user_id)
    steps: list[tuple[str, Any]] = [
        (
            "group_mix_member",
            delete(GroupMixMember).where(
                or_(
                    col(GroupMixMember.user_id) == user_id,
                    col(GroupMixMember.mix_id).in_(mix_ids),
                )
            ),
        ),
        # Reactions by anyone on this user's items (group members) and by this user.
        (
            "reaction",
            delete(Reaction).where(
                or_(col(Reaction.user_id) == user_id, col(Reaction.item_id).in_(item_ids))
            ),
        ),
        (
            "checkin",
            delete(CheckIn).where(
                or_(
                    col(CheckIn.user_id) == user_id,
                    col(CheckIn.recommendation_id).in_(rec_ids),
                )
            ),
        ),
        ("playlist", delete(Playlist).where(col(Playlist.recommendation_id).in_(rec_ids))),
        (
            "recommendation_item",
            delete(RecommendationItem).where(
                col(RecommendationItem.recommendation_id).in_(rec_ids)
            ),
        ),
        (
            "recommendation",
            delete(Recommendation).where(col(Recommendation.user_id) == user_id),
        ),
        ("mood_report", delete(MoodReport).where(col(MoodReport.user_id) == user_id)),
        (
            "spotify_credential",
            delete(SpotifyCredential).where(col(SpotifyCredential.owner_user_id) == user_id),
        ),
    ]
    # A mix this user started loses its playlist link before the playlist goes.
    s.execute(
        update(GroupMix)
        .where(col(GroupMix.recommendation_id).in_(rec_ids))
        .values(recommendation_id=None)
    )
    steps.append(("group_mix", delete(GroupMix).where(col(GroupMix.started_by_id) == user_id)))
    for table, statement in steps:
        counts[table] = int(s.execute(statement).rowcount)  # type: ignore[attr-defined]
    counts["chat"] = _forget_private_chats(s, user_id)
    counts["user"] = int(
        s.execute(delete(User).where(col(User.id) == user_id)).rowcount  # type: ignore[attr-defined]
    )
    return counts


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
            removed += int(
                s.execute(delete(Chat).where(col(Chat.id) == chat_id)).rowcount  # type: ignore[attr-defined]
            )
    return removed
