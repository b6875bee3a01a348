"""The logic of `moodwave train-ranker` (refit the Wide & Deep model on every reaction in the
database and write a new version to the models folder; a running bot swaps it in by itself) and
`moodwave eval-recs` (the offline evaluation of all rankers on a study: CSV files or the built-in
HetRec preset). `bot/cli/eval_recs.py` and `bot/cli/train_ranker.py` add the arguments with `bot.ranker_arguments` and calls
`train_ranker` / `eval_recs`; the app builds its ranker through `recommender.rankers`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.output import emit_json
from recommender.catalog import FEATURE_COLUMNS
from recommender.evaluation import (
    Interaction,
    StudyConfig,
    build_hetrec_study,
    format_table,
    read_catalog,
    read_interactions,
    run_study,
    split_by_time,
    write_catalog,
    write_interactions,
)
from recommender.evaluation.situnes import (
    SITUNES_GBDT,
    SITUNES_WIDEDEEP,
    load_situnes,
    run_situnes,
)
from recommender.rankers import RANKERS
from recommender.songs import Song
from recommender.widedeep import Cutoff, WideDeepConfig, WideDeepRecommender
from recommender.widedeep.feedback_log import DatabaseFeedbackLog, models_folder
from storage.ranker_data import RankerData


def train_ranker(
    songs: Sequence[Song],
    data: RankerData,
    moodwave_home: Path,
    config: WideDeepConfig | None = None,
) -> str:
    """Refit on all reactions and write a new version; returns a line for the person."""
    log = DatabaseFeedbackLog(data)
    cutoff = log.cutoff_now()  # taken first: a reaction arriving meanwhile is replayed, not lost
    feedback = log.feedback_since(Cutoff())
    ranker = WideDeepRecommender(songs, models_folder(moodwave_home), config=config)
    figures = ranker.train(feedback)
    version = ranker.save_version(cutoff, figures)
    return (
        f"Trained Wide & Deep version {version} on {figures['reactions']} reactions of "
        f"{figures['users']} people; running bots pick it up within "
        f"{ranker.config.reload_check_seconds:g} s."
    )


def eval_recs(args: argparse.Namespace, data_dir: Path | None) -> int:
    """Run the evaluation; prints the table (or the JSON report, `bot.output`), writes the JSON
    report to a file when asked. Returns the exit status."""
    rankers = tuple(r.strip() for r in args.rankers.split(",") if r.strip())
    unknown = set(rankers) - set(RANKERS)
    if unknown:
        print(f"moodwave: unknown ranker(s) {sorted(unknown)}; use {RANKERS}", file=sys.stderr)
        return 2
    config = StudyConfig(rankers=rankers)
    hyperparameters = args.widedeep_config or (
        SITUNES_WIDEDEEP if args.preset == "situnes" else None
    )
    if hyperparameters:
        widedeep = WideDeepConfig.from_json(json.loads(hyperparameters.read_text()))
        config = StudyConfig(rankers=rankers, widedeep=widedeep)
    if args.preset == "situnes":
        config = replace(config, gbdt=SITUNES_GBDT)
    if args.preset and data_dir is None:
        print(f"moodwave: --preset {args.preset} needs MOODWAVE_DATA_DIR", file=sys.stderr)
        return 2
    if args.preset == "situnes":
        assert data_dir is not None
        report = run_situnes(
            load_situnes(data_dir),
            config,
            tuple(s.strip() for s in args.splits.split(",") if s.strip()),
            validate=args.validate,
            progress=lambda m: print(m, file=sys.stderr),
        )
        tables = [
            f"{split}:\n" + format_table({"study": report["study"], "rankers": results["rankers"]})
            for split, results in report["splits"].items()
        ]
        emit_json(args, report, "\n".join(tables))
        return 0
    if args.preset == "hetrec":
        assert data_dir is not None
        study = build_hetrec_study(data_dir, args.seed, args.max_users)
        songs, split = study.songs, split_by_time(study.interactions)
        if args.export:
            _export(args.export, study.songs, study.interactions)
    elif args.interactions and args.catalog:
        songs = read_catalog(args.catalog)
        test = (
            read_interactions(args.test_interactions, args.positive_threshold)
            if args.test_interactions
            else None
        )
        split = split_by_time(read_interactions(args.interactions, args.positive_threshold), test)
    else:
        print("moodwave: give --preset hetrec, or --interactions and --catalog", file=sys.stderr)
        return 2
    report = run_study(songs, split, config, progress=lambda m: print(m, file=sys.stderr))
    emit_json(args, report, format_table(report))
    return 0


def _export(folder: Path, songs: Sequence[Song], interactions: Sequence[Interaction]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_catalog(folder / "catalog.csv", songs, FEATURE_COLUMNS)
    write_interactions(folder / "interactions.csv", interactions)
