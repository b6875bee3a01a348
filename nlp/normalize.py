"""Chat-text normalisation applied before the text model tokenises a message.

The model was trained on edited English (EmoBank: news, letters, fiction), while people write to the
bot in chat style. These pure functions move chat text toward what the model knows: emoji become
words, "soooo" becomes "soo", slang is spelt out, and a shouted message is lowered but keeps one "!"
as a sign of intensity (the tokenizer is uncased, so the capitals themselves would be lost). They run
on the training sentences too, so the model sees the same kind of text at training and at inference.
"""

from __future__ import annotations

import re

# One word per emoji: the word the MiniLM vocabulary knows best for the feeling the emoji shows.
EMOJI_WORDS = {
    "😢": "sad",
    "😭": "crying",
    "☹": "sad",
    "🙁": "sad",
    "😞": "disappointed",
    "😔": "sad",
    "💔": "heartbroken",
    "😊": "happy",
    "🙂": "happy",
    "😀": "happy",
    "😁": "happy",
    "😃": "happy",
    "😄": "happy",
    "🥰": "love",
    "😂": "laughing",
    "🤣": "laughing",
    "❤": "love",
    "😍": "love",
    "😘": "love",
    "😡": "angry",
    "😠": "angry",
    "🤬": "furious",
    "😤": "frustrated",
    "😴": "sleepy",
    "🥱": "tired",
    "😩": "exhausted",
    "😫": "exhausted",
    "😌": "relieved",
    "😱": "scared",
    "😨": "scared",
    "😰": "anxious",
    "😬": "nervous",
    "🥺": "sad",
    "🤢": "disgusted",
    "🤮": "disgusted",
    "😐": "meh",
    "🙃": "ironic",
    "🔥": "excited",
    "🎉": "celebrate",
    "🥳": "celebrate",
    "🤩": "excited",
    "💪": "strong",
    "👍": "good",
    "👎": "bad",
    "☀": "sunny",
    "🌧": "rainy",
}

# Spelt out so that the tokenizer sees words it was trained on; "lol" and "meh" are known as they are.
SLANG = {
    "idk": "i don't know",
    "tbh": "to be honest",
    "ngl": "not gonna lie",
    "rn": "right now",
    "imo": "in my opinion",
    "omg": "oh my god",
    "smh": "shaking my head",
    "fml": "my life sucks",
    "wtf": "what the hell",
    "btw": "by the way",
    "irl": "in real life",
    "af": "as hell",
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thank you",
    "bc": "because",
    "cuz": "because",
    "w/": "with",
    "w/o": "without",
}

SHOUT_MARK = " !"
# A message counts as shouted when most of its words (of two letters or more) are in capitals; a
# lone capitalised word ("SO happy") or acronyms in a sentence ("the FBI said") do not count.
SHOUT_SHARE = 0.6
MIN_SHOUTED_WORDS = 2

_VARIATION_SELECTORS = re.compile("[\ufe0e\ufe0f\u200d]")
# Three or more of the same small letter shrink to two: "soooo" -> "soo", while "good", "too",
# "KKK" and web addresses ("www.") stay.
_REPEATS = re.compile(r"([a-z])\1{2,}")
_WEB_ADDRESS = re.compile(r"\S*(?:://|www\.)\S*")
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
# Not inside a word, an abbreviation ("U.S.") or a contraction.
_SLANG_WORD = re.compile(
    r"(?<![\w/.'’-])(" + "|".join(map(re.escape, SLANG)) + r")(?![\w/.'’-])", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Chat text as the model should read it: emoji as words, squeezed letters, slang spelt out,
    shouting lowered with one intensity mark, single spaces."""
    text = emoji_to_words(text)
    text = squeeze_repeats(text)
    text = lower_shouting(text)
    text = expand_slang(text)
    return collapse_whitespace(text)


def emoji_to_words(text: str) -> str:
    """Each known emoji becomes its word between spaces; variation selectors and joiners go."""
    text = _VARIATION_SELECTORS.sub("", text)
    for emoji, word in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, f" {word} ")
    return text


def squeeze_repeats(text: str) -> str:
    pieces = _WEB_ADDRESS.split(text)
    addresses = [*_WEB_ADDRESS.findall(text), ""]
    return "".join(
        _REPEATS.sub(r"\1\1", piece) + address
        for piece, address in zip(pieces, addresses, strict=True)
    )


def lower_shouting(text: str) -> str:
    """A shouted message in lower case plus one "!" (capitals carry intensity, which an uncased
    tokenizer would otherwise drop); any other text is returned unchanged."""
    words = _LETTER_WORD.findall(text)
    shouted = [word for word in words if word.isupper()]
    if len(shouted) < MIN_SHOUTED_WORDS or len(shouted) < SHOUT_SHARE * len(words):
        return text
    return text.lower().rstrip() + SHOUT_MARK


def expand_slang(text: str) -> str:
    """Slang in lower case or capitalised ("Idk") is spelt out; other capitals are left alone, since
    "BC" or a lone "R" in edited text is an acronym or an initial, not chat."""
    return _SLANG_WORD.sub(_spell_out, text)


def _spell_out(match: re.Match[str]) -> str:
    word = match.group(1)
    if word.islower() or (len(word) > 1 and word[0].isupper() and word[1:].islower()):
        return SLANG[word.lower()]
    return word


def collapse_whitespace(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
