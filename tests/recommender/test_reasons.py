"""Reasons and mood words read as a person would describe the song."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Mood
from recommender.ranking import TasteProfile
from recommender.reasons import mood_words, reason_for
from recommender.songs import Song

# The `make_song` fixture of conftest.py.
SongMaker = Callable[..., Song]


@pytest.mark.parametrize(
    ("valence", "arousal", "words"),
    [
        (0.4, -0.4, "gentle and hopeful"),
        (-0.7, 0.7, "dark and driving"),
        (0.5, 0.5, "bright and upbeat"),
        (0.7, 0.7, "joyful and energetic"),
        (-0.6, -0.6, "calm and melancholy"),
        (0.0, 0.0, "easygoing and even"),
        (0.95, 0.9, "very joyful and energetic"),
    ],
)
def test_mood_words(valence: float, arousal: float, words: str) -> None:
    assert mood_words(valence, arousal) == words


def test_every_point_has_words() -> None:
    steps = [i / 10 for i in range(-10, 11)]
    assert all(mood_words(v, a) for v in steps for a in steps)


def test_reason_names_the_strongest_tie(make_song: SongMaker) -> None:
    song = make_song("t1", 0.4, -0.4, artist="Adele", genre="pop")
    target = Mood(0.4, -0.4)
    plain = reason_for(song, TasteProfile(), target)
    assert plain == "gentle and hopeful pop, close to how you feel"
    liked_artist = TasteProfile(artist_affinity={"adele": 1.0})  # case-folded keys match too
    assert reason_for(song, liked_artist, target).endswith("you liked this artist")
    pop_fan = TasteProfile(genre_affinity={"pop": 1.0})
    assert reason_for(song, pop_fan, target).endswith("you like pop")
    liked = TasteProfile(liked_tracks=frozenset({"t1"}))
    assert reason_for(song, liked, target).endswith("you liked this one before")


def test_reason_says_which_way_the_playlist_steps(make_song: SongMaker) -> None:
    song = make_song("t1", 0.2, -0.5)
    current, target = Mood(0.3, 0.6), Mood(0.35, -0.2)
    assert reason_for(song, TasteProfile(), target, current).endswith("a step toward calmer")
