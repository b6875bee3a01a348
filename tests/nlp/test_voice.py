"""Voice notes to mood, end to end on speech synthesised offline (espeak-ng, encoded by ffmpeg as
Telegram sends it): the transcript, arousal from how a note is said, every refusal with its message,
the formats, the fusion rule, and the same reading through the HTTP worker and its client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlp.client import RemoteVoiceAnalyzer
from nlp.lexicon import LexiconEstimator
from nlp.mood import Mood
from nlp.voice import RejectReason, VoiceRejected
from nlp.voice.analyzer import VoiceAnalyzer
from nlp.voice.decode import AudioDecoder
from nlp.voice.fusion import fuse
from nlp.voice.prosody import ProsodyFeatures, prosody_arousal
from nlp.worker import create_app
from tests.nlp import voice_samples
from tests.nlp.worker_server import serving

if voice_samples.missing_tools():
    pytest.skip(
        f"VOICE TESTS SKIPPED: {', '.join(voice_samples.missing_tools())} not installed; "
        f"{voice_samples.INSTALL_HINT}",
        allow_module_level=True,
    )

SENTENCE = "I had a wonderful day at the beach with my friends and I feel happy"
KEY_WORDS = ("wonderful", "beach", "friends", "happy")


@pytest.fixture(scope="module")
def analyzer(lexicon: LexiconEstimator) -> VoiceAnalyzer:
    return VoiceAnalyzer.load(lexicon, device="cpu")


@pytest.fixture(scope="module")
def calm_note() -> bytes:
    return voice_samples.telegram_note(SENTENCE, speed=110, pitch=20, amplitude=60)


@pytest.fixture(scope="module")
def excited_note() -> bytes:
    return voice_samples.telegram_note(SENTENCE, speed=230, pitch=85, amplitude=180)


def rejection(analyzer: VoiceAnalyzer, audio: bytes, mime_type: str = "audio/ogg") -> VoiceRejected:
    with pytest.raises(VoiceRejected) as caught:
        analyzer.analyse(audio, mime_type)
    return caught.value


def test_transcript_has_the_key_words(analyzer: VoiceAnalyzer) -> None:
    reading = analyzer.analyse(voice_samples.telegram_note(SENTENCE), "audio/ogg")
    words = reading.transcript.lower()
    assert all(word in words for word in KEY_WORDS), reading.transcript
    assert reading.language == "en"
    assert reading.text_mood.source == "text" and reading.text_mood.valence > 0.2
    assert reading.mood.source == "voice" and reading.mood.valence == reading.text_mood.valence
    assert 0 < reading.speech_seconds <= reading.duration_seconds


def test_excited_note_reads_more_aroused_than_calm_note(
    analyzer: VoiceAnalyzer, calm_note: bytes, excited_note: bytes
) -> None:
    calm = analyzer.analyse(calm_note, "audio/ogg")
    excited = analyzer.analyse(excited_note, "audio/ogg")
    assert excited.prosody.arousal > calm.prosody.arousal + 0.3
    assert excited.mood.arousal > calm.mood.arousal
    assert calm.prosody.features.speaking_rate < excited.prosody.features.speaking_rate
    assert calm.prosody.features.pitch_hz is not None and excited.prosody.features.pitch_hz
    assert calm.prosody.features.pitch_hz < excited.prosody.features.pitch_hz


@pytest.mark.parametrize(
    ("make_note", "mime_type", "reason", "words"),
    [
        (lambda: b"", "audio/ogg", RejectReason.EMPTY, "empty"),
        (lambda: voice_samples.silent_note(3), "audio/ogg", RejectReason.SILENT, "couldn't hear"),
        (lambda: b"OggS" + bytes(range(256)) * 20, "audio/ogg", RejectReason.CORRUPT, "damaged"),
        (lambda: b"\x00garbage" * 50, "audio/mpeg", RejectReason.CORRUPT, "damaged"),
        (
            lambda: b"\x89PNG\r\n\x1a\n" + bytes(500),
            "image/png",
            RejectReason.UNSUPPORTED_FORMAT,
            "image/png",
        ),
        (lambda: b"%PDF-1.7 hello", "application/pdf", RejectReason.UNSUPPORTED_FORMAT, "MP3"),
    ],
    ids=["empty", "silent", "corrupt-ogg", "corrupt-mp3", "png", "pdf"],
)
def test_bad_notes_are_refused_with_a_message(
    analyzer: VoiceAnalyzer, make_note: object, mime_type: str, reason: RejectReason, words: str
) -> None:
    assert callable(make_note)
    refused = rejection(analyzer, make_note(), mime_type)
    assert refused.reason == reason
    assert words in refused.message


@pytest.mark.parametrize(
    ("voice", "text"),
    [
        (
            "de",
            "Ich hatte einen wunderbaren Tag am Strand mit meinen Freunden und ich bin glücklich",
        ),
        ("es", "Tuve un día maravilloso en la playa con mis amigos y me siento muy feliz"),
    ],
)
def test_speech_in_another_language_is_refused(
    analyzer: VoiceAnalyzer, voice: str, text: str
) -> None:
    refused = rejection(analyzer, voice_samples.telegram_note(text, voice))
    assert refused.reason == RejectReason.LANGUAGE
    assert "English" in refused.message


@pytest.fixture(scope="module")
def long_note() -> bytes:
    return voice_samples.tone_note(150)


def test_note_over_the_limit_is_refused_from_its_header(
    long_note: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*_: object) -> None:
        raise AssertionError("the declared duration should have refused it before decoding")

    monkeypatch.setattr(AudioDecoder, "_read_samples", no_decoding)
    refused = rejection_of_decoder(AudioDecoder(max_seconds=120), long_note)
    assert refused.reason == RejectReason.TOO_LONG
    assert "2 minutes" in refused.message


def test_note_without_a_declared_length_stops_decoding_at_the_limit(
    long_note: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AudioDecoder, "_check_declared_length", lambda *_: None)
    refused = rejection_of_decoder(AudioDecoder(max_seconds=30), long_note)
    assert refused.reason == RejectReason.TOO_LONG
    assert "30 seconds" in refused.message


def rejection_of_decoder(decoder: AudioDecoder, audio: bytes) -> VoiceRejected:
    with pytest.raises(VoiceRejected) as caught:
        decoder.decode(audio, "audio/ogg")
    return caught.value


@pytest.mark.parametrize("container", ["mp3", "m4a", "wav", "ogg"])
def test_formats_decode_to_16k_mono(container: str) -> None:
    wav = voice_samples.speak("Hello there, how are you?")
    note = AudioDecoder().decode(voice_samples.encode(wav, container), f"audio/{container}")
    plain = AudioDecoder().decode(wav, "audio/wav")
    assert note.container == container
    assert note.samples.dtype.name == "float32" and note.samples.ndim == 1
    assert abs(note.duration_seconds - plain.duration_seconds) < 0.2


def test_mp3_note_is_transcribed(analyzer: VoiceAnalyzer) -> None:
    wav = voice_samples.speak("I feel calm and relaxed tonight")
    reading = analyzer.analyse(voice_samples.encode(wav, "mp3"), "audio/mpeg")
    assert "calm" in reading.transcript.lower()


def test_fusion_weights_prosody_over_words() -> None:
    text = Mood(0.6, -0.5, 0.8, "text", "t")
    prosody = prosody_arousal(
        ProsodyFeatures(
            pitch_hz=220.0,
            pitch_range_semitones=9.0,
            loudness_dbfs=-15.0,
            speaking_rate=6.5,
            pause_ratio=0.05,
            speech_seconds=8.0,
            voiced_seconds=5.0,
        )
    )
    fused = fuse(text, prosody, "v")
    assert prosody.arousal > 0.7 and prosody.confidence == pytest.approx(0.8, abs=0.02)
    assert fused.valence == text.valence and fused.source == "voice"
    assert fused.arousal > (text.arousal + prosody.arousal) / 2  # closer to the prosody
    assert fuse(Mood(0.0, 0.0, 0.0), prosody, "v").arousal == pytest.approx(prosody.arousal)


@pytest.fixture(scope="module")
def worker_url(analyzer: VoiceAnalyzer, lexicon: LexiconEstimator) -> Iterator[str]:
    app = create_app(lexicon, voice=analyzer)  # type: ignore[arg-type]  # /v1/va is not used here
    with serving(app) as url:
        yield url


def test_worker_and_client_give_the_same_reading(
    analyzer: VoiceAnalyzer, worker_url: str, excited_note: bytes
) -> None:
    remote = RemoteVoiceAnalyzer(worker_url)
    try:
        over_http = remote.analyse(excited_note, "audio/ogg")
        with pytest.raises(VoiceRejected) as caught:
            remote.analyse(b"%PDF-1.7", "application/pdf")
    finally:
        remote.close()
    assert over_http == analyzer.analyse(excited_note, "audio/ogg")
    assert caught.value.reason == RejectReason.UNSUPPORTED_FORMAT


def test_worker_accepts_multipart(worker_url: str, calm_note: bytes) -> None:
    import httpx

    files = {"note": ("note.ogg", calm_note, "audio/ogg")}
    response = httpx.post(f"{worker_url}/v1/voice", files=files, timeout=30)
    assert response.status_code == 200, response.text
    assert "beach" in response.json()["transcript"].lower()
    silent = httpx.post(
        f"{worker_url}/v1/voice",
        content=voice_samples.silent_note(2),
        headers={"content-type": "audio/ogg"},
        timeout=30,
    )
    assert silent.status_code == 422 and silent.json()["reason"] == "silent"
