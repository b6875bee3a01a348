"""Moods in and out of the store: a mood someone told (by text, voice, a button or a correction) is
written as a mood report; a stored report is read back as a `Mood`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.people import Person, Room
from nlp import Mood, MoodEstimator
from nlp.mood import LanguageAwareEstimator
from storage import NewMood, Store
from storage.models import MoodReport

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading


def writing_language(person: Person) -> str | None:
    """The language a person is expected to write in: the one they chose with /language, else
    the one their app reports (any code, not only those Moodwave replies in); None when neither is
    known."""
    return person.chosen_language or person.platform_language


def read_mood(estimator: MoodEstimator, text: str, person: Person) -> Mood:
    """The mood of a person's words. An estimator that reads several languages gets the person's
    `writing_language` as its hint (it reads the text in that language unless its identifier is
    sure of another: `nlp.language_id`); an English-only one gets the text alone."""
    if isinstance(estimator, LanguageAwareEstimator):
        return estimator.estimate_in(text, writing_language(person))
    return estimator.estimate(text)


def record_mood(
    store: Store,
    person: Person,
    room: Room,
    text: str,
    source: str,
    mood: Mood,
    voice: VoiceReading | None = None,
) -> int:
    """Store the mood as a report of this person in this chat; returns the report's id."""
    report = store.add_mood_report(person.id, room.id, new_mood(text, source, mood, voice))
    assert report.id is not None
    return report.id


# Moods told without words (the "not quite" buttons, the SAM scales): no language was read.
WORDLESS_SOURCES = ("correction", "checkin-sam")


def new_mood(text: str, source: str, mood: Mood, voice: VoiceReading | None = None) -> NewMood:
    language = None if source in WORDLESS_SOURCES else mood.language
    heard = (
        {}
        if voice is None
        else {
            "text_valence": voice.text_mood.valence,
            "text_arousal": voice.text_mood.arousal,
            "prosody_arousal": voice.prosody.arousal,
            "prosody_confidence": voice.prosody.confidence,
            "duration_s": voice.duration_seconds,
        }
    )
    return NewMood(
        text,
        source,
        mood.valence,
        mood.arousal,
        mood.confidence,
        mood.model_version,
        language=language,
        **heard,
    )


def mood_of(report: MoodReport) -> Mood:
    return Mood(
        report.valence,
        report.arousal,
        report.confidence,
        report.source,
        report.model_version,
        language=report.language or "en",
    )
