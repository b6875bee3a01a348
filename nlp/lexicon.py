"""The lexicon baseline mood estimator: chat text to valence-arousal with the Warriner et al. (2013)
word norms and a few rules (negation, intensifiers, diminishers, emoji, elongated words, suffixes).

It needs no model weights and answers in microseconds, so it serves where no model can run
(`MOODWAVE_TEXT_MODEL=lexicon`), and it is the floor the LoRA transformer has to beat. Each known word is mapped
from the norms' 1-9 scale to [-1, 1]; the text's mood is the average of its words weighted by how
emotional each word is, so plain words ("day", "work") do not drown the ones that carry feeling.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from datafiles import DataFile
from nlp.mood import Mood

WARRINER = DataFile(
    "warriner_xanew/Ratings_Warriner_et_al.csv",
    "https://raw.githubusercontent.com/JULIELab/XANEW/87a6d970161accd70f8856ae3d8795d54c89938e/"
    "Ratings_Warriner_et_al.csv",
    "78ac8107c78e116bb96538fae4faa47281a155f5f8fe39f30bbc6ea3db05b446",
    "CC BY-NC-ND 3.0",
)

VERSION = "lexicon-warriner-v1"

# Only the start of a very long message is read: a mood is clear long before 2,000 words, and this
# bounds the time any one message can cost the bot.
MAX_TOKENS = 2_000

# Negation flips and shrinks valence (Taboada et al. 2011 "shift" style: "not happy" is mildly
# unhappy, not sad) and barely touches arousal ("not excited" is still about excitement).
NEGATION_WINDOW = 3
NEGATED_VALENCE = -0.5
NEGATED_AROUSAL = 0.8

# A word's weight is how far it lies from a neutral word (|valence| + |arousal - resting arousal|)
# plus epsilon: emotional words dominate, mild ones still count a little. Resting arousal is the
# norms' mean (4.2 of 9): most plain nouns sit there, not at the scale's middle.
AROUSAL_REST = -0.2
WEIGHT_EPSILON = 0.05
# A word counts as "emotional" (for confidence) when it lies this far from neutral on either axis,
# so a text of plain words ("work", "noon") reads as "no mood found" rather than a guess. Low enough
# that "tired" (-0.18 valence) counts: higher cut-offs lost such moods and scored lower on the
# EmoBank dev split, where these constants were tuned (`python -m nlp.evaluate_lexicon`).
EMOTIONAL_VALENCE = 0.15
EMOTIONAL_AROUSAL = 0.25
# Each "!" (up to three) raises the arousal of a readable text: chat marks excitement this way.
EXCLAMATION_AROUSAL = 0.1
MAX_EXCLAMATIONS = 3
# How far each unit of intensity ("very" = 1.4) raises arousal.
INTENSITY_AROUSAL = 0.5
# Confidence grows with the number of emotional words: 1 - exp(-n / scale); one word gives ~0.4.
CONFIDENCE_SCALE = 2.0

_EMOJI_WORDS = {
    "😢": "sad",
    "😭": "cry",
    "☹": "sad",
    "🙁": "sad",
    "😞": "disappointed",
    "😊": "happy",
    "🙂": "happy",
    "😀": "happy",
    "😁": "happy",
    "😂": "laugh",
    "❤": "love",
    "😍": "love",
    "😡": "angry",
    "😠": "angry",
    "😴": "sleepy",
    "😱": "scared",
    "😰": "anxious",
    "🎉": "celebrate",
    "🔥": "excited",
}
_EMOTICON_WORDS = {":)": "happy", ":-)": "happy", ":d": "happy", ":(": "sad", ":-(": "sad"}

_NEGATORS = frozenset(
    {"not", "no", "never", "without", "hardly", "barely", "nothing", "nobody", "none", "neither"}
    | {"nor", "cannot", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant"}
    | {"couldnt", "wont", "wouldnt", "shouldnt", "aint"}
)
_INTENSIFIERS = {
    "very": 1.4,
    "so": 1.3,
    "really": 1.3,
    "extremely": 1.7,
    "super": 1.4,
    "totally": 1.3,
    "incredibly": 1.6,
    "absolutely": 1.5,
    "too": 1.2,
}
_DIMINISHERS = {"slightly": 0.6, "somewhat": 0.7, "kinda": 0.7, "sorta": 0.7, "fairly": 0.8}
# "a bit" and "a little" diminish; "little" on its own is a word with its own norm.
_DIMINISHING_AFTER_A = {"bit": 0.6, "little": 0.6}

# Words the norms rate but that carry no feeling in a message, mostly auxiliaries and pronoun-like
# words; many true function words ("the", "is") are simply absent from the norms.
_STOPWORDS = frozenset(
    {"a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for"}
    | {"with", "from", "as", "is", "am", "are", "was", "were", "be", "been", "being", "do"}
    | {"does", "did", "done", "have", "has", "had", "having", "i", "me", "my", "we", "our"}
    | {"you", "your", "he", "she", "it", "they", "them", "this", "that", "just", "get", "got"}
    | {"go", "going", "make", "made", "can", "will", "would", "could", "should", "may", "might"}
    | {"must", "shall", "also", "then", "than", "there", "here", "what", "which", "who", "whom"}
    | {"when", "where", "why", "how", "all", "any", "some", "such", "own", "same", "one"}
    # "I feel sad": "feel" is rated pleasant (6.3 of 9) but says nothing about which feeling.
    | {"feel", "feels", "feeling", "felt"}
)

_FUNCTION_WORDS = _NEGATORS | _INTENSIFIERS.keys() | _DIMINISHERS.keys() | _STOPWORDS
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|:-?[()d]|[.!?;:,]")
_ELONGATION = re.compile(r"(.)\1{2,}")
_CLAUSE_BREAKS = frozenset(".!?;:,")
# Suffix rules tried in order when a word is not in the norms: (suffix, replacement).
_SUFFIXES = (
    ("iness", "y"),
    ("ness", ""),
    ("ily", "y"),
    ("ly", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("er", ""),
    ("est", ""),
)


@dataclass(frozen=True)
class _Reading:
    """The weighted sums a text's words add up to, before they become a `Mood`."""

    valence_sum: float = 0.0
    arousal_sum: float = 0.0
    weight_sum: float = 0.0
    emotional_words: int = 0
    exclamations: int = 0


class LexiconEstimator:
    """A `MoodEstimator` over word norms. Immutable after construction, so safe to share across
    threads; build it once per process with `from_csv`."""

    def __init__(self, norms: Mapping[str, tuple[float, float]]) -> None:
        # Norms are (valence, arousal) already in [-1, 1].
        self._norms: Mapping[str, tuple[float, float]] = MappingProxyType(dict(norms))

    @classmethod
    def from_csv(cls, path: Path | str) -> LexiconEstimator:
        """Load the Warriner et al. ratings file (columns Word, V.Mean.Sum, A.Mean.Sum)."""
        norms: dict[str, tuple[float, float]] = {}
        with Path(path).open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                word = (row.get("Word") or "").strip().lower()
                try:
                    valence = _unit_from_nine(float(row["V.Mean.Sum"]))
                    arousal = _unit_from_nine(float(row["A.Mean.Sum"]))
                except (KeyError, TypeError, ValueError):
                    continue  # a malformed row loses one word, not the whole lexicon
                if word:
                    norms[word] = (valence, arousal)
        if not norms:
            raise ValueError(
                f"{path} holds no word ratings: expected the Warriner et al. CSV with columns "
                "Word, V.Mean.Sum and A.Mean.Sum."
            )
        return cls(norms)

    @property
    def version(self) -> str:
        return VERSION

    def __len__(self) -> int:
        return len(self._norms)

    def estimate(self, text: str) -> Mood:
        reading = self._read(tokenize(text))
        if reading.emotional_words == 0 or reading.weight_sum <= 0.0:
            return Mood(0.0, 0.0, 0.0, "text", VERSION)
        excitement = EXCLAMATION_AROUSAL * min(reading.exclamations, MAX_EXCLAMATIONS)
        return Mood(
            reading.valence_sum / reading.weight_sum,
            reading.arousal_sum / reading.weight_sum + excitement,
            1.0 - math.exp(-reading.emotional_words / CONFIDENCE_SCALE),
            "text",
            VERSION,
        )

    def estimate_many(self, texts: list[str]) -> list[Mood]:
        return [self.estimate(text) for text in texts]

    def lookup(self, word: str) -> tuple[float, float] | None:
        """The norm of a word or of its de-elongated or suffix-stripped form, if any."""
        for candidate in _spellings(word):
            found = self._norms.get(candidate)
            if found is not None:
                return found
        for candidate in _spellings(word):
            for lemma in _lemmas(candidate):
                found = self._norms.get(lemma)
                if found is not None:
                    return found
        return None

    def _read(self, tokens: list[str]) -> _Reading:
        v_sum = a_sum = w_sum = 0.0
        emotional = exclamations = 0
        negated_for = 0  # tokens left in the current negation's scope
        scale = 1.0  # intensity waiting for the next emotional word
        previous = ""
        for token in tokens:
            norm = None
            if token in _CLAUSE_BREAKS:
                negated_for, scale = 0, 1.0  # negation and intensity end with the clause
                exclamations += token == "!"
            elif token in _NEGATORS:
                negated_for = NEGATION_WINDOW + 1  # +1: the negator's own step below
            elif token in _INTENSIFIERS:
                scale *= _INTENSIFIERS[token]
            elif token in _DIMINISHERS or (previous == "a" and token in _DIMINISHING_AFTER_A):
                scale *= _DIMINISHERS.get(token) or _DIMINISHING_AFTER_A[token]
            elif token not in _STOPWORDS:
                norm = self.lookup(token)
            if norm is not None:
                valence, arousal = _shifted(norm, scale, negated_for > 0)
                weight = abs(valence) + abs(arousal - AROUSAL_REST) + WEIGHT_EPSILON
                v_sum += weight * valence
                a_sum += weight * arousal
                w_sum += weight
                emotional += _is_emotional(norm)
                scale = 1.0
            negated_for = max(0, negated_for - 1)
            previous = token
        return _Reading(v_sum, a_sum, w_sum, emotional, exclamations)


def _shifted(norm: tuple[float, float], scale: float, negated: bool) -> tuple[float, float]:
    """A word's (valence, arousal) after the intensity and negation around it.

    Intensity scales the valence deviation and moves arousal with it ("extremely sad" is more
    aroused than "sad", "a bit sad" less); negation flips and shrinks valence.
    """
    valence = norm[0] * scale
    arousal = norm[1] + (scale - 1.0) * INTENSITY_AROUSAL
    if negated:
        valence, arousal = valence * NEGATED_VALENCE, arousal * NEGATED_AROUSAL
    return max(-1.0, min(1.0, valence)), max(-1.0, min(1.0, arousal))


def _is_emotional(norm: tuple[float, float]) -> bool:
    return abs(norm[0]) >= EMOTIONAL_VALENCE or abs(norm[1] - AROUSAL_REST) >= EMOTIONAL_AROUSAL


def tokenize(text: str, limit: int = MAX_TOKENS) -> list[str]:
    """Lower-cased word and clause-break tokens of chat text, at most `limit` of them.

    Emoji and emoticons become words, curly apostrophes straight ones, and "n't" a separate "not"
    so that negation is seen in "don't", "isn't", "can't".
    """
    return list(_tokens(text, limit))


def _tokens(text: str, limit: int) -> Iterator[str]:
    # Slice first: a 2,000-token cap never needs more than a bounded prefix of a huge message.
    prefix = text[: limit * 40].lower().replace("’", "'").replace("‘", "'")
    for emoji, word in _EMOJI_WORDS.items():
        if emoji in prefix:
            # Commas around it: an emoji is its own clause, never inside a negation's scope.
            prefix = prefix.replace(emoji, f" , {word} , ")
    count = 0
    for match in _TOKEN.finditer(prefix):
        emoticon = _EMOTICON_WORDS.get(match.group())
        if emoticon:
            pieces: tuple[str, ...] = (",", emoticon, ",")  # its own clause, as for emoji
        else:
            pieces = _split_contraction(_function_word(match.group()))
        for token in pieces:
            yield token
            count += 1
            if count >= limit:
                return


def _function_word(token: str) -> str:
    """ "soooo" -> "so", "nooo" -> "no": elongated function words still intensify and negate."""
    for spelling in _spellings(token)[1:]:
        if spelling in _FUNCTION_WORDS:
            return spelling
    return token


def _split_contraction(token: str) -> tuple[str, ...]:
    if token.endswith("n't"):
        stem = {"can't": "can", "won't": "will", "ain't": "is"}.get(token, token[:-3])
        return (stem, "not")
    if "'" in token:
        return (token.split("'", 1)[0],)  # "i'm", "it's", "you're": the suffix carries no mood
    return (token,)


def _spellings(word: str) -> tuple[str, ...]:
    """The word, then with letter runs of 3+ cut to two ("goood" -> "good"), then to one."""
    if not _ELONGATION.search(word):
        return (word,)
    return (word, _ELONGATION.sub(r"\1\1", word), _ELONGATION.sub(r"\1", word))


def _lemmas(word: str) -> Iterator[str]:
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            yield stem + replacement
            # "stopped" -> "stop", "running" -> "run": undo the doubled final consonant.
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                yield stem[:-1] + replacement


def _unit_from_nine(rating: float) -> float:
    """Map a 1-9 rating (5 neutral) to [-1, 1]."""
    return max(-1.0, min(1.0, (rating - 5.0) / 4.0))
