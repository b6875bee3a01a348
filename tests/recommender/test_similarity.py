"""The maximal-marginal-relevance step of the re-rank: song similarity in mood, genre and sound, and
near-ties broken toward variety."""

from __future__ import annotations

import numpy as np

from nlp import Mood
from recommender.modes import Mode
from recommender.ranking import RecommendationRequest
from recommender.reranking import PlaylistShaper
from recommender.similarity import MMR_WEIGHT, SoundSpace, similarity_to
from recommender.songs import Song

TARGET = Mood(0.5, 0.5)
SAME_SOUND = {"danceability": 0.5, "acousticness": 0.1, "tempo": 120.0, "liveness": 0.1}


def _song(i: int, valence: float, genre: str, sound: dict[str, float]) -> Song:
    return Song(
        f"t{i}", f"Song {i}", f"Artist {i}", valence, TARGET.arousal, (genre,), features=sound
    )


def _catalog() -> list[Song]:
    """Ten near copies (same sound, a hair from the target, genres g0..g9) and ten different songs
    (their own genres h0..h9 and sounds) only a little further away: a near-tie."""
    copies = [_song(i, TARGET.valence + 0.0001 * i, f"g{i}", SAME_SOUND) for i in range(10)]
    rng = np.random.default_rng(5)
    others = [
        _song(
            10 + i,
            TARGET.valence - 0.001 - 0.0002 * i,
            f"h{i}",
            {
                "danceability": float(rng.random()),
                "acousticness": float(rng.random()),
                "tempo": float(rng.uniform(60, 180)),
                "liveness": float(rng.random()),
            },
        )
        for i in range(10)
    ]
    return copies + others


def _list(shaper: PlaylistShaper) -> list[str]:
    request = RecommendationRequest(TARGET, Mode.MATCH, size=10)
    return [
        r.song.track_id for r in shaper.shape(request, lambda p: np.zeros(len(p), dtype=np.float64))
    ]


def test_similarity_is_one_for_a_copy_and_lower_for_a_different_song() -> None:
    songs = _catalog()
    shaper = PlaylistShaper(songs)
    pool = np.arange(len(songs), dtype=np.int64)
    alike = similarity_to(0, pool, shaper.index.points, shaper.genre_codes, shaper.sound)
    assert alike[0] == 1.0
    assert np.all((alike >= 0.0) & (alike <= 1.0))
    assert alike[1:10].min() > alike[10:].max()  # same sound, same mood beats anything else


def test_songs_without_audio_features_sit_at_the_mean() -> None:
    songs = [_song(0, 0.0, "pop", {}), _song(1, 0.0, "pop", {"tempo": 100.0})]
    assert np.all(SoundSpace(songs).features == 0.0)


def test_without_mmr_the_near_copies_fill_the_list() -> None:
    assert _list(PlaylistShaper(_catalog(), mmr_weight=0.0)) == [f"t{i}" for i in range(10)]


def test_mmr_breaks_near_ties_toward_variety() -> None:
    picked = _list(PlaylistShaper(_catalog(), mmr_weight=MMR_WEIGHT))
    copies = [t for t in picked if int(t[1:]) < 10]
    assert picked[0] == "t0"  # the best song still leads
    assert len(copies) <= 5
