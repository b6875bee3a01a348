"""Text and voice to valence-arousal. Knows nothing about chats, songs or the database.

Exports the `Mood` a reading gives and the `MoodEstimator` seam every estimator meets; the factory
that builds them from plain values (`build_text_estimator`, `build_voice_analyzer` with
`TextEstimatorSpec`, `VoiceSpec`); and the lexicon baseline with its word norms (`WARRINER`). The
model itself (`nlp.text_model`, torch) and the speech side (`nlp.voice`) load only when built.
"""

from nlp.factory import TextEstimatorSpec, VoiceSpec, build_text_estimator, build_voice_analyzer
from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.mood import Mood, MoodEstimator, clamp_unit

__all__ = [
    "WARRINER",
    "LexiconEstimator",
    "Mood",
    "MoodEstimator",
    "TextEstimatorSpec",
    "VoiceSpec",
    "build_text_estimator",
    "build_voice_analyzer",
    "clamp_unit",
]
