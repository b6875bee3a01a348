"""Text (and later voice) to valence-arousal. Knows nothing about chats or songs."""

from nlp.mood import Mood, MoodEstimator, clamp_unit

__all__ = ["Mood", "MoodEstimator", "clamp_unit"]
