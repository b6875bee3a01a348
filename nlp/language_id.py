"""Which language a message is written in, and the rule that decides which model reads it.

The identifier is py3langid (langid.py's naive Bayes over byte n-grams, offline, a 3 MB model in
the package), limited to `CANDIDATES`, the widely written languages multilingual-e5 reads well (a
smaller set sharpens its probabilities; langid.py alone calls "Estoy muy feliz hoy" Breton).

On chat-length text it is often wrong: "I feel meh" comes out Dutch (p 0.65), "my dog died"
Afrikaans (0.88), "Don't meet your heroes" Dutch (0.99). So the rule (`reading_language`) moves a
message away from the caller's language (the person's, or English when unknown) only when the
identifier is sure:

1. the identifier, reading the words alone (no digits, emoji or punctuation), names a language with
   probability >= `CONFIDENT` (0.99) and the message has at least `MIN_WORDS` (3) words: the
   message is read as that language;
2. otherwise it is read as the caller's hint (the person's chosen or platform language, Whisper's
   language for a voice note), and without a hint as English.

A message read as English goes to the English model exactly as before; any other language to the
multilingual model (`nlp.router`). The threshold was chosen on English chat text alone (GoEmotions
dev, 5,426 comments): at 0.9 0.39% of them would leave the English model, at 0.99 0.07%.
`python -m nlp.language_id` measures the rule on test sets (MODEL_CARD.md).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

ENGLISH = "en"
CONFIDENT = 0.99
MIN_WORDS = 3
CANDIDATES: tuple[str, ...] = (
    "af",
    "ar",
    "bg",
    "bn",
    "ca",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "eu",
    "fa",
    "fi",
    "fr",
    "gl",
    "he",
    "hi",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ms",
    "nl",
    "no",
    "pl",
    "pt",
    "ro",
    "ru",
    "sk",
    "sl",
    "sr",
    "sv",
    "sw",
    "th",
    "tl",
    "tr",
    "uk",
    "ur",
    "vi",
    "zh",
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Identified:
    """The identifier's best guess and its (normalised) probability."""

    language: str
    probability: float


def base_code(code: str | None) -> str | None:
    """ "es" of "es-ES", "pt" of "pt_BR"; None for nothing."""
    if not code or not code.strip():
        return None
    return code.strip().replace("_", "-").split("-")[0].lower() or None


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


class LanguageIdentifier:
    """py3langid over `CANDIDATES`, with normalised probabilities. Thread-safe."""

    def __init__(self, candidates: tuple[str, ...] = CANDIDATES) -> None:
        try:
            from py3langid.langid import MODEL_FILE
            from py3langid.langid import LanguageIdentifier as LangId
        except ImportError as exc:
            raise ImportError(
                "language identification needs py3langid: pip install py3langid==0.3.0",
                name="py3langid",
            ) from exc
        self._model: Any = LangId.from_pickled_model(MODEL_FILE, norm_probs=True)
        self._model.set_languages(list(candidates))
        self._lock = threading.Lock()

    def identify(self, text: str) -> Identified:
        """The best guess for the words of `text` (digits, emoji and punctuation left out: they
        pull chat messages toward odd languages)."""
        words = " ".join(_WORD.findall(text))
        with self._lock:
            language, probability = self._model.classify(words)
        return Identified(str(language), float(probability))

    def reading_language(self, text: str, hint: str | None = None) -> str:
        """The language `text` is read as, by the rule in this module's docstring."""
        fallback = base_code(hint) or ENGLISH
        if word_count(text) < MIN_WORDS:
            return fallback
        found = self.identify(text)
        return found.language if found.probability >= CONFIDENT else fallback


def main(argv: list[str] | None = None) -> None:
    """`python -m nlp.language_id --data-dir DIR`: how the rule reads real text without a hint:
    the share of English chat comments (GoEmotions test) and EmoBank test sentences read as another
    language (should be near 0), and of XED's de, es, fr projections read as their language."""
    import argparse
    import json
    import os
    from pathlib import Path

    from nlp.emobank import load_split
    from nlp.goemotions import load_goemotions
    from nlp.xed import default_path, read_single_emotion

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("MOODWAVE_DATA_DIR"))
    data_dir = parser.parse_args(argv).data_dir
    identifier = LanguageIdentifier()
    samples = {
        "goemotions-test (en)": ("en", load_goemotions(data_dir, "test").texts),
        "emobank-test (en)": ("en", load_split(data_dir, "test", ("V",)).texts),
    }
    for lang in ("de", "es", "fr"):
        samples[f"xed-{lang}"] = (lang, read_single_emotion(default_path(data_dir, lang)).texts)
    report = {}
    for name, (lang, texts) in samples.items():
        read = [identifier.reading_language(text) for text in texts]
        report[name] = {
            "n": len(texts),
            "read_as_english": round(sum(code == ENGLISH for code in read) / len(read), 4),
            f"read_as_{lang}": round(sum(code == lang for code in read) / len(read), 4),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
