"""Choosing settings on SiTunes' validation slices only (`run_situnes(..., validate=True)`: each
fold's training part split again by time; the test rows are never read). Each candidate is Wide &
Deep hyperparameters (overrides of `presets/situnes.json`) and, optionally, the shared re-rank's
exploration share and MMR weight; one line per candidate with the validation metrics.

    MOODWAVE_DATA_DIR=../shared/data python -m research.situnes_validation \\
        --splits time,lab-to-field --rankers widedeep \\
        --candidate '{"score_weight": 0.12}' --candidate '{"score_weight": 0.3}'

A candidate's `pretrain` key, e.g. `{"pretrain": {"max_users": 600}}`, fits Wide & Deep on the
HetRec study's training part first and fine-tunes it on each SiTunes validation fold (Wide & Deep
only; `"parts": "mlp"` carries the deep MLP alone, fresh tables otherwise). A candidate's `gbdt` key sets gbdt's hyperparameters (`GbdtConfig`); its `rerank` key, e.g. `{"rerank": {"mmr_weight": 0.05, "explore_every": 10}}`, sets the
re-rank of every ranker in that run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import torch

from recommender import reranking
from recommender.evaluation.logs import by_user
from recommender.evaluation.situnes import (
    RELEVANCE,
    SITUNES_WIDEDEEP,
    folds,
    load_situnes,
    run_situnes,
    validation,
)
from recommender.evaluation.study import StudyConfig, Tally, evaluate, queries_of
from recommender.gbdt import GbdtConfig
from recommender.widedeep import WideDeepRecommender
from recommender.widedeep.config import WideDeepConfig
from recommender.widedeep.model import WideDeepModel

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


def pretrained_on_hetrec(
    data_dir: Path, config: WideDeepConfig, max_users: int | None
) -> WideDeepModel:
    """Wide & Deep with this config fitted on the HetRec study's training part (its test part is
    never read), for fine-tuning on SiTunes: what carries over is the deep part over moods and audio
    features and the genre priors; people, songs and artists of the two studies do not meet."""
    from recommender.evaluation.hetrec import build_hetrec_study
    from recommender.evaluation.logs import split_by_time

    study = build_hetrec_study(data_dir, max_users=max_users)
    split = split_by_time(study.interactions)
    ranker = WideDeepRecommender(study.songs, config=config)
    ranker.train([i.feedback() for i in split.train])
    return ranker.model


def evaluate_fine_tuned(
    study: Any, candidate: dict[str, Any], splits: tuple[str, ...], start: WideDeepModel
) -> dict[str, Any]:
    """`run_situnes(validate=True)` for Wide & Deep alone, each fold's fit starting from `start`."""
    base = json.loads(SITUNES_WIDEDEEP.read_text())
    overrides = {k: v for k, v in candidate.items() if k not in ("rerank", "gbdt", "pretrain")}
    config = WideDeepConfig.from_json({**base, **overrides})
    catalog = {s.track_id: s for s in study.songs}
    report: dict[str, Any] = {"splits": {}}
    for split in splits:
        tallies = {t: Tally(10, len(catalog)) for t in RELEVANCE}
        for part in folds(study, split):
            held = validation(part.train)
            ranker = WideDeepRecommender(study.songs, config=config)
            ranker.train([i.feedback() for i in held.train], start_from=start)
            for threshold, tally in tallies.items():
                evaluate(ranker, queries_of(held.test, threshold), by_user(held.train), catalog, 10,
                         tally=tally)  # fmt: skip
        metrics = tallies[RELEVANCE[0]].metrics()
        metrics["rating>=4"] = tallies[RELEVANCE[1]].metrics()
        report["splits"][split] = {"rankers": {"widedeep": metrics}}
    return report


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
        if "pretrain" in candidate:  # {"pretrain": {"max_users": N | null}}: HetRec, then SiTunes
            base = json.loads(SITUNES_WIDEDEEP.read_text())
            overrides = {k: v for k, v in candidate.items() if k != "pretrain"}
            start = pretrained_on_hetrec(
                Path(data_dir),
                WideDeepConfig.from_json({**base, **overrides}),
                candidate["pretrain"].get("max_users"),
            )
            if candidate["pretrain"].get("parts") == "mlp":  # carry the deep MLP only
                torch.manual_seed(start.config.seed)
                fresh = WideDeepModel(start.config)
                fresh.mlp.load_state_dict(start.mlp.state_dict())
                start = fresh
            report = evaluate_fine_tuned(study, candidate, splits, start)
            rankers = ("widedeep",)
        else:
            report = evaluate_candidate(study, candidate, splits, rankers)
        if args.json:
            with args.json.open("a", encoding="utf-8") as f:
                f.write(json.dumps({"candidate": candidate, "report": report}) + "\n")
        for ranker in rankers:
            print(row_of(candidate, report, ranker), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
