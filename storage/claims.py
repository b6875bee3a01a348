"""Claiming due rows, shared by check-ins, group mixes and delayed Spotify playlists: whichever job sees a row first sends it,
and no other does, with any number of replicas.

Rows are locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas take disjoint rows, and each
claim is a compare-and-set on the row's status, so even on SQLite two processes can never both claim
one row. A claim that lapses (its claimer died before finishing) is due again after the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import Session, col, select

from storage.models import Chat, CheckIn, DeferredPlaylist, GroupMix

Claimable = TypeVar("Claimable", CheckIn, GroupMix, DeferredPlaylist)


def in_platform(
    table: type[CheckIn] | type[GroupMix], platform: str, chat_external_id: str | None = None
) -> ColumnElement[bool]:
    """Rows of this platform's chats (or of one chat): each replica claims for what it serves."""
    chats = select(Chat.id).where(Chat.platform == platform)
    if chat_external_id is not None:
        chats = chats.where(Chat.external_id == chat_external_id)
    return col(table.chat_id).in_(chats)


def claim_due(
    s: Session,
    table: type[Claimable],
    statuses: tuple[str, str],
    now: datetime,
    lease: timedelta,
    limit: int,
    scope: ColumnElement[bool] | None = None,
) -> list[Claimable]:
    """Claim rows (within `scope`) that are due, or whose claim lapsed, oldest due first, and
    commit. `statuses`: (waiting, claimed), e.g. ("pending", "sending"); a claimed row is moved to
    the second, stamped `claimed_at=now`. Returns the rows this caller won."""
    waiting, claimed = statuses
    due = or_(
        and_(col(table.status) == waiting, col(table.due_at) <= now),
        and_(col(table.status) == claimed, col(table.claimed_at) <= now - lease),
    )
    if scope is not None:
        due = and_(due, scope)
    candidates = s.exec(
        select(table)
        .where(due)
        .order_by(col(table.due_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    won = [row for row in candidates if _claim(s, table, row, claimed, now)]
    s.commit()
    return won


def _claim(s: Session, table: type[Claimable], row: Any, status: str, now: datetime) -> bool:
    """Compare-and-set: move a row seen as (status, claimed_at) to `status`, claimed now. Exactly
    one of several racing claimers gets rowcount 1, on SQLite as on PostgreSQL."""
    same_claim = (
        col(table.claimed_at).is_(None)
        if row.claimed_at is None
        else col(table.claimed_at) == row.claimed_at
    )
    result = s.execute(
        update(table)
        .where(col(table.id) == row.id, col(table.status) == row.status, same_claim)
        .values(status=status, claimed_at=now)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
