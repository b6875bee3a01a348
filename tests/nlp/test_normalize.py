"""Chat-text normalisation: emoji, squeezed letters, shouting, slang, whitespace; edited text kept."""

from __future__ import annotations

import pytest

from nlp.normalize import (
    collapse_whitespace,
    emoji_to_words,
    expand_slang,
    lower_shouting,
    normalize,
    squeeze_repeats,
)


@pytest.mark.parametrize(
    ("emoji", "word"),
    [
        ("😢", "sad"),
        ("😂", "laughing"),
        ("😡", "angry"),
        ("❤️", "love"),
        ("😴", "sleepy"),
        ("🔥", "excited"),
    ],
)
def test_emoji_become_words(emoji: str, word: str) -> None:
    assert normalize(f"today{emoji}") == f"today {word}"


def test_variation_selector_and_unknown_emoji() -> None:
    assert emoji_to_words("❤\ufe0f") == " love "
    assert normalize("ok 🦄") == "ok 🦄"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("soooo tired", "soo tired"), ("yesss", "yess"), ("good too", "good too"), ("KKK", "KKK")],
)
def test_repeated_letters_squeezed(text: str, expected: str) -> None:
    assert squeeze_repeats(text) == expected


def test_web_addresses_keep_their_letters() -> None:
    assert squeeze_repeats("see http://www.example.org nooo") == "see http://www.example.org noo"


def test_shouting_is_lowered_and_marked_once() -> None:
    assert lower_shouting("I AM SO ANGRY") == "i am so angry !"
    assert normalize("WHY IS THIS HAPPENING!!") == "why is this happening!! !"


@pytest.mark.parametrize("text", ["I'm SO happy", "The FBI said the USA team won", "I", "ok"])
def test_emphasis_and_acronyms_are_not_shouting(text: str) -> None:
    assert lower_shouting(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("idk tbh", "i don't know to be honest"),
        ("ngl I'm tired rn", "not gonna lie I'm tired right now"),
        ("Idk, u r right", "i don't know, you are right"),
        ("lol meh", "lol meh"),
    ],
)
def test_slang_is_spelt_out(text: str, expected: str) -> None:
    assert expand_slang(text) == expected


@pytest.mark.parametrize("text", ["the U.S. economy", "in 300 BC", "Mr. R. Smith", "burn", "rnd"])
def test_edited_text_is_not_taken_for_slang(text: str) -> None:
    assert expand_slang(text) == text


def test_whitespace_collapsed() -> None:
    assert collapse_whitespace("  so \n\t tired  ") == "so tired"


def test_plain_sentence_unchanged() -> None:
    sentence = "The committee met on Tuesday, and nobody was happy about it."
    assert normalize(sentence) == sentence


def test_idempotent() -> None:
    once = normalize("OMG I AM SOOOO HAPPY 😂😂 idk")
    assert normalize(once) == once
