"""Text in any language: English to the English model, everything else to the multilingual one.

`LanguageRouter` is the `LanguageAwareEstimator` the factory builds when the multilingual model is
on. Which language a text is read as follows the rule of `nlp.language_id` (the identifier moves a
message away from the hint, or from English, only when it is sure); the `Mood` names that language
and, in its `model_version`, the model that read it. English text reaches the English model
unchanged, so English speakers get the same numbers as without the router.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from nlp.language_id import ENGLISH, LanguageIdentifier
from nlp.mood import Mood, MoodEstimator


class LanguageRouter:
    """`english` reads English, `multilingual` every other language."""

    def __init__(
        self,
        english: MoodEstimator,
        multilingual: MoodEstimator,
        identifier: LanguageIdentifier,
    ) -> None:
        self.english = english
        self.multilingual = multilingual
        self.identifier = identifier

    @property
    def version(self) -> str:
        """Both models' versions: each mood names the one that read it."""
        return f"{self.english.version}+{self.multilingual.version}"

    def reading_language(self, text: str, language: str | None = None) -> str:
        return self.identifier.reading_language(text, language)

    def estimate(self, text: str) -> Mood:
        return self.estimate_in(text, None)

    def estimate_in(self, text: str, language: str | None) -> Mood:
        return self.estimate_many_in([text], language)[0]

    def estimate_many(self, texts: Sequence[str]) -> list[Mood]:
        return self.estimate_many_in(texts, None)

    def estimate_many_in(self, texts: Sequence[str], language: str | None) -> list[Mood]:
        """Each text read as `reading_language(text, language)`; the texts of each model go to it
        in one call, so they share its batches."""
        languages = [self.reading_language(text, language) for text in texts]
        moods: list[Mood | None] = [None] * len(texts)
        for estimator, wanted in ((self.english, True), (self.multilingual, False)):
            positions = [i for i, code in enumerate(languages) if (code == ENGLISH) == wanted]
            if not positions:
                continue
            read = estimator.estimate_many([texts[i] for i in positions])
            for i, mood in zip(positions, read, strict=True):
                moods[i] = replace(mood, language=languages[i])
        return [mood for mood in moods if mood is not None]

    def close(self) -> None:
        for estimator in (self.english, self.multilingual):
            close = getattr(estimator, "close", None)
            if callable(close):
                close()


def route_predictions(
    texts: list[str],
    hint: str | None,
    identifier: LanguageIdentifier,
    english: Callable[[list[str]], npt.NDArray[np.float32]],
    multilingual: Callable[[list[str]], npt.NDArray[np.float32]],
) -> tuple[npt.NDArray[np.float32], int]:
    """What the router computes, on raw (valence, arousal) rows (for evaluation): each text to
    `english` or `multilingual` by `identifier.reading_language(text, hint)`. Returns the rows in
    order and how many texts went to the multilingual model."""
    other = [identifier.reading_language(text, hint) != ENGLISH for text in texts]
    rows = np.zeros((len(texts), 2), dtype=np.float32)
    for model, wanted in ((english, False), (multilingual, True)):
        positions = [i for i, is_other in enumerate(other) if is_other == wanted]
        if positions:
            rows[positions] = model([texts[i] for i in positions])
    return rows, sum(other)
