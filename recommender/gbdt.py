"""A gradient-boosted trees baseline (scikit-learn's `HistGradientBoostingClassifier`) over the
fields the Wide & Deep model sees: the mood, the song's mood and how far apart they are, the song's
numeric features (audio, popularity: whatever the catalog has; missing ones stay missing, which the
trees handle), its genre (categorical), and what the reactions say of the person, the song and the
person's genre (smoothed like rates; leave-one-out while fitting, so a row never sees its own label).

`fit` trains on a log of reactions; `observe` updates the person's rates at once, so the next list
reflects a reaction (the trees themselves change only at the next `fit`). It ranks like the others:
candidates near the mood path, its logit as the bonus, the shared re-rank.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from recommender.rankers import RankerSetup
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.reranking import FloatArray, IntArray, PlaylistShaper
from recommender.songs import EXPLICIT, Song

STRATEGY = "gradient-boosted-trees"
VERSION = "gbdt-v1"
MAX_GENRES = 250  # HistGradientBoosting's categorical limit (bins); rarer genres read as missing


@dataclass(frozen=True)
class GbdtConfig:
    max_iter: int = 150
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0
    prior_weight: float = 3.0  # pseudo-reactions at the global like rate behind each smoothed rate
    score_weight: float = 0.12  # the logit in units of VA distance in the re-rank
    seed: int = 7
    labels: tuple[tuple[str, float, float], ...] = (
        ("like", 1.0, 1.0),
        ("played", 1.0, 0.3),
        ("checkin-improved", 1.0, 0.5),
        ("dislike", 0.0, 1.0),
        ("skip", 0.0, 0.3),
    )  # (kind, label, weight)


class _Rates:
    """Sums and counts of labels by key, read as smoothed rates toward a global rate."""

    def __init__(self) -> None:
        self.sum: defaultdict[object, float] = defaultdict(float)
        self.count: defaultdict[object, float] = defaultdict(float)

    def add(self, key: object, label: float) -> None:
        self.sum[key] += label
        self.count[key] += 1.0

    def rate(self, key: object, prior: float, weight: float, drop: float | None = None) -> float:
        """The smoothed rate; `drop` leaves one label of this key out (the row being fitted)."""
        total, count = self.sum.get(key, 0.0), self.count.get(key, 0.0)
        if drop is not None:
            total, count = total - drop, count - 1.0
        return (total + prior * weight) / (count + weight)


class GbdtRecommender:
    """A `LearningRecommender` over a fixed catalog."""

    def __init__(self, songs: Sequence[Song], config: GbdtConfig | None = None) -> None:
        self._shaper = PlaylistShaper(songs)
        self._songs = self._shaper.songs
        self._config = config or GbdtConfig()
        self._labels = {kind: (label, weight) for kind, label, weight in self._config.labels}
        names = sorted({c for s in self._songs for c in s.features if c != EXPLICIT})
        self._song_features = np.asarray(
            [[s.features.get(c, np.nan) for c in names] for s in self._songs], dtype=np.float64
        ).reshape(len(self._songs), len(names))
        genres = [s.genres[0] if s.genres else "" for s in self._songs]
        frequent = [g for g, _ in sorted(_counts(genres).items(), key=lambda x: -x[1])]
        code = {g: i for i, g in enumerate(frequent[:MAX_GENRES]) if g}
        self._genre = np.asarray([code.get(g, np.nan) for g in genres], dtype=np.float64)
        self._genre_name = genres
        self._va = np.asarray([(s.valence, s.arousal) for s in self._songs], dtype=np.float64)
        self._users, self._items, self._user_genres = _Rates(), _Rates(), _Rates()
        self._prior = 0.5
        self._model: object | None = None

    @property
    def strategy(self) -> str:
        return STRATEGY

    @property
    def version(self) -> str:
        return VERSION

    def fit(self, feedback: Sequence[Feedback]) -> None:
        from sklearn.ensemble import HistGradientBoostingClassifier  # heavy: only when fitting

        rows = [r for f in feedback if (r := self._row(f)) is not None]
        for user, position, _, label, _ in rows:
            self._record(user, position, label)
        if not rows:
            return
        labels = np.asarray([r[3] for r in rows])
        self._prior = float(labels.mean())
        if len(set(labels.tolist())) < 2:
            return  # one class only: nothing to separate; rank by mood and rates alone
        positions = np.asarray([r[1] for r in rows], dtype=np.int64)
        moods = np.asarray([r[2] for r in rows], dtype=np.float64)
        users = [r[0] for r in rows]
        x = self._matrix(users, positions, moods, labels)
        model = HistGradientBoostingClassifier(
            max_iter=self._config.max_iter,
            learning_rate=self._config.learning_rate,
            max_leaf_nodes=self._config.max_leaf_nodes,
            min_samples_leaf=self._config.min_samples_leaf,
            l2_regularization=self._config.l2_regularization,
            categorical_features=[x.shape[1] - 1],
            early_stopping=False,
            random_state=self._config.seed,
        )
        with threadpool_limits(1):  # a few hundred rows: OpenMP threads only wait on each other
            model.fit(x, labels, sample_weight=np.asarray([r[4] for r in rows]))
        self._model = model

    def observe(self, feedback: Feedback) -> None:
        row = self._row(feedback)
        if row is not None:
            self._record(row[0], row[1], row[3])

    def recommend(self, request: RecommendationRequest) -> list[RankedSong]:
        return self._shaper.shape(
            request, lambda positions: self._config.score_weight * self._logits(request, positions)
        )

    def score(self, request: RecommendationRequest, track_ids: Sequence[str]) -> list[float]:
        """The trees' logit (they see the mood gap themselves); untrained: minus the mood gap."""
        if self._model is None:
            return self._shaper.score(request, track_ids, lambda p: np.zeros(len(p)))
        known = [self._shaper.positions_of(t) for t in track_ids]
        positions = np.asarray([p[0] for p in known if p], dtype=np.int64)
        logits = iter(self._logits(request, positions).tolist())
        return [next(logits) if p else float("-inf") for p in known]

    def _logits(self, request: RecommendationRequest, positions: IntArray) -> FloatArray:
        if self._model is None or len(positions) == 0:
            return np.zeros(len(positions))
        moods = np.tile([request.mood.valence, request.mood.arousal], (len(positions), 1))
        users = [request.user_key or ""] * len(positions)
        x = self._matrix(users, positions, moods)
        with threadpool_limits(1):
            logit = self._model.decision_function(x)  # type: ignore[attr-defined]
        return np.asarray(logit, dtype=np.float64).reshape(-1)

    def _row(self, feedback: Feedback) -> tuple[str, int, tuple[float, float], float, float] | None:
        label = self._labels.get(feedback.kind)
        positions = self._shaper.positions_of(feedback.track_id)
        if label is None or not positions:
            return None
        mood = (feedback.mood.valence, feedback.mood.arousal)
        return feedback.user_key, positions[0], mood, label[0], label[1]

    def _record(self, user: str, position: int, label: float) -> None:
        self._users.add(user, label)
        self._items.add(position, label)
        self._user_genres.add((user, self._genre_name[position]), label)

    def _matrix(
        self,
        users: Sequence[str],
        positions: IntArray,
        moods: npt.NDArray[np.float64],
        labels: npt.NDArray[np.float64] | None = None,
    ) -> npt.NDArray[np.float64]:
        """One row per (user, song, mood); with `labels`, each row's own label is left out of the
        rates it reads."""
        prior, weight = self._prior, self._config.prior_weight
        song_va = self._va[positions]
        gap = np.abs(song_va - moods)
        rates = np.asarray(
            [
                (
                    self._users.rate(u, prior, weight, None if labels is None else labels[i]),
                    self._items.rate(int(p), prior, weight, None if labels is None else labels[i]),
                    self._user_genres.rate(
                        (u, self._genre_name[p]),
                        prior,
                        weight,
                        None if labels is None else labels[i],
                    ),
                )
                for i, (u, p) in enumerate(zip(users, positions, strict=True))
            ],
            dtype=np.float64,
        ).reshape(len(positions), 3)
        return np.concatenate(
            [
                moods,
                song_va,
                gap,
                np.hypot(gap[:, :1], gap[:, 1:]),
                self._song_features[positions],
                rates,
                self._genre[positions].reshape(-1, 1),
            ],
            axis=1,
        )


def _counts(values: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return counts


def build(songs: Sequence[Song], setup: RankerSetup) -> GbdtRecommender:
    """The registry's factory: fits on `setup.feedback`."""
    ranker = GbdtRecommender(songs, setup.config("gbdt"))
    ranker.fit(setup.feedback)
    return ranker
