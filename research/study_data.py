"""The numbers a mood-shift report needs, read from a Moodwave export (CSV or Parquet) or from a
SiTunes-like check-in file, into one shape.

SiTunes-like format (one row per listening, as in the SiTunes data set's interaction files): a CSV
with the columns `user_id`, `emo_pre_valence`, `emo_pre_arousal`, `emo_post_valence`,
`emo_post_arousal`, and optionally `item_id`, `timestamp`, `arm` (or `condition`), `mode` and
`minutes` (time between the two ratings). The ratings are the listener's own, so they become the
report's self-report measure; `scale` maps them onto [-1, 1] (SiTunes-style [-1, 1] by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SITUNES_REQUIRED = (
    "user_id",
    "emo_pre_valence",
    "emo_pre_arousal",
    "emo_post_valence",
    "emo_post_arousal",
)
EXPORT_NEEDED = (
    "person",
    "arm",
    "mode",
    "before_valence",
    "before_arousal",
    "after_valence",
    "after_arousal",
    "before_self_valence",
    "before_self_arousal",
    "after_self_valence",
    "after_self_arousal",
    "delta_valence",
    "delta_arousal",
    "self_delta_valence",
    "self_delta_arousal",
    "minutes_between",
)


@dataclass(frozen=True)
class Measure:
    """One way of measuring mood before and after: arrays aligned with `StudyData.arm`; NaN where a
    row has no value for this measure."""

    name: str  # model | self
    before_valence: np.ndarray
    before_arousal: np.ndarray
    after_valence: np.ndarray
    after_arousal: np.ndarray

    @property
    def delta_valence(self) -> np.ndarray:
        return self.after_valence - self.before_valence

    @property
    def delta_arousal(self) -> np.ndarray:
        return self.after_arousal - self.before_arousal

    def delta(self, dimension: str) -> np.ndarray:
        """The change in "valence" or "arousal"."""
        return self.delta_valence if dimension == "valence" else self.delta_arousal

    @property
    def label(self) -> str:
        """The measure's name in a report."""
        return {"model": "the model's readings", "self": "self-reports (SAM)"}.get(
            self.name, self.name
        )

    @property
    def complete(self) -> np.ndarray:
        return ~(np.isnan(self.delta_valence) | np.isnan(self.delta_arousal))


@dataclass(frozen=True)
class StudyData:
    source: str
    person: np.ndarray  # str
    arm: np.ndarray  # str
    mode: np.ndarray  # str
    minutes: np.ndarray  # float, NaN when unknown
    measures: tuple[Measure, ...]

    def __len__(self) -> int:
        return len(self.arm)

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    @property
    def primary(self) -> Measure:
        """The model's readings when there are any (the study's primary outcome), else the
        self-reports."""
        model = self.measure("model")
        if model is not None and model.complete.any():
            return model
        return self.measures[-1]


def load_export(path: Path) -> StudyData:
    """A file written by `moodwave export` (CSV or Parquet, by its suffix)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path, columns=list(EXPORT_NEEDED))
    else:
        table = _read_csv(path, EXPORT_NEEDED, text=("person", "arm", "mode"))
    _require(table, EXPORT_NEEDED, path)
    before_v, before_a = _floats(table, "before_valence"), _floats(table, "before_arousal")
    # The model measure counts only rows whose delta the export computed (both model readings).
    has_delta = ~np.isnan(_floats(table, "delta_valence"))
    model = Measure(
        "model",
        np.where(has_delta, before_v, np.nan),
        np.where(has_delta, before_a, np.nan),
        np.where(has_delta, _floats(table, "after_valence"), np.nan),
        np.where(has_delta, _floats(table, "after_arousal"), np.nan),
    )
    own = Measure(
        "self",
        _floats(table, "before_self_valence"),
        _floats(table, "before_self_arousal"),
        _floats(table, "after_self_valence"),
        _floats(table, "after_self_arousal"),
    )
    return StudyData(
        f"Moodwave export {path.name}",
        _strings(table, "person"),
        _strings(table, "arm"),
        _strings(table, "mode"),
        _floats(table, "minutes_between"),
        (model, own),
    )


def load_situnes(path: Path, scale: tuple[float, float] = (-1.0, 1.0)) -> StudyData:
    """A SiTunes-like check-in CSV (see the module's description); `scale` is the ratings' range."""
    table = _read_csv(path, None, text=("user_id", "item_id", "arm", "condition", "mode"))
    _require(table, SITUNES_REQUIRED, path)
    low, high = scale
    if not high > low:
        raise ValueError(f"the scale's top ({high}) must be above its bottom ({low})")

    def rating(name: str) -> np.ndarray:
        values = _floats(table, name)
        return (values - low) / (high - low) * 2.0 - 1.0

    names = set(table.column_names)
    arm_column = "arm" if "arm" in names else "condition" if "condition" in names else None
    n = table.num_rows
    return StudyData(
        f"SiTunes-like file {path.name}",
        _strings(table, "user_id"),
        _strings(table, arm_column) if arm_column else np.full(n, "situnes", dtype=object),
        _strings(table, "mode") if "mode" in names else np.full(n, "all", dtype=object),
        _floats(table, "minutes") if "minutes" in names else np.full(n, np.nan),
        (
            Measure(
                "self",
                rating("emo_pre_valence"),
                rating("emo_pre_arousal"),
                rating("emo_post_valence"),
                rating("emo_post_arousal"),
            ),
        ),
    )


def _read_csv(path: Path, columns: tuple[str, ...] | None, text: tuple[str, ...]) -> pa.Table:
    header = path.open(encoding="utf-8").readline().strip().split(",")
    types = {name: pa.string() for name in text if name in header}
    options = pacsv.ConvertOptions(
        column_types=types,
        include_columns=[c for c in columns if c in header] if columns else None,
        strings_can_be_null=False,
    )
    return pacsv.read_csv(path, convert_options=options)


def _require(table: pa.Table, names: tuple[str, ...], path: Path) -> None:
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise ValueError(f"{path.name} lacks the column(s) {', '.join(missing)}")


def _floats(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name)
    if pa.types.is_null(column.type):  # a column with no value at all
        return np.full(len(column), np.nan)
    if pa.types.is_string(column.type):
        column = pc.cast(pc.if_else(pc.equal(column, ""), None, column), pa.float64())
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def _strings(table: pa.Table, name: str) -> np.ndarray:
    column = table.column(name).cast(pa.string()).fill_null("")
    return np.asarray(column.to_pylist(), dtype=object)
