"""The text model as a `MoodEstimator`: texts to `Mood`s through the batching engine, under the one
confidence rule (`nlp.confidence`). The in-process model, the HTTP worker and the Ray Serve
application all run this class (built by `nlp.factory`), so all give the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from nlp.batching import BatchingEngine, VAPredictor
from nlp.confidence import read_moods
from nlp.mood import Mood


class WindowedPredictor(VAPredictor, Protocol):
    def truncated(self, text: str) -> bool: ...


class ModelMoodEstimator:
    """`MoodEstimator` over a model and its batching engine."""

    def __init__(self, model: WindowedPredictor, engine: BatchingEngine) -> None:
        self.model = model
        self.engine = engine

    @property
    def version(self) -> str:
        return self.model.version

    def estimate(self, text: str) -> Mood:
        return self.estimate_many([text])[0]

    def estimate_many(self, texts: Sequence[str]) -> list[Mood]:
        return read_moods(texts, self.engine.predict, self.version, self.model.truncated)

    def close(self) -> None:
        """Stops the batching thread."""
        self.engine.close()
