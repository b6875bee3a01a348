"""The Wide & Deep ranker's hyperparameters as data: sizes of the hashed tables, the network, how
reactions become labels, and how batch and online training step. One frozen dataclass, saved beside
each model version, so a version always says how it was made and loads with the shape it was saved
with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from recommender.catalog import FEATURE_COLUMNS

# The song features the deep part reads by default (the bundled catalog's audio features); a
# version saved without a `song_features` list read these.
AUDIO_FEATURES = FEATURE_COLUMNS


@dataclass(frozen=True)
class LabelPolicy:
    """How a reaction reads as a training example: (label, weight). Skips and plays are weak
    signals; a check-in that moved toward the target rewards the playlist's songs, gently."""

    like: tuple[float, float] = (1.0, 1.0)
    dislike: tuple[float, float] = (0.0, 1.0)
    skip: tuple[float, float] = (0.0, 0.3)
    played: tuple[float, float] = (1.0, 0.3)
    checkin_improved: tuple[float, float] = (1.0, 0.5)

    def of(self, kind: str) -> tuple[float, float] | None:
        """The (label, weight) of a reaction kind, None for a kind that teaches nothing."""
        value = getattr(self, kind.replace("-", "_"), None)
        return value if isinstance(value, tuple) else None


@dataclass(frozen=True)
class WideDeepConfig:
    # Hashed tables: new users, songs and artists take a bucket, nothing is re-allocated.
    wide_buckets: int = 1 << 20
    user_buckets: int = 1 << 15
    song_buckets: int = 1 << 17
    artist_buckets: int = 1 << 16
    genre_buckets: int = 1 << 10
    user_dim: int = 16
    item_dim: int = 16
    genre_dim: int = 8
    hidden: tuple[int, ...] = (64, 32)
    text_dim: int = 0  # >0: the deep part also reads the message's text embedding
    # The song's numeric features the deep part reads, standardised ("popularity" reads
    # `Song.popularity` when the features lack it); a song without one reads the catalog mean.
    song_features: tuple[str, ...] = AUDIO_FEATURES
    # Mood x song-feature crosses in the deep part: each feature times the mood's valence and
    # arousal, so "calm songs when tense" needs no hidden unit to find it.
    mood_crosses: bool = False
    # The part of the day (`recommender.ranking.DAYPARTS`) as an input: one-hot in the deep part
    # (all zero when unknown: neutral) and daypart x genre crosses in the wide part.
    time_of_day: bool = False
    dropout: float = 0.0  # after each hidden layer, in batch training
    weight_decay: float = 0.0  # L2 on the dense weights (Adam), for small data sets
    # Batch training.
    epochs: int = 4
    batch_size: int = 512
    learning_rate: float = 0.01
    sparse_learning_rate: float = 0.03
    # Sampled negatives per positive, drawn among songs near the same mood (weak 0s): they teach
    # the model what a person passes over, which reactions alone rarely show.
    negatives_per_positive: int = 2
    negative_weight: float = 0.3
    negative_pool: int = 300
    # Weight of a pairwise (BPR) term beside the pointwise loss: within a batch, each person's liked
    # rows should score above their not-liked rows (what a ranked list needs); 0: pointwise only.
    pairwise_weight: float = 0.0
    seed: int = 7
    # Online learning: each reaction replays this person's latest reactions for a few SGD steps on
    # their own wide weights and embedding, so one reaction moves the next list but never wipes out
    # what earlier reactions taught.
    online_steps: int = 4
    online_learning_rate: float = 0.3
    online_memory: int = 32
    # Ranking: the balance between taste and closeness to the target mood: the model's logit in
    # units of VA distance (the re-rank adds minus the distance). Saved with each version, which
    # ranks with its own balance.
    score_weight: float = 0.12
    candidates_per_target: int = 150
    reload_check_seconds: float = 30.0
    # Torch threads for scoring, online steps and batch fits (0: torch's default).
    torch_threads: int = 1
    labels: LabelPolicy = field(default_factory=LabelPolicy)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WideDeepConfig:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("hidden", "song_features"):
            if name in values:
                values[name] = tuple(values[name])
        if "labels" in values:
            values["labels"] = LabelPolicy(**{k: tuple(v) for k, v in values["labels"].items()})
        return cls(**values)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)
