"""Mood reports: what a person said (or the transcript of a voice note) and the valence-arousal
reading the estimator gave it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from storage.models import (
    MoodReport,
)
from storage.sessions import Sessions


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
    language: str | None = None  # what the words were read as; None without words


@runtime_checkable
class MoodStore(Protocol):
    """Mood reports, written and read back."""

    def add_mood_report(self, user_id: int, chat_id: int, mood: NewMood) -> MoodReport: ...

    def mood_report(self, report_id: int) -> MoodReport | None: ...


class Moods(Sessions):
    """Mood reports in the database."""

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
            language=mood.language,
        )
        with self.session() as s:
            s.add(report)
            s.commit()  # the id comes back with the insert; nothing to read again
            return report

    def mood_report(self, report_id: int) -> MoodReport | None:
        with self.session() as s:
            return s.get(MoodReport, report_id)
