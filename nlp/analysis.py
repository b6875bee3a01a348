"""Texts to `Mood`s through the batching engine: the one analysis the in-process worker and the HTTP
worker share, so both give the same numbers.

The regression model always answers, even for "qwzx"; confidence says whether there was anything to
read. It is 0 for text without a word or an emoji (the conversation then asks again instead of
recommending), and grows with the number of words, since one word ("meh") says less than a sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Protocol

from nlp.batching import BatchingEngine, VAPredictor
from nlp.mood import Mood

_WORD = re.compile(r"[^\W\d_]{2,}")
# Pictographs, emoticons, symbols and dingbats: an emoji alone ("😭") is a readable mood.
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


class WindowedPredictor(VAPredictor, Protocol):
    def truncated(self, text: str) -> bool: ...


def text_confidence(text: str) -> float:
    words = len(_WORD.findall(text)) + len(_EMOJI.findall(text))
    if words == 0:
        return 0.0
    return round(1.0 - 0.6 * math.exp(-(words - 1) / 4.0), 3)


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
        readable = [i for i, text in enumerate(texts) if text_confidence(text) > 0]
        rows = self.engine.predict([texts[i] for i in readable]) if readable else None
        moods = [Mood(0.0, 0.0, 0.0, "text", self.version) for _ in texts]
        for row_index, i in enumerate(readable):
            assert rows is not None
            moods[i] = Mood(
                float(rows[row_index, 0]),
                float(rows[row_index, 1]),
                text_confidence(texts[i]),
                "text",
                self.version,
                self.model.truncated(texts[i]),
            )
        return moods
