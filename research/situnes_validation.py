"""Choosing settings on SiTunes' validation slices only (`run_situnes(..., validate=True)`: each
fold's training part split again by time; the test rows are never read). Each candidate is Wide &
Deep hyperparameters (overrides of `presets/situnes.json`) and, optionally, the shared re-rank's
exploration share and MMR weight; one line per candidate with the validation metrics.

    MOODWAVE_DATA_DIR=../shared/data python -m research.situnes_validation \\
        --splits time,lab-to-field --rankers widedeep \\
        --candidate '{"score_weight": 0.12}' --candidate '{"score_weight": 0.3}'

A candidate's `gbdt` key sets gbdt's hyperparameters (`GbdtConfig`); its `rerank` key, e.g. `{"rerank": {"mmr_weight": 0.05, "explore_every": 10}}`, sets the
re-rank of every ranker in that run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from recommender import reranking
from recommender.evaluation.situnes import SITUNES_WIDEDEEP, load_situnes, run_situnes
from recommender.evaluation.study import StudyConfig
from recommender.gbdt import GbdtConfig
from recommender.widedeep.config import WideDeepConfig

METRICS = ("auc", "ndcg@10", "recall@10", "mood_distance@10", "top_genre_share@10", "coverage")


def evaluate_candidate(
    study: Any, candidate: dict[str, Any], splits: tuple[str, ...], rankers: tuple[str, ...]
) -> dict[str, Any]:
    """The validation report of one candidate (the re-rank defaults restored afterwards)."""
    rerank = candidate.get("rerank", {})
    base = json.loads(SITUNES_WIDEDEEP.read_text())
    overrides = {k: v for k, v in candidate.items() if k not in ("rerank", "gbdt")}
    config = StudyConfig(
        rankers=rankers,
        widedeep=WideDeepConfig.from_json({**base, **overrides}),
        gbdt=GbdtConfig(**candidate.get("gbdt", {})),
    )
    saved = reranking.MMR_WEIGHT, reranking.EXPLORE_EVERY
    reranking.MMR_WEIGHT = float(rerank.get("mmr_weight", saved[0]))
    reranking.EXPLORE_EVERY = int(rerank.get("explore_every", saved[1]))
    try:
        return run_situnes(study, config, splits, validate=True)
    finally:
        reranking.MMR_WEIGHT, reranking.EXPLORE_EVERY = saved


def row_of(candidate: dict[str, Any], report: dict[str, Any], ranker: str) -> str:
    cells = [json.dumps(candidate, sort_keys=True), ranker]
    means: dict[str, list[float]] = {m: [] for m in (*METRICS, "ndcg@10 (>=4)")}
    for results in report["splits"].values():
        metrics = results["rankers"][ranker]
        for m in METRICS:
            cells.append(f"{metrics[m]:.4f}")
            means[m].append(metrics[m])
        cells.append(f"{metrics['rating>=4']['ndcg@10']:.4f}")
        means["ndcg@10 (>=4)"].append(metrics["rating>=4"]["ndcg@10"])
    cells += [
        f"{sum(v) / len(v):.4f}" for k, v in means.items() if k in ("auc", "ndcg@10", "recall@10")
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", default="time,lab-to-field")
    parser.add_argument("--rankers", default="widedeep")
    parser.add_argument("--candidate", action="append", default=[], help="JSON overrides")
    parser.add_argument("--json", type=Path, help="append every report to this JSON-lines file")
    args = parser.parse_args(argv)
    data_dir = os.environ.get("MOODWAVE_DATA_DIR")
    if not data_dir:
        print("needs MOODWAVE_DATA_DIR", file=sys.stderr)
        return 2
    study = load_situnes(Path(data_dir))
    splits = tuple(s for s in args.splits.split(",") if s)
    rankers = tuple(r for r in args.rankers.split(",") if r)
    header = ["candidate", "ranker"]
    for split in splits:
        header += [f"{split} {m}" for m in (*METRICS, "ndcg@10 (>=4)")]
    print(
        "| " + " | ".join([*header, "mean auc", "mean ndcg@10", "mean recall@10"]) + " |",
        flush=True,
    )
    for raw in args.candidate or ["{}"]:
        candidate = json.loads(raw)
        report = evaluate_candidate(study, candidate, splits, rankers)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"candidate": candidate, "report": report}) + "\n")
        for ranker in rankers:
            print(row_of(candidate, report, ranker), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
