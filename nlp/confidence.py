"""How sure a text reading is: the one confidence rule of the text model, wherever it runs (in
process, on the HTTP worker, on Ray Serve, or called directly).

The regression model always answers, even for "qwzx"; confidence says whether there was anything to
read. It is 0 for text without a word or an emoji (the model is then not run, and the conversation
asks again instead of recommending), and grows with the number of words, since one word ("meh")
says less than a sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from nlp.mood import Mood

_WORD = re.compile(r"[^\W\d_]{2,}")
# Pictographs, emoticons, symbols and dingbats: an emoji alone ("😭") is a readable mood.
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def text_confidence(text: str) -> float:
    words = len(_WORD.findall(text)) + len(_EMOJI.findall(text))
    if words == 0:
        return 0.0
    return round(1.0 - 0.6 * math.exp(-(words - 1) / 4.0), 3)


def read_moods(
    texts: Sequence[str],
    predict: Callable[[list[str]], npt.NDArray[np.float32]],
    version: str,
    truncated: Callable[[str], bool],
) -> list[Mood]:
    """Moods of `texts` from `predict` ((valence, arousal) rows) under the confidence rule: only
    readable texts are predicted; the rest are neutral with confidence 0."""
    readable = [i for i, text in enumerate(texts) if text_confidence(text) > 0]
    rows = predict([texts[i] for i in readable]) if readable else None
    moods = [Mood(0.0, 0.0, 0.0, "text", version) for _ in texts]
    for row_index, i in enumerate(readable):
        assert rows is not None
        moods[i] = Mood(
            float(rows[row_index, 0]),
            float(rows[row_index, 1]),
            text_confidence(texts[i]),
            "text",
            version,
            truncated(texts[i]),
        )
    return moods
