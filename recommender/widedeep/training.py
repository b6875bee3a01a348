"""Teaching the model: reactions become weighted labels (`LabelPolicy`), a batch fit over everyone's
reactions with sampled near-mood negatives (Adam on the dense weights, SparseAdam on the hashed
tables), and the online step that moves one person's own wide weights and embedding after a reaction.

The online step is plain SGD on a fixed small batch (that person's latest reactions), so replaying
the same reactions in the same order gives the same model: that is how a restart recovers what was
learned online (see `recommender.widedeep.ranker`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from torch.nn import functional
from tqdm import tqdm

from recommender.index import MoodIndex
from recommender.ranking import Feedback
from recommender.widedeep.config import WideDeepConfig
from recommender.widedeep.features import USER_COLUMNS, Batch, SongTable, batch_for, stable_key
from recommender.widedeep.model import WideDeepModel

# Moods are rounded to this grid to share one near-mood negative pool per cell.
NEGATIVE_GRID = 0.1


@dataclass(frozen=True)
class Examples:
    """Training rows as arrays: catalog position, user key, mood (n, 2), label, weight and part of
    the day (0: unknown)."""

    positions: npt.NDArray[np.int64]
    users: npt.NDArray[np.uint64]
    moods: npt.NDArray[np.float64]
    labels: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    dayparts: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.positions)


def examples_from_feedback(
    feedback: Sequence[Feedback], position_of: dict[str, int], config: WideDeepConfig
) -> Examples:
    """One row per reaction whose song is in the catalog and whose kind teaches something."""
    rows = []
    for item in feedback:
        label = config.labels.of(item.kind)
        position = position_of.get(item.track_id)
        if label is None or position is None:
            continue
        rows.append(
            (
                position,
                stable_key(item.user_key),
                item.mood.valence,
                item.mood.arousal,
                *label,
                item.daypart or 0,
            )
        )
    if not rows:
        return _empty()
    columns = list(zip(*rows, strict=True))
    return Examples(
        positions=np.asarray(columns[0], dtype=np.int64),
        users=np.asarray(columns[1], dtype=np.uint64),
        moods=np.stack([np.asarray(columns[2]), np.asarray(columns[3])], axis=1).astype(np.float64),
        labels=np.asarray(columns[4], dtype=np.float32),
        weights=np.asarray(columns[5], dtype=np.float32),
        dayparts=np.asarray(columns[6], dtype=np.int64),
    )


def with_negatives(examples: Examples, index: MoodIndex, config: WideDeepConfig) -> Examples:
    """The examples plus, per positive, songs near the same mood as weak negatives."""
    rng = np.random.default_rng(config.seed)
    positive = np.flatnonzero(examples.labels > 0.5)
    k = config.negatives_per_positive
    if k <= 0 or len(positive) == 0 or len(index) == 0:
        return examples
    cells = np.round(examples.moods[positive] / NEGATIVE_GRID).astype(np.int64)
    pools: dict[tuple[int, int], npt.NDArray[np.int64]] = {}
    sampled = np.empty((len(positive), k), dtype=np.int64)
    for row, (cv, ca) in enumerate(cells):
        key = (int(cv), int(ca))
        if key not in pools:
            near = index.nearest(
                key[0] * NEGATIVE_GRID, key[1] * NEGATIVE_GRID, config.negative_pool
            )
            pools[key] = np.asarray([p for p, _ in near], dtype=np.int64)
        sampled[row] = rng.choice(pools[key], size=k)
    repeat = np.repeat(positive, k)
    return Examples(
        positions=np.concatenate([examples.positions, sampled.reshape(-1)]),
        users=np.concatenate([examples.users, examples.users[repeat]]),
        moods=np.concatenate([examples.moods, examples.moods[repeat]]),
        labels=np.concatenate([examples.labels, np.zeros(len(repeat), np.float32)]),
        weights=np.concatenate(
            [examples.weights, np.full(len(repeat), config.negative_weight, np.float32)]
        ),
        dayparts=np.concatenate([examples.dayparts, examples.dayparts[repeat]]),
    )


def fit(model: WideDeepModel, table: SongTable, examples: Examples) -> list[float]:
    """Batch training in place; the mean loss of each epoch."""
    config = model.config
    generator = torch.Generator().manual_seed(config.seed)
    dense = torch.optim.Adam(
        model.dense_parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    sparse = torch.optim.SparseAdam(model.sparse_parameters(), lr=config.sparse_learning_rate)
    losses = []
    model.train()
    # A bar on a terminal only (disable=None: quiet when standard error is not a terminal).
    for _ in tqdm(
        range(config.epochs), desc="Wide & Deep", unit="epoch", disable=None, leave=False
    ):
        order = torch.randperm(len(examples), generator=generator).numpy()
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            batch = _batch(table, examples, rows, config)
            logits = model(batch)
            loss = _loss(logits, examples, rows)
            if config.pairwise_weight > 0:
                loss = loss + config.pairwise_weight * _pairwise_loss(logits, examples, rows)
            dense.zero_grad()
            sparse.zero_grad()
            loss.backward()
            dense.step()
            sparse.step()
            total += float(loss.detach()) * len(rows)
        losses.append(total / max(1, len(order)))
    model.eval()
    return losses


def online_step(model: WideDeepModel, table: SongTable, examples: Examples) -> None:
    """SGD on this person's wide weights (the user-owned crosses only) and user embedding."""
    config = model.config
    rows = np.arange(len(examples))
    batch = _batch(table, examples, rows, config)
    own_wide = torch.unique(batch.wide[:, :USER_COLUMNS])
    own_wide = own_wide[own_wide != 0]
    for _ in range(config.online_steps):
        logits = model(batch)
        loss = _loss(logits, examples, rows, reduction="sum")
        wide_grad, user_grad = torch.autograd.grad(loss, [model.wide.weight, model.user.weight])
        with torch.no_grad():
            _sgd_rows(model.wide.weight, wide_grad, own_wide, config.online_learning_rate)
            _sgd_rows(model.user.weight, user_grad, None, config.online_learning_rate)


def _sgd_rows(
    weight: torch.Tensor, grad: torch.Tensor, allowed: torch.Tensor | None, lr: float
) -> None:
    grad = grad.coalesce()
    rows, values = grad.indices()[0], grad.values()
    keep = rows != 0  # the padding row stays zero
    if allowed is not None:
        keep &= torch.isin(rows, allowed)
    weight.index_add_(0, rows[keep], values[keep], alpha=-lr)


def _batch(
    table: SongTable, examples: Examples, rows: npt.NDArray[np.int64], config: WideDeepConfig
) -> Batch:
    return batch_for(
        table,
        examples.positions[rows],
        examples.users[rows],
        examples.moods[rows],
        config,
        dayparts=examples.dayparts[rows],
    )


def _loss(
    logits: torch.Tensor, examples: Examples, rows: npt.NDArray[np.int64], reduction: str = "mean"
) -> torch.Tensor:
    labels = torch.from_numpy(examples.labels[rows])
    weights = torch.from_numpy(examples.weights[rows])
    loss = functional.binary_cross_entropy_with_logits(
        logits, labels, weight=weights, reduction="sum"
    )
    return loss if reduction == "sum" else loss / weights.sum().clamp_min(1e-6)


def _pairwise_loss(
    logits: torch.Tensor, examples: Examples, rows: npt.NDArray[np.int64]
) -> torch.Tensor:
    """BPR over the batch: mean of -log sigmoid(liked - not liked) over each person's pairs, each
    pair weighted by the product of its rows' weights (0 when the batch has no pair)."""
    users = torch.from_numpy(examples.users[rows].astype(np.int64))
    labels = torch.from_numpy(examples.labels[rows])
    weights = torch.from_numpy(examples.weights[rows])
    liked = labels > 0.5
    pairs = (users[:, None] == users[None, :]) & liked[:, None] & ~liked[None, :]
    if not bool(pairs.any()):
        return logits.sum() * 0.0
    pair_weight = (weights[:, None] * weights[None, :])[pairs]
    margins = (logits[:, None] - logits[None, :])[pairs]
    return (functional.softplus(-margins) * pair_weight).sum() / pair_weight.sum()


def _empty() -> Examples:
    return Examples(
        np.zeros(0, np.int64),
        np.zeros(0, np.uint64),
        np.zeros((0, 2), np.float64),
        np.zeros(0, np.float32),
        np.zeros(0, np.float32),
        np.zeros(0, np.int64),
    )
