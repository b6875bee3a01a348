"""Answers to "how do you feel now?": in words (or a voice note) while a check-in is open, or on the
two Self-Assessment Manikin scales. An answer is stored against the mood before; a mood that moved
toward the playlist's target rewards its songs at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core import replies
from bot.core.events import Outgoing
from bot.core.moods import mood_of, record_mood
from bot.core.people import Person, Room
from bot.core.study import SAM_VERSION, SamPress, sam_point
from nlp import Mood
from recommender import Recommender
from recommender.ranking import Feedback, LearningRecommender
from storage import DueCheckIn, Store
from storage.checkins import ASKED
from storage.ranker_data import IMPROVED_BY

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading


class CheckInAnswers:
    def __init__(
        self, store: Store, recommender: Recommender, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.recommender = recommender
        self.clock = clock

    def question(self, due: DueCheckIn, name: str | None) -> Outgoing:
        """The check-in question (`name`: whom it is for, in a group chat)."""
        return Outgoing(
            replies.checkin_question(name, mood_of(due.mood_before)),
            replies.sam_buttons("c", due.checkin_id),
        )

    def answer(
        self,
        person: Person,
        room: Room,
        checkin_id: int,
        before_id: int,
        text: str,
        mood: Mood,
        voice: VoiceReading | None = None,
        source: str | None = None,
    ) -> list[Outgoing]:
        source = source or ("checkin-voice" if voice else "checkin")
        report_id = record_mood(self.store, person, room, text, source, mood, voice)
        if not self.store.answer_checkin(checkin_id, report_id, self.clock()):
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        before = self.store.mood_report(before_id)
        if before is None:
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        self._reward_if_improved(person, checkin_id, mood_of(before), mood)
        return [Outgoing(replies.checkin_thanks(mood_of(before), mood))]

    def _reward_if_improved(
        self, person: Person, checkin_id: int, before: Mood, after: Mood
    ) -> None:
        """A check-in whose mood moved toward the playlist's target rewards its songs at once (the
        same rule the batch refit and the replay use)."""
        if not isinstance(self.recommender, LearningRecommender):
            return
        found = self.store.checkin_playlist(checkin_id)
        if found is None:
            return
        recommendation, track_ids = found
        target = Mood(recommendation.target_valence, recommendation.target_arousal)
        if before.distance_to(target) - after.distance_to(target) < IMPROVED_BY:
            return
        for track_id in track_ids:
            self.recommender.observe(
                Feedback(person.pseudonym, track_id, before, "checkin-improved")
            )

    def self_report(self, person: Person, room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        """A Self-Assessment Manikin button: the person's own 1-5 rating of how pleasant ("v") or
        how energetic ("a") they feel, before a recommendation ("r") or at a check-in ("c"). Both
        scales of an open check-in answer it, as words would."""
        press = SamPress.parse(args)
        if press is None:
            return [Outgoing(replies.SAM_HELP)]
        if press.target == "r":
            if not self.store.self_report_before(
                press.target_id, person.id, press.dimension, press.value
            ):
                return [replies.notice(replies.SAM_NOT_YOURS)]
            return [replies.notice(replies.sam_noted(press.dimension, press.point, False))]
        checkin = self.store.self_report_after(
            press.target_id, person.id, press.dimension, press.value
        )
        if checkin is None or checkin.id is None:
            asked = self.store.checkin(press.target_id)
            mine = asked is not None and asked.user_id == person.id
            return [replies.notice(replies.SAM_CLOSED if mine else replies.SAM_NOT_YOURS)]
        valence, arousal = checkin.self_valence, checkin.self_arousal
        if checkin.status in ASKED and valence is not None and arousal is not None:
            return self.answer(
                person,
                room,
                checkin.id,
                checkin.mood_before_id,
                f"(self-report: pleasant {sam_point(valence)}/5, energetic {sam_point(arousal)}/5)",
                Mood(valence, arousal, 1.0, "sam", SAM_VERSION),
                source="checkin-sam",
            )
        waiting = checkin.status in ASKED  # and one scale still to come
        return [replies.notice(replies.sam_noted(press.dimension, press.point, waiting))]
