"""The VA index: the same answers as brute force, exclusions honoured, deterministic ties."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from recommender.index import MoodIndex, SongFilter
from recommender.songs import Song

# The `make_song` fixture of conftest.py.
SongMaker = Callable[..., Song]


def _brute_force(points: np.ndarray, v: float, a: float, k: int, banned: set[int]) -> list[int]:
    distances = [
        (float(np.hypot(p[0] - v, p[1] - a)), i) for i, p in enumerate(points) if i not in banned
    ]
    return [i for _, i in sorted(distances)[:k]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1, 1, size=(2_000, 2))
    index = MoodIndex.from_points(points)
    v, a = rng.uniform(-1, 1, size=2)
    found = index.nearest(float(v), float(a), 25)
    assert [p for p, _ in found] == _brute_force(points, v, a, 25, set())
    assert all(d == pytest.approx(np.hypot(*(points[p] - (v, a)))) for p, d in found)


def test_exclusion_by_mask_and_by_positions() -> None:
    rng = np.random.default_rng(7)
    points = rng.uniform(-1, 1, size=(500, 2))
    index = MoodIndex.from_points(points)
    banned = {p for p, _ in index.nearest(0.0, 0.0, 10)}
    mask = np.zeros(len(points), dtype=bool)
    mask[list(banned)] = True
    by_mask = [p for p, _ in index.nearest(0.0, 0.0, 10, exclude=mask)]
    by_set = [p for p, _ in index.nearest(0.0, 0.0, 10, exclude=banned)]
    assert by_mask == by_set == _brute_force(points, 0.0, 0.0, 10, banned)


def test_small_and_empty_indexes(make_song: SongMaker) -> None:
    index = MoodIndex([make_song("a", 0.1, 0.1), make_song("b", 0.9, 0.9)])
    assert [p for p, _ in index.nearest(1.0, 1.0, 10)] == [1, 0]
    assert index.nearest(0.0, 0.0, 5, exclude={0, 1}) == []
    assert index.nearest(0.0, 0.0, 0) == []
    assert MoodIndex([]).nearest(0.0, 0.0, 3) == []


def test_ties_are_ordered_by_position() -> None:
    index = MoodIndex.from_points([(0.5, 0.0)] * 6)
    assert [p for p, _ in index.nearest(0.0, 0.0, 3)] == [0, 1, 2]


def test_mask_of_the_wrong_length_is_refused() -> None:
    index = MoodIndex.from_points([(0.0, 0.0), (1.0, 1.0)])
    with pytest.raises(ValueError, match="shape"):
        index.nearest(0.0, 0.0, 1, exclude=np.zeros(3, dtype=bool))


@pytest.mark.parametrize("seed", [3, 4])
def test_lumpy_catalogs_and_far_targets_match_brute_force(seed: int) -> None:
    # Most songs in one tight corner, a few scattered: the grid must widen its search correctly.
    rng = np.random.default_rng(seed)
    points = np.vstack([rng.normal(0.7, 0.03, size=(3_000, 2)), rng.uniform(-1, 1, size=(40, 2))])
    index = MoodIndex.from_points(points)
    banned = set(range(0, 3_000, 3))
    for v, a in [(-1.0, -1.0), (0.7, 0.7), (3.0, -2.0), (0.0, 0.1)]:
        found = [p for p, _ in index.nearest(v, a, 60, exclude=banned)]
        assert found == _brute_force(points, v, a, 60, banned)


def test_filters_leave_out_disliked_heard_and_explicit_songs(make_song: SongMaker) -> None:
    songs = [make_song(str(i), 0.01 * i, 0.0) for i in range(10)]
    songs[2] = Song("2", "Rude", "A2", 0.02, 0.0, features={"explicit": 1.0})
    index = MoodIndex(songs)
    everything = [p for p, _ in index.candidates(0.0, 0.0, 10, SongFilter())]
    assert everything == list(range(10))
    chat = SongFilter(disliked={"0", "unknown-id"}, heard=frozenset({"1"}), allow_explicit=False)
    assert [p for p, _ in index.candidates(0.0, 0.0, 3, chat)] == [3, 4, 5]
    assert [p for p, _ in index.candidates(0.0, 0.0, 3, SongFilter(heard={"1"}))] == [0, 2, 3]


def test_songs_of_unknown_mood_are_never_candidates(make_song: SongMaker) -> None:
    unknown = Song("u", "U", "A", 0.0, 0.0, mood_source="unknown", mood_confidence=0.0)
    index = MoodIndex([unknown, make_song("k", 0.5, 0.5)])
    assert [p for p, _ in index.nearest(0.0, 0.0, 5)] == [1]


def test_explicit_flags_on_raw_points() -> None:
    index = MoodIndex.from_points([(0.0, 0.0), (0.1, 0.0)], explicit=[True, False])
    assert [p for p, _ in index.candidates(0, 0, 2, SongFilter(allow_explicit=False))] == [1]
