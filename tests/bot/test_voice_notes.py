"""Voice notes through the conversation: what was heard and read is shown, the mood leads to songs,
both readings are stored beside the fused mood, and a bad note gets its message. Speech is
synthesised offline with espeak-ng and sent as Telegram sends it (OGG/Opus, 48 kHz mono)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.events import Command, VoiceNote
from nlp.voice.analyzer import VoiceAnalyzer
from storage.models import MoodReport
from tests.bot.conftest import Harness
from tests.nlp import voice_samples

if voice_samples.missing_tools():
    pytest.fail(
        f"voice tests need {', '.join(voice_samples.missing_tools())}: "
        "run scripts/install-system-packages.sh (make test does)",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def note() -> bytes:
    return voice_samples.telegram_note("I am so happy and excited about tonight")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_voice_note_is_heard_read_and_answered_with_songs(harness: Harness, note: bytes) -> None:
    harness.conversation.voice = VoiceAnalyzer.load(harness.conversation.estimator)
    heard, playlist = harness.send(VoiceNote(note, "audio/ogg"))
    assert heard.text.startswith("I heard:") and "happy" in heard.text.lower()
    assert playlist.entries
    with harness.store.session() as s:
        (report,) = s.exec(select(MoodReport)).all()
    assert report.source == "voice" and "happy" in report.text.lower()
    assert report.text_valence is not None and report.prosody_arousal is not None
    assert report.duration_s is not None and report.duration_s > 1
    (refused,) = harness.send(VoiceNote(b"OggS not really a voice note", "audio/ogg"))
    assert "couldn't" in refused.text.lower() or "could not" in refused.text.lower()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_note_is_told_in_the_persons_language(harness: Harness) -> None:
    """English readers get the voice path's own detailed message; others the same refusal from the
    catalogues, never English."""
    harness.conversation.voice = VoiceAnalyzer.load(harness.conversation.estimator)
    broken = VoiceNote(b"OggS not really a voice note", "audio/ogg")
    (english,) = harness.send(broken)
    assert english.text.startswith("I couldn't play that OGG file; it seems damaged")
    harness.send(Command("language", ("es",)))
    (spanish,) = harness.send(broken)
    assert spanish.text.startswith("No pude reproducir ese archivo")
    harness.send(Command("language", ("de",)))
    (german,) = harness.send(VoiceNote(b"", "audio/ogg"))
    assert (
        german.text
        == "Deine Sprachnachricht ist leer. Nimm sie noch einmal auf oder schreib einfach, wie du dich fühlst."
    )
