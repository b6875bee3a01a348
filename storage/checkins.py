"""Check-ins: "how do you feel now?" some time after a playlist, claimed by one job when due
(`storage.claims`), answered in words or on the self-report scales, or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import update
from sqlmodel import col, select

from storage.claims import claim_due, in_platform
from storage.models import (
    CatalogSong,
    Chat,
    CheckIn,
    MoodReport,
    Recommendation,
    RecommendationItem,
    User,
)
from storage.recommendations import SavedRecommendation
from storage.sessions import Sessions


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
    claimed_at: datetime | None = None  # this claim's stamp: the send begins only if still ours


# A check-in's states: pending -> sending (claimed by one job run) -> asking (its question is on the
# way) -> sent | maybe-sent (the send timed out, or its sender died mid-way: it may have arrived, so
# it is never sent again) -> answered | expired. A send that surely failed goes back to sending,
# and the lease retries it.
SENT = ("sent", "maybe-sent")
# States in which the question has gone (or is going) out and an answer closes it.
ASKED = ("asking", *SENT)


@runtime_checkable
class CheckInStore(Protocol):
    """Check-ins, as the conversation and the check-in job use them."""

    def schedule_checkin(
        self,
        recommendation: Recommendation | SavedRecommendation,
        mood_before_id: int,
        due_at: datetime,
        user_id: int | None = None,
    ) -> CheckIn: ...

    def claim_due_checkins(
        self,
        platform: str,
        now: datetime,
        lease: timedelta,
        limit: int = 100,
        chat_external_id: str | None = None,
    ) -> list[DueCheckIn]: ...

    def begin_checkin_send(
        self, checkin_id: int, claimed_at: datetime | None, now: datetime
    ) -> bool: ...

    def mark_checkin_sent(self, checkin_id: int, now: datetime, certain: bool = True) -> None: ...

    def release_checkin(self, checkin_id: int) -> None: ...

    def settle_lapsed_sends(self, now: datetime, lease: timedelta) -> int: ...

    def open_checkin(self, user_id: int, chat_id: int) -> CheckIn | None: ...

    def answer_checkin(self, checkin_id: int, mood_after_id: int, now: datetime) -> bool: ...

    def expire_checkins(self, now: datetime, answer_window: timedelta) -> int: ...

    def checkin_playlist(self, checkin_id: int) -> tuple[Recommendation, list[str]] | None: ...

    def checkin(self, checkin_id: int) -> CheckIn | None: ...

    def self_report_after(
        self, checkin_id: int, user_id: int, dimension: str, value: float
    ) -> CheckIn | None: ...


class CheckIns(Sessions):
    """Check-ins in the database."""

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
        assert user_id is not None, "a detached recommendation's check-ins name their member"
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
        """Claim check-ins that are due (or whose earlier claim lapsed without being sent): see
        `storage.claims`. `chat_external_id` narrows it to one chat (the console serves one)."""
        claimed: list[DueCheckIn] = []
        with self.session() as s:
            scope = in_platform(CheckIn, platform, chat_external_id)
            won = claim_due(s, CheckIn, ("pending", "sending"), now, lease, limit, scope)
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
                        row.claimed_at,
                    )
                )
        return claimed

    def begin_checkin_send(
        self, checkin_id: int, claimed_at: datetime | None, now: datetime
    ) -> bool:
        """Just before the question goes out: sending -> asking, sent at `now` (an answer may come
        before the send is confirmed), only while the claim is still the caller's (a claim that
        lapsed meanwhile may have been taken by another job). False: skip it."""
        same_claim = (
            col(CheckIn.claimed_at).is_(None)
            if claimed_at is None
            else col(CheckIn.claimed_at) == claimed_at
        )
        with self.session() as s:
            result = s.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == checkin_id, col(CheckIn.status) == "sending", same_claim)
                .values(status="asking", sent_at=now)
            )
            s.commit()
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def mark_checkin_sent(self, checkin_id: int, now: datetime, certain: bool = True) -> None:
        """The question went out (`certain`), or may have (a send cut off after it could have
        reached the platform): maybe-sent, which is never sent again and closes like sent."""
        froms = ("sending", "asking", "maybe-sent") if certain else ("sending", "asking")
        with self.session() as s:
            s.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == checkin_id, col(CheckIn.status).in_(froms))
                .values(status="sent" if certain else "maybe-sent", sent_at=now)
            )
            s.commit()

    def release_checkin(self, checkin_id: int) -> None:
        """The send surely failed (nothing reached the platform): claimed again, so that the lease
        retries it."""
        with self.session() as s:
            s.execute(
                update(CheckIn)
                .where(col(CheckIn.id) == checkin_id, col(CheckIn.status) == "asking")
                .values(status="sending", sent_at=None)
            )
            s.commit()

    def settle_lapsed_sends(self, now: datetime, lease: timedelta) -> int:
        """Questions whose sender stopped mid-send (it died, or hangs past the lease) may have gone
        out: they become maybe-sent rather than asked again."""
        with self.session() as s:
            result = s.execute(
                update(CheckIn)
                .where(col(CheckIn.status) == "asking", col(CheckIn.claimed_at) <= now - lease)
                .values(status="maybe-sent")
            )
            s.commit()
            return int(result.rowcount)  # type: ignore[attr-defined]

    def open_checkin(self, user_id: int, chat_id: int) -> CheckIn | None:
        """The check-in this user was asked in this chat and has not answered yet. A question still
        on its way ("asking": the job is sending it and has not yet marked it sent) counts as asked:
        a person who answers within that moment answers it, and the job then leaves it answered."""
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
                .where(col(CheckIn.status).in_(SENT), col(CheckIn.sent_at) <= now - answer_window)
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
                    col(CheckIn.status).in_((*ASKED, "answered")),
                )
                .values({column: value})
            )
            s.commit()
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return s.get(CheckIn, checkin_id)
