"""A matrix-factorisation baseline: implicit ALS (Hu, Koren and Volinsky 2008) in numpy. Each
reaction is a preference (like, played, a good check-in: 1; dislike, skip: 0) with a confidence
1 + alpha * weight; user and song factors alternate closed-form least-squares solves. A new reaction
folds the person in again (one solve with the song factors fixed), so it learns online like the
Wide & Deep ranker, and a person it has never seen gets the mean user.

It ranks like the others: candidates near the mood path, the factor score as the bonus, the shared
re-rank. It knows nothing of moods itself, which is what the comparison shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommender.rankers import RankerSetup
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.reranking import IntArray, PlaylistShaper
from recommender.songs import Song

STRATEGY = "matrix-factorisation"
VERSION = "als-v1"

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class AlsConfig:
    factors: int = 32
    regularisation: float = 0.1
    alpha: float = 10.0
    iterations: int = 6
    seed: int = 11
    score_weight: float = 0.3  # the factor score in units of VA distance
    preferences: tuple[tuple[str, float, float], ...] = (
        ("like", 1.0, 1.0),
        ("played", 1.0, 0.3),
        ("checkin-improved", 1.0, 0.5),
        ("dislike", 0.0, 1.0),
        ("skip", 0.0, 0.3),
    )  # (kind, preference, confidence weight)


class MatrixFactorisationRecommender:
    """A `LearningRecommender`; `fit` runs ALS on a log of reactions."""

    def __init__(self, songs: Sequence[Song], config: AlsConfig | None = None) -> None:
        self._shaper = PlaylistShaper(songs)
        self._songs = self._shaper.songs
        self._config = config or AlsConfig()
        self._column = {s.track_id: p for p, s in reversed(list(enumerate(self._songs)))}
        rng = np.random.default_rng(self._config.seed)
        self._items = rng.normal(0, 0.01, (len(self._songs), self._config.factors))
        self._users: dict[str, FloatArray] = {}
        self._rows: dict[str, dict[int, tuple[float, float]]] = defaultdict(dict)
        self._mean_user = np.zeros(self._config.factors)
        self._item_gram = self._gram(self._items)

    @property
    def strategy(self) -> str:
        return STRATEGY

    @property
    def version(self) -> str:
        return VERSION

    def fit(self, feedback: Sequence[Feedback]) -> None:
        for item in feedback:
            self._record(item)
        by_item: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
        for user, row in self._rows.items():
            for column, entry in row.items():
                by_item[column][user] = entry
        for _ in range(self._config.iterations):
            self._item_gram = self._gram(self._items)
            self._users = {
                u: self._solve(self._items, self._item_gram, row) for u, row in self._rows.items()
            }
            self._refresh_mean()
            user_keys = list(self._users)
            factors = np.asarray([self._users[u] for u in user_keys]).reshape(
                -1, self._config.factors
            )
            slot = {u: i for i, u in enumerate(user_keys)}
            user_gram = self._gram(factors)
            for column, entries in by_item.items():
                indexed = {slot[u]: e for u, e in entries.items()}
                self._items[column] = self._solve(factors, user_gram, indexed)
        self._item_gram = self._gram(self._items)

    def observe(self, feedback: Feedback) -> None:
        if self._record(feedback):
            row = self._rows[feedback.user_key]
            self._users[feedback.user_key] = self._solve(self._items, self._item_gram, row)
            self._refresh_mean()

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        return self._shaper.shape(request, lambda positions: self._fit(positions, request))

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        return self._shaper.score(
            request, track_ids, lambda positions: self._fit(positions, request)
        )

    def _fit(self, positions: IntArray, request: RecommendationRequest) -> FloatArray:
        """The factor score of each candidate for this person, in units of VA distance."""
        user = self._user(request.user_key)
        return np.asarray(self._config.score_weight * (self._items[positions] @ user))

    def _record(self, feedback: Feedback) -> bool:
        column = self._column.get(feedback.track_id)
        preference = next((p for p in self._config.preferences if p[0] == feedback.kind), None)
        if column is None or preference is None:
            return False
        self._rows[feedback.user_key][column] = (preference[1], preference[2])
        return True

    def _user(self, user_key: str | None) -> FloatArray:
        if user_key is not None and user_key in self._users:
            return self._users[user_key]
        return self._mean_user

    def _refresh_mean(self) -> None:
        if self._users:
            self._mean_user = np.mean(np.asarray(list(self._users.values())), axis=0)

    def _gram(self, factors: FloatArray) -> FloatArray:
        """YtY + reg I: shared by every solve against these factors."""
        k = self._config.factors
        return np.asarray(factors.T @ factors + self._config.regularisation * np.eye(k))

    def _solve(
        self, other: FloatArray, gram: FloatArray, entries: dict[int, tuple[float, float]]
    ) -> FloatArray:
        """argmin_x sum_j c_j (p_j - x.y_j)^2 + reg |x|^2 over the observed j, plus the implicit
        zeros of all other rows at confidence 1 (the YtY term in `gram`)."""
        k = self._config.factors
        if not entries:
            return np.zeros(k)
        rows = np.fromiter(entries, dtype=np.int64)
        preference = np.asarray([entries[r][0] for r in rows])
        confidence = 1.0 + self._config.alpha * np.asarray([entries[r][1] for r in rows])
        y = other[rows]
        a = gram + (y.T * (confidence - 1.0)) @ y
        b = (y.T * confidence) @ preference
        return np.asarray(np.linalg.solve(a, b), dtype=np.float64)


def build(songs: Sequence[Song], setup: RankerSetup) -> MatrixFactorisationRecommender:
    """The registry's factory: ALS on `setup.feedback`."""
    ranker = MatrixFactorisationRecommender(songs, setup.config("mf"))
    ranker.fit(setup.feedback)
    return ranker
