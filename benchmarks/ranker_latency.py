"""Latency of the Wide & Deep ranker: scoring 500 candidates for one person (target p99 < 5 ms) and
a full recommendation (candidates from the index, scoring, re-rank, reasons) at a 1M-song catalog
(target p99 < 20 ms). The catalog is synthetic (seeded): uniform moods, 50,000 artists, six genres,
audio features; the model is a batch-trained one (a few thousand synthetic reactions), and every
request's person has ten reactions learned online, so personal candidates and crosses are live.

    python benchmarks/ranker_latency.py [--songs 1000000] [--requests 300]

Each line gives wall-clock percentiles (what a person waits) and, after "cpu", the serving thread's
CPU time per request (`time.thread_time`: what the request costs on a free core; on a machine whose
cores are held by other work the wall clock also counts the time spent waiting for a core).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from nlp import Mood
from recommender.modes import Mode
from recommender.ranking import Feedback, RecommendationRequest, TasteProfile
from recommender.songs import Song
from recommender.widedeep import WideDeepRecommender

GENRES = ("pop", "rock", "rap", "edm", "latin", "r&b")
MODES = list(Mode)


def catalog(count: int, seed: int = 1) -> list[Song]:
    rng = random.Random(seed)
    return [
        Song(
            f"s{i}", f"Song {i}", f"Artist {i % 50_000}", rng.uniform(-1, 1), rng.uniform(-1, 1),
            (GENRES[i % 6],), features={"energy": rng.random(), "acousticness": rng.random()},
        )
        for i in range(count)
    ]  # fmt: skip


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = {q: ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] for q in (50, 95, 99)}
    return " ".join(f"p{q} {v * 1000:.2f} ms" for q, v in p.items()) + (
        f" (mean {statistics.mean(samples) * 1000:.2f} ms, n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--songs", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(2)
    started = time.perf_counter()
    songs = catalog(args.songs)
    ranker = WideDeepRecommender(songs)
    history = [
        Feedback(f"user{u}", songs[rng.randrange(len(songs))].track_id,
                 Mood(rng.uniform(-1, 1), rng.uniform(-1, 1)), rng.choice(["like", "dislike"]))
        for u in range(300) for _ in range(10)
    ]  # fmt: skip
    ranker.train(history)
    for feedback in history[:1000]:
        ranker.observe(feedback)
    print(f"set-up: {len(songs):,} songs in {time.perf_counter() - started:.1f} s")
    scoring: list[float] = []
    full: list[float] = []
    scoring_cpu: list[float] = []
    full_cpu: list[float] = []
    for n in range(args.requests):
        user = f"user{n % 100}"
        mood = Mood(rng.uniform(-1, 1), rng.uniform(-1, 1))
        taste = TasteProfile(artist_affinity={songs[n * 7].artist: 1.0})
        request = RecommendationRequest(mood, MODES[n % 4], taste, 10, user)
        candidates = [songs[rng.randrange(len(songs))].track_id for _ in range(500)]
        t, c = time.perf_counter(), time.thread_time()
        ranker.score(request, candidates)
        scoring.append(time.perf_counter() - t)
        scoring_cpu.append(time.thread_time() - c)
        t, c = time.perf_counter(), time.thread_time()
        ranker.recommend(request)
        full.append(time.perf_counter() - t)
        full_cpu.append(time.thread_time() - c)
    print(f"score 500 candidates, one person: {percentiles(scoring)}")
    print(f"  cpu: {percentiles(scoring_cpu)}")
    print(f"full recommendation at {len(songs):,} songs: {percentiles(full)}")
    print(f"  cpu: {percentiles(full_cpu)}")


if __name__ == "__main__":
    main()
