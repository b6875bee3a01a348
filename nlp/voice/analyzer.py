"""A voice note to a `VoiceReading`: decode, keep the speech, transcribe it, read the transcript's mood
with the text `MoodEstimator`, read arousal from the prosody, and fuse both into one `Mood` (source
"voice", language: the one Whisper heard). A text estimator that reads many languages
(`LanguageAwareEstimator`) is told the transcript's language; any other reads the text as it is.
The reading keeps every part (transcript, text mood, prosody, fused mood, durations) so the
conversation can store both estimates and show the person what it heard and read. One
`VoiceAnalyzer` is built per process (the models load once) and serves any number of threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from nlp.mood import LanguageAwareEstimator, Mood, MoodEstimator
from nlp.voice.decode import DEFAULT_MAX_SECONDS, AudioDecoder
from nlp.voice.fusion import fuse
from nlp.voice.prosody import VERSION as PROSODY_VERSION
from nlp.voice.prosody import (
    ProsodyFeatures,
    ProsodyReading,
    measure_prosody,
    prosody_arousal,
    warm_up,
)
from nlp.voice.transcribe import ENGLISH_ONLY, Transcriber, Transcript, WhisperTranscriber
from nlp.voice.vad import SpeechDetector


@dataclass(frozen=True)
class VoiceReading:
    transcript: str
    language: str
    text_mood: Mood  # the transcript read by the text model (source "text")
    prosody: ProsodyReading  # arousal and confidence from how it was said, with the features
    mood: Mood  # the fused mood (source "voice"): what the bot acts on
    duration_seconds: float  # the whole note
    speech_seconds: float  # the part that was speech

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "language": self.language,
            "text_mood": _mood_to_dict(self.text_mood),
            "prosody": self.prosody.to_dict(),
            "mood": _mood_to_dict(self.mood),
            "duration_seconds": self.duration_seconds,
            "speech_seconds": self.speech_seconds,
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> VoiceReading:
        prosody = body["prosody"]
        return cls(
            transcript=str(body["transcript"]),
            language=str(body["language"]),
            text_mood=_mood_from_dict(body["text_mood"]),
            prosody=ProsodyReading(
                arousal=float(prosody["arousal"]),
                confidence=float(prosody["confidence"]),
                features=ProsodyFeatures(**prosody["features"]),
                cues={str(k): float(v) for k, v in prosody["cues"].items()},
            ),
            mood=_mood_from_dict(body["mood"]),
            duration_seconds=float(body["duration_seconds"]),
            speech_seconds=float(body["speech_seconds"]),
        )


class VoiceAnalysis(Protocol):
    """The seam the conversation core uses: `VoiceAnalyzer` in process, `RemoteVoiceAnalyzer` over
    HTTP. `analyse` raises `VoiceRejected` with a message for the user when a note cannot be read.
    `language`: the person's chosen language (ISO 639-1), if known: a multilingual Whisper that is
    unsure which language it hears decodes the note in it."""

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading: ...


def understood_languages(text_estimator: MoodEstimator) -> tuple[str, ...] | None:
    """The languages a voice note may be in: every one Whisper knows (None) when the text estimator
    reads many languages, else English, the language of the English text models."""
    return None if isinstance(text_estimator, LanguageAwareEstimator) else ENGLISH_ONLY


class VoiceAnalyzer:
    def __init__(
        self,
        text_estimator: MoodEstimator,
        transcriber: Transcriber,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        detector: SpeechDetector | None = None,
    ) -> None:
        self.text_estimator = text_estimator
        self.transcriber = transcriber
        self.decoder = AudioDecoder(max_seconds)
        self.detector = detector or SpeechDetector()
        # Prosody (numpy, numba) runs beside Whisper (CTranslate2 releases the GIL): on 2 cores this
        # takes about 0.3 s off a 15-second note. Two threads serve two concurrent notes at once.
        self._prosody_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prosody")

    @classmethod
    def load(
        cls,
        text_estimator: MoodEstimator,
        model: str | None = None,
        device: str = "auto",
        max_seconds: float = DEFAULT_MAX_SECONDS,
        languages: tuple[str, ...] | None = None,
    ) -> VoiceAnalyzer:
        """With faster-whisper: the bundled tiny.en weights, or `model` (a path or a model name).
        `languages`: those a note may be in (ISO 639-1 codes); None: those the text estimator
        reads (`understood_languages`). Warms the prosody kernels up, so that the first note
        is as fast as the rest."""
        chosen = understood_languages(text_estimator) if languages is None else languages
        transcriber = WhisperTranscriber(model, device=device, languages=chosen)
        analyzer = cls(text_estimator, transcriber, max_seconds)
        warm_up()
        return analyzer

    @property
    def max_seconds(self) -> float:
        return self.decoder.max_seconds

    @property
    def version(self) -> str:
        return f"{self.transcriber.version}+{self.text_estimator.version}+{PROSODY_VERSION}"

    def analyse(
        self, audio: bytes, mime_type: str = "audio/ogg", language: str | None = None
    ) -> VoiceReading:
        note = self.decoder.decode(audio, mime_type)
        spans = self.detector.find_speech(note.samples)
        features = self._prosody_pool.submit(measure_prosody, note.samples, spans)
        try:
            transcript = self.transcriber.transcribe(spans.speech_of(note.samples), language)
        except BaseException:
            features.cancel()  # a refused note (another language) needs no prosody
            raise
        prosody = prosody_arousal(features.result())
        text_mood = self.read_text(transcript)
        return VoiceReading(
            transcript=transcript.text,
            language=transcript.language,
            text_mood=text_mood,
            prosody=prosody,
            mood=fuse(text_mood, prosody, self.version, transcript.language),
            duration_seconds=round(note.duration_seconds, 3),
            speech_seconds=round(spans.speech_seconds, 3),
        )

    def read_text(self, transcript: Transcript) -> Mood:
        """The transcript's mood, read in the language Whisper heard when the estimator can."""
        if isinstance(self.text_estimator, LanguageAwareEstimator):
            return self.text_estimator.estimate_in(transcript.text, transcript.language)
        return self.text_estimator.estimate(transcript.text)

    def close(self) -> None:
        self._prosody_pool.shutdown(wait=True)


def _mood_to_dict(mood: Mood) -> dict[str, Any]:
    return {
        "valence": mood.valence,
        "arousal": mood.arousal,
        "confidence": mood.confidence,
        "source": mood.source,
        "model_version": mood.model_version,
        "truncated": mood.truncated,
        "language": mood.language,
    }


def _mood_from_dict(body: dict[str, Any]) -> Mood:
    return Mood(
        float(body["valence"]),
        float(body["arousal"]),
        float(body["confidence"]),
        str(body["source"]),
        str(body["model_version"]),
        bool(body["truncated"]),
        str(body.get("language", "en")),  # a worker from before languages: English
    )
