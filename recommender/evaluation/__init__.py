"""Offline evaluation of the rankers: the documented CSV formats, the time split, the metrics, the
study that runs every ranker side by side, and the built-in HetRec Last.fm study."""

from recommender.evaluation.hetrec import SEED, Study, build_hetrec_study
from recommender.evaluation.logs import (
    Interaction,
    LogFormatError,
    Split,
    read_catalog,
    read_interactions,
    split_by_time,
    write_catalog,
    write_interactions,
)
from recommender.evaluation.report import format_table
from recommender.evaluation.study import RANKERS, StudyConfig, run_study

__all__ = [
    "RANKERS",
    "SEED",
    "Interaction",
    "LogFormatError",
    "Split",
    "Study",
    "StudyConfig",
    "build_hetrec_study",
    "format_table",
    "read_catalog",
    "read_interactions",
    "run_study",
    "split_by_time",
    "write_catalog",
    "write_interactions",
]
