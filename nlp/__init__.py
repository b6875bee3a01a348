"""Text (and later voice) to valence-arousal. Knows nothing about chats or songs."""

from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.mood import Mood, MoodEstimator, clamp_unit

__all__ = ["WARRINER", "LexiconEstimator", "Mood", "MoodEstimator", "clamp_unit"]
