"""The logic of `moodwave train-ranker` (refit the Wide & Deep model on every reaction in the
database and write a new version to the models folder; a running bot swaps it in by itself) and
`moodwave eval-recs` (the offline evaluation of all rankers on a study: CSV files or the built-in
HetRec preset), plus `build_widedeep`, which the app wiring calls. `bot/cli.py` adds the arguments
with `bot.ranker_arguments` and calls `train_ranker` / `eval_recs`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from nlp import Mood
from recommender.catalog import FEATURE_COLUMNS
from recommender.evaluation import (
    RANKERS,
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
from recommender.ranking import Feedback
from recommender.songs import Song
from recommender.widedeep import Cutoff, ModelFolder, WideDeepConfig, WideDeepRecommender
from storage.ranker_data import LoggedReaction, RankerData

WIDEDEEP_FOLDER = "widedeep"


class DatabaseFeedbackLog:
    """The `FeedbackLog` over the database: reactions by id, check-in rewards by answer time."""

    def __init__(self, data: RankerData) -> None:
        self._data = data

    def feedback_since(self, cutoff: Cutoff) -> list[Feedback]:
        answered = (
            datetime.fromisoformat(cutoff.checkin_answered_at)
            if cutoff.checkin_answered_at
            else None
        )
        rows = self._data.reactions_since(cutoff.reaction_id)
        rows += self._data.checkin_rewards_since(answered)
        # Stable sort by time: reactions keep their id order, rewards fall in when they happened.
        rows.sort(key=lambda r: _naive(r.at))
        return [_feedback(r) for r in rows]

    def cutoff_now(self) -> Cutoff:
        answered = self._data.latest_checkin_answer()
        return Cutoff(self._data.latest_reaction_id(), answered.isoformat() if answered else None)


def models_folder(moodwave_home: Path) -> ModelFolder:
    """Where the Wide & Deep versions live: `$MOODWAVE_HOME/models/widedeep`."""
    return ModelFolder(moodwave_home / "models" / WIDEDEEP_FOLDER)


def build_widedeep(
    songs: Sequence[Song],
    data: RankerData,
    moodwave_home: Path,
    config: WideDeepConfig | None = None,
) -> WideDeepRecommender:
    """The product ranker: the latest version in the models folder (or an untrained model, which
    ranks by mood alone) with every reaction since its cut-off replayed from the database."""
    return WideDeepRecommender(
        songs, models_folder(moodwave_home), DatabaseFeedbackLog(data), config
    )


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
    """Run the evaluation; prints the table, writes the JSON. Returns the exit status."""
    rankers = tuple(r.strip() for r in args.rankers.split(",") if r.strip())
    unknown = set(rankers) - set(RANKERS)
    if unknown:
        print(f"moodwave: unknown ranker(s) {sorted(unknown)}; use {RANKERS}", file=sys.stderr)
        return 2
    if args.preset == "hetrec":
        if data_dir is None:
            print("moodwave: --preset hetrec needs MOODWAVE_DATA_DIR", file=sys.stderr)
            return 2
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
    report = run_study(
        songs, split, StudyConfig(rankers=rankers), progress=lambda m: print(m, file=sys.stderr)
    )
    print(format_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, sort_keys=True))
    return 0


def _export(folder: Path, songs: Sequence[Song], interactions: Sequence[Interaction]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_catalog(folder / "catalog.csv", songs, FEATURE_COLUMNS)
    write_interactions(folder / "interactions.csv", interactions)


def _feedback(row: LoggedReaction) -> Feedback:
    return Feedback(row.user_key, row.track_id, Mood(row.valence, row.arousal), row.kind)


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None) if at.tzinfo else at
