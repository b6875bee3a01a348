"""Latency of k-nearest retrieval in mood space (`recommender.index.MoodIndex`) at 30k, 100k and 1M
synthetic songs: p50 and p99 per query, plain and with a chat's filter (disliked and heard-today
songs, no explicit lyrics), against a brute-force pass over every song for comparison.

Songs are drawn like the bundled catalog: valence spread evenly, arousal skewed toward energetic
(2 * Beta(3, 1.5) - 1), 10% explicit. Queries are uniform over VA space, so the sparse corners (the
worst case for a grid) are asked as often as the dense middle. k is the ranker's 200 candidates.
Run:

    python benchmarks/catalog_index.py [--queries 500] [--sizes 30000 100000 1000000]

It prints a JSON object and the Markdown rows recorded in docs/catalog.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from recommender.index import MoodIndex

K = 200
DISLIKED = 300
HEARD_TODAY = 200


def synthetic_songs(
    n: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    valence = rng.uniform(-1.0, 1.0, n)
    arousal = 2.0 * rng.beta(3.0, 1.5, n) - 1.0
    return np.column_stack([valence, arousal]), rng.random(n) < 0.1


def brute_force(points: npt.NDArray[np.float64], v: float, a: float, k: int) -> list[int]:
    squared = (points[:, 0] - v) ** 2 + (points[:, 1] - a) ** 2
    nearest = np.argpartition(squared, k - 1)[:k]
    return [int(p) for p in nearest[np.argsort(squared[nearest])]]


def latencies(
    call: Callable[[float, float], object], queries: npt.NDArray[np.float64]
) -> dict[str, float]:
    for v, a in queries[:20]:  # warm caches and lazily built arrays
        call(float(v), float(a))
    times = []
    for v, a in queries:
        start = time.perf_counter()
        call(float(v), float(a))
        times.append(time.perf_counter() - start)
    ms = np.asarray(times) * 1000.0
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def measure(n: int, queries: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    points, explicit = synthetic_songs(n, rng)
    start = time.perf_counter()
    index = MoodIndex.from_points(points, explicit)
    build_s = time.perf_counter() - start
    asked = rng.uniform(-1.0, 1.0, size=(queries, 2))
    banned = rng.choice(n, DISLIKED + HEARD_TODAY, replace=False)

    def filtered(v: float, a: float) -> object:
        # What a chat pays per query: building the mask from its lists, then the search.
        mask = explicit.copy()
        mask[banned] = True
        return index.nearest(v, a, K, mask)

    return {
        "songs": n,
        "k": K,
        "build_s": build_s,
        "plain": latencies(lambda v, a: index.nearest(v, a, K), asked),
        "filtered": latencies(filtered, asked),
        "brute_force": latencies(
            lambda v, a: brute_force(points, v, a, K), asked[: max(50, queries // 5)]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--sizes", type=int, nargs="+", default=[30_000, 100_000, 1_000_000])
    args = parser.parse_args()
    results = [measure(n, args.queries) for n in args.sizes]
    print(
        json.dumps(
            {"machine": platform.processor() or platform.machine(), "results": results}, indent=2
        )
    )
    print(
        "\n| songs | plain p50 / p99 (ms) | filtered p50 / p99 (ms) | brute force p50 / p99 (ms) |"
    )
    print("|---|---|---|---|")
    for r in results:
        cells = [
            f"{r[c]['p50_ms']:.2f} / {r[c]['p99_ms']:.2f}"
            for c in ("plain", "filtered", "brute_force")
        ]
        print(f"| {r['songs']:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
