"""Moods in and out of the store: a mood someone told (by text, voice, a button or a correction) is
written as a mood report; a stored report is read back as a `Mood`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.people import Person, Room
from nlp import Mood
from storage import NewMood, Store
from storage.models import MoodReport

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading


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


def new_mood(text: str, source: str, mood: Mood, voice: VoiceReading | None = None) -> NewMood:
    if voice is None:
        return NewMood(
            text, source, mood.valence, mood.arousal, mood.confidence, mood.model_version
        )
    return NewMood(
        text,
        source,
        mood.valence,
        mood.arousal,
        mood.confidence,
        mood.model_version,
        text_valence=voice.text_mood.valence,
        text_arousal=voice.text_mood.arousal,
        prosody_arousal=voice.prosody.arousal,
        prosody_confidence=voice.prosody.confidence,
        duration_s=voice.duration_seconds,
    )


def mood_of(report: MoodReport) -> Mood:
    return Mood(
        report.valence, report.arousal, report.confidence, report.source, report.model_version
    )
