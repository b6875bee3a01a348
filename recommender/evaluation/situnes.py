"""The real-data study (`moodwave eval-recs --preset situnes`): SiTunes stages 1 and 2 (Li et al.,
CHIIR 2024; `$MOODWAVE_DATA_DIR/situnes_stage1_2`): 30 people, 600 lab ratings (stage 1, with the
emotion after listening) and 897 everyday listenings over a week (stage 2, with the person's own
valence and arousal *before* each song and the rating 1-5), over 935 songs with Spotify audio
features, popularity, genre and artist.

What the rankers see: a song's mood is its Spotify valence and energy mapped to [-1, 1] (as for the
bundled catalog), its genre the data set's `general_genre`, every other numeric metadata column a
song feature (popularity, audio and openSMILE features). A listening is a like at a rating at or
above the threshold (3 by default), else a dislike, in the mood the person reported before it; a
stage-1 rating has no mood before, so it carries the emotion after listening.

The three splits, each person's rows in time order:
- `time`: the first 70% of each person's stage-2 listenings train, the last 30% test;
- `lab-to-field`: stage 1 and each person's first 30% of stage 2 train, the rest of stage 2 tests;
- `new-person`: each person in turn is left out (cold start): everyone else's rows train, the
  person's stage 2 tests.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recommender.evaluation.logs import Interaction, LogFormatError, Split, by_user
from recommender.evaluation.study import StudyConfig, Tally, build_ranker, evaluate, queries_of
from recommender.gbdt import GbdtConfig
from recommender.songs import Song
from recommender.study_names import SITUNES_SPLITS

FOLDER = "situnes_stage1_2"
SPLITS = SITUNES_SPLITS
TIME_TEST_SHARE = 0.3
LAB_TO_FIELD_TRAIN_SHARE = 0.3
THRESHOLD = 3.0
# Wide & Deep's hyperparameters for this study, chosen on the validation slices (docs/evaluation.md).
SITUNES_WIDEDEEP = Path(__file__).parent.parent / "widedeep" / "presets" / "situnes.json"
# gbdt's balance between its logit and closeness to the mood, chosen on the same validation slices
# (0.12, 0.5, 1, 2, 4, 8, 16 tried): the baseline gets the same tuning of its balance as Wide & Deep.
SITUNES_GBDT = GbdtConfig(score_weight=0.5)
RELEVANCE = (THRESHOLD, 4.0)  # the study's relevance, and the stricter one reported beside it
TEXT_COLUMNS = ("i_id_c", "general_genre", "general_genre_id", "music", "singer")


@dataclass(frozen=True)
class SitunesStudy:
    songs: list[Song]
    lab: list[Interaction]  # stage 1
    field: list[Interaction]  # stage 2
    unknown_songs: int = 0  # rows left out: their song is not in the metadata


@dataclass(frozen=True)
class Fold:
    """One training set and its test rows (the `new-person` split has one fold per person)."""

    train: list[Interaction]
    test: list[Interaction]


def load_situnes(data_dir: Path, threshold: float = THRESHOLD) -> SitunesStudy:
    root = data_dir / FOLDER
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is missing: the SiTunes preset needs it in MOODWAVE_DATA_DIR"
        )
    songs = _songs(root / "music_metadata" / "music_info_withname.csv")
    known = {s.track_id for s in songs}
    lab = [
        _row(row, where, threshold, "emo_valence", "emo_arousal")
        for row, where in _rows(root / "Stage1" / "interactions.csv")
    ]
    dayparts = _dayparts(root / "Stage2" / "env.json")
    field = [
        _row(row, where, threshold, "emo_pre_valence", "emo_pre_arousal", dayparts)
        for row, where in _rows(root / "Stage2" / "interactions.csv")
    ]
    # About one row in ten names a song the metadata file lacks: it cannot be scored, so it is left
    # out (and counted in the report).
    return SitunesStudy(
        songs,
        [i for i in lab if i.item_id in known],
        [i for i in field if i.item_id in known],
        len(lab) + len(field) - sum(i.item_id in known for i in (*lab, *field)),
    )


def folds(study: SitunesStudy, split: str) -> list[Fold]:
    """The training and test rows of one split (one fold, or one per person for `new-person`)."""
    field = by_user(study.field)
    if split == "time":
        train, test = _cut(field, lambda n: n - math.ceil(TIME_TEST_SHARE * n))
        return [Fold(train, test)]
    if split == "lab-to-field":
        train, test = _cut(field, lambda n: math.floor(LAB_TO_FIELD_TRAIN_SHARE * n))
        return [Fold([*study.lab, *train], test)]
    if split == "new-person":
        rows = [*study.lab, *study.field]
        return [
            Fold([i for i in rows if i.user_id != person], history)
            for person, history in field.items()
        ]
    raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")


def validation(train: Sequence[Interaction], share: float = TIME_TEST_SHARE) -> Split:
    """A validation slice carved from a training set: each person's last `share` of it, by time
    (for choosing hyperparameters; the test rows are never looked at)."""
    fit, held = _cut(by_user(train), lambda n: n - math.ceil(share * n))
    return Split(fit, held)


def _cut(
    histories: dict[str, list[Interaction]], keep: Callable[[int], int]
) -> tuple[list[Interaction], list[Interaction]]:
    train: list[Interaction] = []
    test: list[Interaction] = []
    for history in histories.values():
        cut = max(0, min(len(history), keep(len(history))))
        train += history[:cut]
        test += history[cut:]
    return train, test


def _songs(path: Path) -> list[Song]:
    songs = []
    for row, where in _rows(path):
        features = {
            c: _number(row, c, where)
            for c, v in row.items()
            if c not in TEXT_COLUMNS and v not in ("", None)
        }
        songs.append(
            Song(
                track_id=str(int(_number(row, "i_id_c", where))),
                name=row.get("music") or row["i_id_c"],
                artist=row.get("singer") or "unknown artist",
                valence=_unit(2.0 * features.get("valence", 0.5) - 1.0),
                arousal=_unit(2.0 * features.get("energy", 0.5) - 1.0),
                genres=(row["general_genre"],) if row.get("general_genre") else (),
                popularity=int(features.get("popularity", 0.0)),
                duration_ms=int(features.get("duration", 0.0)),
                mood_source="situnes-spotify-features",
                features=features,
            )
        )
    return songs


def _dayparts(path: Path) -> dict[str, int]:
    """Stage 2's time period of each listening by `inter_id` (1: 8-12 h, 2: 12-18 h, 3: 18-2 h, the
    same parts as `recommender.ranking.DAYPARTS`); a missing file or entry reads as unknown."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {
        str(key): int(value["time"])
        for key, value in entries.items()
        if isinstance(value, dict) and value.get("time") in (1, 2, 3)
    }


def _row(
    row: dict[str, str],
    where: str,
    threshold: float,
    valence: str,
    arousal: str,
    dayparts: dict[str, int] | None = None,
) -> Interaction:
    item = str(int(_number(row, "item_id", where)))
    rating = _number(row, "rating", where)
    daypart = (dayparts or {}).get((row.get("inter_id") or "").strip())
    return Interaction(
        user_id=f"s{int(_number(row, 'user_id', where))}",
        item_id=item,
        timestamp=_number(row, "timestamp", where),
        reaction="like" if rating >= threshold else "dislike",
        valence_before=_number(row, valence, where),
        arousal_before=_number(row, arousal, where),
        rating=rating,
        daypart=daypart,
    )


def _rows(path: Path) -> Iterator[tuple[dict[str, str], str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for row in reader:
            yield row, f"{path} line {reader.line_num}"


def _number(row: dict[str, str], column: str, where: str) -> float:
    try:
        value = float(row[column])
    except (KeyError, TypeError, ValueError):
        raise LogFormatError(
            f"{where}: column {column} {row.get(column)!r} is not a number"
        ) from None
    if not math.isfinite(value):
        raise LogFormatError(f"{where}: column {column} {row.get(column)!r} is not a number")
    return value


def _unit(value: float) -> float:
    return max(-1.0, min(1.0, value))


def run_situnes(
    study: SitunesStudy,
    config: StudyConfig,
    splits: Sequence[str] = SPLITS,
    validate: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The JSON report: for each split, each ranker's metrics at the study's threshold and, under
    `rating>=4`, at rating 4. With `validate`, every fold is replaced by the validation slice of its
    own training part (for choosing hyperparameters without looking at the test rows)."""
    catalog = {s.track_id: s for s in study.songs}
    report: dict[str, Any] = {
        "study": {
            "preset": "situnes",
            "songs": len(study.songs),
            "users": len({i.user_id for i in study.field}),
            "lab_ratings": len(study.lab),
            "field_listenings": len(study.field),
            "rows_without_song_metadata": study.unknown_songs,
            "k": config.k,
            "validation": validate,
        },
        "splits": {},
    }
    for split in splits:
        parts = folds(study, split)
        if validate:
            parts = [Fold(v.train, v.test) for v in (validation(p.train) for p in parts)]
        rankers: dict[str, Any] = {}
        for name in config.rankers:
            started = time.perf_counter()
            progress(f"{split}: {name} over {len(parts)} fold(s)")
            tallies = {t: Tally(config.k, len(catalog)) for t in RELEVANCE}
            for part in parts:
                ranker = build_ranker(name, study.songs, [i.feedback() for i in part.train], config)
                history = by_user(part.train)
                for threshold, tally in tallies.items():
                    queries = queries_of(part.test, threshold)
                    evaluate(ranker, queries, history, catalog, config.k, tally=tally)
            metrics = tallies[RELEVANCE[0]].metrics()
            metrics["rating>=4"] = tallies[RELEVANCE[1]].metrics()
            metrics["seconds"] = round(time.perf_counter() - started, 1)
            rankers[name] = metrics
        report["splits"][split] = {
            "rankers": rankers,
            "train_rows": sum(len(p.train) for p in parts),
            "test_rows": sum(len(p.test) for p in parts),
            "folds": len(parts),
        }
    return report
