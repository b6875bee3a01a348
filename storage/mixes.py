"""Group mixes: one shared playlist for a group chat, opened by a member, answered by the others
for a while, then claimed and closed by one job (`storage.claims`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.claims import claim_due, in_platform
from storage.models import (
    Chat,
    GroupMix,
    GroupMixMember,
    MoodReport,
    Recommendation,
    User,
)
from storage.sessions import Sessions


@dataclass(frozen=True)
class DueMix:
    """A claimed group mix whose answering time is over."""

    mix_id: int
    chat_id: int
    platform: str
    chat_external_id: str
    strategy: str
    started_by_id: int | None  # None: the member who started it was forgotten since
    due_at: datetime | None = None
    recommendation_id: int | None = None  # its playlist, once made
    reply: str | None = None  # the replies made for it and not yet delivered (JSON)


@dataclass(frozen=True)
class MixMood:
    """A member's mood for a mix: what they said, or their last known mood in the chat."""

    user: User
    report: MoodReport
    answered: bool


@runtime_checkable
class MixStore(Protocol):
    """Group mixes, as the conversation and the mix job use them."""

    def open_mix(self, chat_id: int) -> GroupMix | None: ...

    def start_mix(
        self, chat_id: int, user_id: int, strategy: str, due_at: datetime
    ) -> GroupMix: ...

    def join_mix(self, mix_id: int, user_id: int, mood_report_id: int) -> int: ...

    def claim_due_mixes(self, platform: str, now: datetime, lease: timedelta) -> list[DueMix]: ...

    def mix_moods(self, mix_id: int, chat_id: int, since: datetime) -> list[MixMood]: ...

    def hold_mix_reply(self, mix_id: int, recommendation_id: int, reply: str) -> None: ...

    def mix(self, mix_id: int) -> GroupMix | None: ...

    def mix_recommendation(self, mix_id: int) -> Recommendation | None: ...

    def finish_mix(
        self, mix_id: int, recommendation_id: int | None, delivered: bool = True
    ) -> None: ...


class Mixes(Sessions):
    """Group mixes in the database."""

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
        """Claim mixes whose time is up, one claimer per mix (as with check-ins): see
        `storage.claims`."""
        claimed: list[DueMix] = []
        with self.session() as s:
            scope = in_platform(GroupMix, platform)
            won = claim_due(s, GroupMix, ("open", "closing"), now, lease, 50, scope)
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
                            row.due_at,
                            row.recommendation_id,
                            row.reply,
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

    def hold_mix_reply(self, mix_id: int, recommendation_id: int, reply: str) -> None:
        """The mix's playlist is made and these replies (JSON) still wait for delivery: a retry
        after the lease sends them, not a second playlist."""
        with self.session() as s:
            s.execute(
                update(GroupMix)
                .where(col(GroupMix.id) == mix_id, col(GroupMix.status) == "closing")
                .values(recommendation_id=recommendation_id, reply=reply)
            )
            s.commit()

    def mix(self, mix_id: int) -> GroupMix | None:
        with self.session() as s:
            return s.get(GroupMix, mix_id)

    def mix_recommendation(self, mix_id: int) -> Recommendation | None:
        """The shared playlist's recommendation, once the mix has one."""
        with self.session() as s:
            mix = s.get(GroupMix, mix_id)
            if mix is None or mix.recommendation_id is None:
                return None
            return s.get(Recommendation, mix.recommendation_id)

    def finish_mix(
        self, mix_id: int, recommendation_id: int | None, delivered: bool = True
    ) -> None:
        status = "undelivered" if not delivered else "done" if recommendation_id else "empty"
        with self.session() as s:
            s.execute(
                update(GroupMix)
                .where(col(GroupMix.id) == mix_id)
                .values(status=status, recommendation_id=recommendation_id, reply=None)
            )
            s.commit()
