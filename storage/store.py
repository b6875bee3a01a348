"""The one way the rest of Moodwave reads and writes the database.

`Store` speaks in the domain (users, mood reports, recommendations, reactions, check-ins) and keeps
every SQL statement in this package. Each method is one short transaction, so it is safe to call from
the chat handlers and the check-in job at once, and from several bot processes on PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import updates
from storage.models import (
    CatalogSong,
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
    utcnow,
)

Row = TypeVar("Row", bound=SQLModel)
UPDATE_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class NewMood:
    text: str
    source: str
    valence: float
    arousal: float
    confidence: float
    model_version: str
    text_valence: float | None = None
    text_arousal: float | None = None
    prosody_arousal: float | None = None
    prosody_confidence: float | None = None
    duration_s: float | None = None


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
class DueCheckIn:
    """A claimed check-in with what is needed to deliver it."""

    checkin_id: int
    user_id: int
    platform: str
    chat_external_id: str
    user_external_id: str
    chat_kind: str
    mood_before: MoodReport


@dataclass(frozen=True)
class DueMix:
    """A claimed group mix whose answering time is over."""

    mix_id: int
    chat_id: int
    platform: str
    chat_external_id: str
    strategy: str
    started_by_id: int


@dataclass(frozen=True)
class MixMood:
    """A member's mood for a mix: what they said, or their last known mood in the chat."""

    user: User
    report: MoodReport
    answered: bool


@dataclass(frozen=True)
class ReactionFact:
    """One reaction joined with the song it was about: the input of a taste profile."""

    kind: str
    track_id: str
    artist: str
    genres: tuple[str, ...]
    at: datetime


# Check-in states in which the question has gone (or is going) out and an answer closes it.
ASKED = ("sending", "sent")


def _claim(
    s: Session, table: type[CheckIn] | type[GroupMix], row: Any, status: str, now: datetime
) -> bool:
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


def _chats_of(platform: str, external_id: str | None) -> Any:
    query = select(Chat.id).where(Chat.platform == platform)
    return query if external_id is None else query.where(Chat.external_id == external_id)


class Store:
    def __init__(
        self, engine: Engine, update_lease: timedelta = UPDATE_LEASE, claimer: str | None = None
    ) -> None:
        self.engine = engine
        self.update_lease = update_lease  # how long a claimed update waits before a takeover
        # Who holds the update claims this store takes: this process, or the bot process that a
        # core process works for (both must finish the claims the other took).
        self.claimer = claimer or updates.claimer_id()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- updates -------------------------------------------------------------------------------

    def claim_update(self, platform: str, update_id: str) -> bool:
        """Claim an update for handling; False for a redelivery to drop (done, or another
        claimer's live lease). A lapsed claim (its claimer died) is taken over: `storage.updates`."""
        return updates.claim(
            self.engine, platform, update_id, self.claimer, self.update_lease, utcnow()
        )

    def finish_update(self, platform: str, update_id: str) -> bool:
        """The replies of a claimed update were sent: redeliveries are dropped from now on."""
        return updates.finish(self.engine, platform, update_id, self.claimer)

    def prune_updates(self, platform: str, before: datetime) -> int:
        return updates.prune(self.engine, platform, before)

    def update_state(self, platform: str, update_id: str) -> updates.UpdateState:
        return updates.state(
            self.engine, platform, update_id, self.claimer, self.update_lease, utcnow()
        )

    # -- users and chats -----------------------------------------------------------------------

    def get_or_create_user(
        self, platform: str, external_id: str, display_name: str | None = None
    ) -> User:
        query = select(User).where(User.platform == platform, User.external_id == external_id)
        return self._get_or_create(
            query,
            lambda: User(
                platform=platform,
                external_id=external_id,
                display_name=display_name,
                pseudonym=secrets.token_hex(8),
            ),
        )

    def get_or_create_chat(
        self,
        platform: str,
        external_id: str,
        kind: str,
        title: str | None = None,
        owner_id: int | None = None,
    ) -> Chat:
        query = select(Chat).where(Chat.platform == platform, Chat.external_id == external_id)
        return self._get_or_create(
            query,
            lambda: Chat(
                platform=platform,
                external_id=external_id,
                kind=kind,
                title=title,
                owner_id=owner_id if kind == "private" else None,
            ),
        )

    def _get_or_create(self, query: SelectOfScalar[Row], make: Callable[[], Row]) -> Row:
        with self.session() as s:
            found = s.exec(query).first()
            if found is not None:
                return found
            row = make()
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # another process created it a moment ago
                s.rollback()
                return s.exec(query).one()
            s.refresh(row)
            return row

    def migrate_chat(self, platform: str, old_external_id: str, new_external_id: str) -> None:
        """A chat got a new id (a Telegram group became a supergroup): keep its history."""
        with self.session() as s:
            s.execute(
                update(Chat)
                .where(col(Chat.platform) == platform, col(Chat.external_id) == old_external_id)
                .values(external_id=new_external_id)
            )
            try:
                s.commit()
            except IntegrityError:  # the new chat already exists: it carries on from here
                s.rollback()

    def chat(self, chat_id: int) -> Chat | None:
        with self.session() as s:
            return s.get(Chat, chat_id)

    def user(self, user_id: int) -> User | None:
        with self.session() as s:
            return s.get(User, user_id)

    def set_preferred_mode(self, user_id: int, mode: str) -> None:
        self._update_user(user_id, preferred_mode=mode)

    def set_research_consent(self, user_id: int, consent: bool) -> None:
        self._update_user(user_id, research_consent=consent, consent_changed_at=utcnow())

    def set_checkin_preferences(
        self, user_id: int, enabled: bool, delay_s: float | None = None
    ) -> None:
        values: dict[str, Any] = {"checkins_enabled": enabled}
        if delay_s is not None:
            values["checkin_delay_s"] = delay_s
        self._update_user(user_id, **values)
        if not enabled:  # nothing more is asked: pending check-ins of this user are dropped
            with self.session() as s:
                s.execute(
                    update(CheckIn)
                    .where(col(CheckIn.user_id) == user_id, col(CheckIn.status) == "pending")
                    .values(status="cancelled")
                )
                s.commit()

    def _update_user(self, user_id: int, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(User).where(col(User.id) == user_id).values(**values))
            s.commit()

    # -- moods ---------------------------------------------------------------------------------

    def add_mood_report(self, user_id: int, chat_id: int, mood: NewMood) -> MoodReport:
        report = MoodReport(
            user_id=user_id,
            chat_id=chat_id,
            text=mood.text,
            source=mood.source,
            valence=mood.valence,
            arousal=mood.arousal,
            confidence=mood.confidence,
            model_version=mood.model_version,
            text_valence=mood.text_valence,
            text_arousal=mood.text_arousal,
            prosody_arousal=mood.prosody_arousal,
            prosody_confidence=mood.prosody_confidence,
            duration_s=mood.duration_s,
        )
        with self.session() as s:
            s.add(report)
            s.commit()  # the id comes back with the insert; nothing to read again
            return report

    def mood_report(self, report_id: int) -> MoodReport | None:
        with self.session() as s:
            return s.get(MoodReport, report_id)

    # -- catalog -------------------------------------------------------------------------------

    def song_count(self) -> int:
        with self.session() as s:
            return s.exec(select(func.count()).select_from(CatalogSong)).one()

    def upsert_songs(self, songs: Iterable[dict[str, Any]], batch: int = 2000) -> tuple[int, int]:
        """Insert new songs and update changed ones, keyed by `track_id`. Returns (added, updated)."""
        added = updated = 0
        pending: list[dict[str, Any]] = []
        for song in songs:
            pending.append(song)
            if len(pending) >= batch:
                a, u = self._upsert_batch(pending)
                added, updated, pending = added + a, updated + u, []
        if pending:
            a, u = self._upsert_batch(pending)
            added, updated = added + a, updated + u
        return added, updated

    def _upsert_batch(self, songs: list[dict[str, Any]]) -> tuple[int, int]:
        ids = [song["track_id"] for song in songs]
        added = updated = 0
        with self.session() as s:
            existing = {
                row.track_id: row
                for row in s.exec(select(CatalogSong).where(col(CatalogSong.track_id).in_(ids)))
            }
            for song in songs:
                row = existing.get(song["track_id"])
                if row is None:
                    s.add(CatalogSong(**song))
                    added += 1
                    continue
                changes = {k: v for k, v in song.items() if getattr(row, k) != v}
                if changes:
                    for key, value in changes.items():
                        setattr(row, key, value)
                    row.updated_at = utcnow()
                    updated += 1
            s.commit()
        return added, updated

    def all_songs(self) -> list[CatalogSong]:
        with self.session() as s:
            return list(s.exec(select(CatalogSong).order_by(col(CatalogSong.id))))

    def song_ids(self, track_ids: Sequence[str]) -> dict[str, int]:
        with self.session() as s:
            rows = s.exec(
                select(CatalogSong.track_id, CatalogSong.id).where(
                    col(CatalogSong.track_id).in_(list(track_ids))
                )
            )
            return {track_id: song_id for track_id, song_id in rows if song_id is not None}

    # -- recommendations -----------------------------------------------------------------------

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

    def song(self, song_id: int) -> CatalogSong | None:
        with self.session() as s:
            return s.get(CatalogSong, song_id)

    def recent_track_ids(self, user_id: int, since: datetime) -> set[str]:
        with self.session() as s:
            rows = s.exec(
                select(CatalogSong.track_id)
                .join(RecommendationItem, col(RecommendationItem.song_id) == CatalogSong.id)
                .join(Recommendation)
                .where(Recommendation.user_id == user_id, Recommendation.created_at >= since)
            )
            return set(rows)

    # -- reactions -----------------------------------------------------------------------------

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

    # -- check-ins -----------------------------------------------------------------------------

    def schedule_checkin(
        self,
        recommendation: Recommendation | SavedRecommendation,
        mood_before_id: int,
        due_at: datetime,
        user_id: int | None = None,
    ) -> CheckIn:
        """Write the check-in for a recommendation. An older one in the same chat that was not
        asked yet is superseded: the person hears "how do you feel now?" once, about the latest."""
        assert recommendation.id is not None
        user_id = user_id if user_id is not None else recommendation.user_id
        with self.session() as s:
            s.execute(
                update(CheckIn)
                .where(
                    col(CheckIn.user_id) == user_id,
                    col(CheckIn.chat_id) == recommendation.chat_id,
                    col(CheckIn.status) == "pending",
                )
                .values(status="superseded")
            )
            checkin = CheckIn(
                user_id=user_id,
                chat_id=recommendation.chat_id,
                recommendation_id=recommendation.id,
                mood_before_id=mood_before_id,
                due_at=due_at,
            )
            s.add(checkin)
            s.commit()
            return checkin

    def claim_due_checkins(
        self,
        platform: str,
        now: datetime,
        lease: timedelta,
        limit: int = 100,
        chat_external_id: str | None = None,
    ) -> list[DueCheckIn]:
        """Claim check-ins that are due (or whose earlier claim lapsed without being sent).

        Rows are locked with FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas take disjoint rows,
        and each claim is a compare-and-set on the row's status, so even on SQLite two processes
        can never both claim one check-in.
        """
        due = and_(
            or_(
                and_(col(CheckIn.status) == "pending", col(CheckIn.due_at) <= now),
                and_(col(CheckIn.status) == "sending", col(CheckIn.claimed_at) <= now - lease),
            ),
            col(CheckIn.chat_id).in_(_chats_of(platform, chat_external_id)),
        )
        claimed: list[DueCheckIn] = []
        with self.session() as s:
            candidates = s.exec(
                select(CheckIn)
                .where(due)
                .order_by(col(CheckIn.due_at))
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            won = [row for row in candidates if _claim(s, CheckIn, row, "sending", now)]
            s.commit()
            for row in won:
                assert row.id is not None
                chat = s.get(Chat, row.chat_id)
                user = s.get(User, row.user_id)
                before = s.get(MoodReport, row.mood_before_id)
                if chat is None or user is None or before is None:
                    continue
                claimed.append(
                    DueCheckIn(
                        row.id,
                        row.user_id,
                        chat.platform,
                        chat.external_id,
                        user.external_id,
                        chat.kind,
                        before,
                    )
                )
        return claimed

    def mark_checkin_sent(self, checkin_id: int, now: datetime) -> None:
        with self.session() as s:
            s.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == checkin_id, col(CheckIn.status) == "sending")
                .values(status="sent", sent_at=now)
            )
            s.commit()

    def open_checkin(self, user_id: int, chat_id: int) -> CheckIn | None:
        """The check-in this user was asked in this chat and has not answered yet. A question still
        on its way ("sending": the job has sent it but not yet marked it sent) counts as asked: a
        person who answers within that moment answers it, and the job then leaves it answered."""
        with self.session() as s:
            return s.exec(
                select(CheckIn)
                .where(
                    CheckIn.user_id == user_id,
                    CheckIn.chat_id == chat_id,
                    col(CheckIn.status).in_(ASKED),
                )
                .order_by(col(CheckIn.id).desc())
            ).first()

    def answer_checkin(self, checkin_id: int, mood_after_id: int, now: datetime) -> bool:
        """Close a check-in with the answer's mood report; False if it was no longer open."""
        with self.session() as s:
            result = s.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == checkin_id, col(CheckIn.status).in_(ASKED))
                .values(status="answered", mood_after_id=mood_after_id, answered_at=now)
            )
            s.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def expire_checkins(self, now: datetime, answer_window: timedelta) -> int:
        """Check-ins asked longer ago than the answer window are closed as expired."""
        with self.session() as s:
            result = s.execute(
                update(CheckIn)
                .where(col(CheckIn.status) == "sent", col(CheckIn.sent_at) <= now - answer_window)
                .values(status="expired")
            )
            s.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    def checkin_playlist(self, checkin_id: int) -> tuple[Recommendation, list[str]] | None:
        """The recommendation a check-in is about, and its songs' track ids in order."""
        with self.session() as s:
            checkin = s.get(CheckIn, checkin_id)
            recommendation = s.get(Recommendation, checkin.recommendation_id) if checkin else None
            if recommendation is None:
                return None
            tracks = s.exec(
                select(CatalogSong.track_id)
                .join(RecommendationItem, col(RecommendationItem.song_id) == CatalogSong.id)
                .where(RecommendationItem.recommendation_id == recommendation.id)
                .order_by(col(RecommendationItem.position))
            ).all()
            return recommendation, list(tracks)

    def checkin(self, checkin_id: int) -> CheckIn | None:
        with self.session() as s:
            return s.get(CheckIn, checkin_id)

    # -- self-reports (Self-Assessment Manikin) ------------------------------------------------

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

    def self_report_after(
        self, checkin_id: int, user_id: int, dimension: str, value: float
    ) -> CheckIn | None:
        """The person's own rating of their mood at a check-in of theirs that was asked (open or
        already answered in words); None when it is not theirs, not asked yet, or expired."""
        column = {"valence": "self_valence", "arousal": "self_arousal"}[dimension]
        with self.session() as s:
            result = s.execute(
                update(CheckIn)
                .where(
                    col(CheckIn.id) == checkin_id,
                    col(CheckIn.user_id) == user_id,
                    col(CheckIn.status).in_(("sent", "answered")),
                )
                .values({column: value})
            )
            s.commit()
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return s.get(CheckIn, checkin_id)

    # -- group mixes ---------------------------------------------------------------------------

    def open_mix(self, chat_id: int) -> GroupMix | None:
        with self.session() as s:
            return s.exec(
                select(GroupMix).where(GroupMix.chat_id == chat_id, GroupMix.status == "open")
            ).first()

    def start_mix(self, chat_id: int, user_id: int, strategy: str, due_at: datetime) -> GroupMix:
        mix = GroupMix(chat_id=chat_id, started_by_id=user_id, strategy=strategy, due_at=due_at)
        with self.session() as s:
            s.add(mix)
            s.commit()
            s.refresh(mix)
            return mix

    def join_mix(self, mix_id: int, user_id: int, mood_report_id: int) -> int:
        """Record a member's mood for the mix (a second answer replaces the first); returns how
        many members have answered."""
        with self.session() as s:
            member = s.exec(
                select(GroupMixMember).where(
                    GroupMixMember.mix_id == mix_id, GroupMixMember.user_id == user_id
                )
            ).first()
            if member is None:
                s.add(GroupMixMember(mix_id=mix_id, user_id=user_id, mood_report_id=mood_report_id))
            else:
                member.mood_report_id = mood_report_id
                s.add(member)
            s.commit()
            return int(
                s.exec(
                    select(func.count())
                    .select_from(GroupMixMember)
                    .where(GroupMixMember.mix_id == mix_id)
                ).one()
            )

    def claim_due_mixes(self, platform: str, now: datetime, lease: timedelta) -> list[DueMix]:
        """Claim mixes whose time is up, one claimer per mix (as with check-ins)."""
        due = and_(
            or_(
                and_(col(GroupMix.status) == "open", col(GroupMix.due_at) <= now),
                and_(col(GroupMix.status) == "closing", col(GroupMix.claimed_at) <= now - lease),
            ),
            col(GroupMix.chat_id).in_(_chats_of(platform, None)),
        )
        claimed: list[DueMix] = []
        with self.session() as s:
            rows = s.exec(
                select(GroupMix).where(due).limit(50).with_for_update(skip_locked=True)
            ).all()
            won = [row for row in rows if _claim(s, GroupMix, row, "closing", now)]
            s.commit()
            for row in won:
                chat = s.get(Chat, row.chat_id)
                if chat is not None and row.id is not None:
                    claimed.append(
                        DueMix(
                            row.id,
                            row.chat_id,
                            chat.platform,
                            chat.external_id,
                            row.strategy,
                            row.started_by_id,
                        )
                    )
        return claimed

    def mix_moods(self, mix_id: int, chat_id: int, since: datetime) -> list[MixMood]:
        """Members who answered, then everyone else with a mood in this chat since `since` (their
        latest), so a member who stayed quiet still counts with how they last felt."""
        with self.session() as s:
            answered = s.exec(
                select(User, MoodReport)
                .join(GroupMixMember, col(GroupMixMember.user_id) == User.id)
                .join(MoodReport, col(GroupMixMember.mood_report_id) == MoodReport.id)
                .where(GroupMixMember.mix_id == mix_id)
                .order_by(col(GroupMixMember.id))
            ).all()
            moods = [MixMood(user, report, True) for user, report in answered]
            seen = {user.id for user, _ in answered}
            recent = s.exec(
                select(User, MoodReport)
                .join(MoodReport, col(MoodReport.user_id) == User.id)
                .where(MoodReport.chat_id == chat_id, MoodReport.created_at >= since)
                .order_by(col(MoodReport.id).desc())
            ).all()
            for user, report in recent:
                if user.id not in seen:
                    seen.add(user.id)
                    moods.append(MixMood(user, report, False))
            return moods

    def finish_mix(self, mix_id: int, recommendation_id: int | None) -> None:
        with self.session() as s:
            s.execute(
                update(GroupMix)
                .where(col(GroupMix.id) == mix_id)
                .values(
                    status="done" if recommendation_id else "empty",
                    recommendation_id=recommendation_id,
                )
            )
            s.commit()

    # -- plain values in, ids out (what the conversation core writes) -------------------------

    def record_recommendation(
        self, new: NewRecommendation, items: Sequence[NewItem]
    ) -> SavedRecommendation:
        recommendation, rows = self.save_recommendation(Recommendation(**asdict(new)), items)
        assert recommendation.id is not None and all(row.id is not None for row in rows)
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

    # -- forgetting ----------------------------------------------------------------------------

    def forget_user(self, user_id: int) -> dict[str, int]:
        """Delete everything that belongs to the user, children before parents, in one transaction.
        Returns how many rows went from each table."""
        counts: dict[str, int] = {}
        with self.session() as s:
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
                    delete(SpotifyCredential).where(
                        col(SpotifyCredential.owner_user_id) == user_id
                    ),
                ),
            ]
            # A mix this user started loses its playlist link before the playlist goes.
            s.execute(
                update(GroupMix)
                .where(col(GroupMix.recommendation_id).in_(rec_ids))
                .values(recommendation_id=None)
            )
            steps.append(
                ("group_mix", delete(GroupMix).where(col(GroupMix.started_by_id) == user_id))
            )
            for table, statement in steps:
                counts[table] = int(s.execute(statement).rowcount)  # type: ignore[attr-defined]
            counts["chat"] = self._forget_private_chats(s, user_id)
            counts["user"] = int(
                s.execute(delete(User).where(col(User.id) == user_id)).rowcount  # type: ignore[attr-defined]
            )
            s.commit()
        return counts

    @staticmethod
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
