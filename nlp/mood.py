"""The mood a message carries, as a point in valence-arousal space, and the seam that estimates it.

Valence (unpleasant .. pleasant) and arousal (calm .. excited) both lie in [-1, 1]. Every
estimator (the LoRA transformer, the lexicon baseline, the HTTP worker's client, the fallback between
them, and voice notes fused with their prosody) returns a `Mood` through the `MoodEstimator`
protocol, so the conversation core never knows which one runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


def clamp_unit(value: float) -> float:
    """Clamp to [-1, 1]; NaN becomes 0 (neutral) rather than poisoning the database."""
    if math.isnan(value):
        return 0.0
    return max(-1.0, min(1.0, value))


@dataclass(frozen=True)
class Mood:
    """A valence-arousal reading with how sure the estimator is and where it came from."""

    valence: float
    arousal: float
    confidence: float = 1.0
    source: str = "text"
    model_version: str = "unknown"
    truncated: bool = False  # the text was longer than the model reads; only its start counted
    language: str = "en"  # ISO 639-1 code of the language the text was read as

    def __post_init__(self) -> None:
        object.__setattr__(self, "valence", clamp_unit(self.valence))
        object.__setattr__(self, "arousal", clamp_unit(self.arousal))
        object.__setattr__(self, "confidence", max(0.0, min(1.0, self.confidence)))

    def distance_to(self, other: Mood) -> float:
        return math.hypot(self.valence - other.valence, self.arousal - other.arousal)

    @property
    def is_readable(self) -> bool:
        """False when the estimator found nothing to go on (no known words, silence)."""
        return self.confidence > 0.0


@runtime_checkable
class MoodEstimator(Protocol):
    """Text to mood. Implementations are loaded once per process and are thread-safe."""

    @property
    def version(self) -> str: ...

    def estimate(self, text: str) -> Mood: ...

    def estimate_many(self, texts: list[str]) -> list[Mood]: ...


@runtime_checkable
class LanguageAwareEstimator(MoodEstimator, Protocol):
    """An estimator that reads more than one language. `language` is what the caller already knows
    (Whisper's language id of a voice note, the person's chosen language), None to detect it from
    the text; the `Mood` it returns names the language it read the text as."""

    def estimate_in(self, text: str, language: str | None) -> Mood: ...
