"""Ranking metrics as pure functions: NDCG@k and Recall@k with binary relevance, AUC of liked vs
disliked scores (ties count half), and a playlist's mean mood distance to its targets."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from recommender.ranking import RankedSong


def ndcg_at(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    if not relevant:
        return 0.0
    gain = sum(1.0 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal


def recall_at(ranked: Sequence[str], relevant: Collection[str], k: int = 10) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def auc(positive: Sequence[float], negative: Sequence[float]) -> float | None:
    """P(a liked song outscores a disliked one); None without both kinds."""
    if not positive or not negative:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in positive for n in negative)
    return wins / (len(positive) * len(negative))


def mood_distance(playlist: Sequence[RankedSong], k: int = 10) -> float | None:
    """Mean VA distance of the first k songs to the target of their position."""
    top = playlist[:k]
    if not top:
        return None
    return sum(
        math.hypot(r.song.valence - r.target.valence, r.song.arousal - r.target.arousal)
        for r in top
    ) / len(top)
