"""The VA index: the same answers as brute force, exclusions honoured, deterministic ties."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from recommender.index import MoodIndex
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
