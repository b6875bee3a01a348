"""The offline evaluation's inputs: an interaction log and a catalog, in fixed CSV formats so any
study can be fed in, and the split of each person's history by time.

Interactions: `user_id,item_id,timestamp,rating` or `user_id,item_id,timestamp,reaction`
(like | dislike | skip | played), optionally `valence_before,arousal_before` in [-1, 1] (the mood
the person reported before; missing: neutral 0, 0). `timestamp` is seconds since the epoch or ISO
8601. A rating is a like at or above the positive threshold, else a dislike.
Catalog: `item_id,valence,arousal`, optionally `title,artist,genre` (genres separated by `|`), and
any further numeric columns as audio features.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nlp import Mood
from recommender.ranking import Feedback
from recommender.songs import Song

REACTIONS = ("like", "dislike", "skip", "played")
POSITIVE = frozenset({"like", "played"})
TEST_SHARE = 0.2
CATALOG_TEXT = ("item_id", "valence", "arousal", "title", "artist", "genre")


class LogFormatError(ValueError):
    """A CSV that does not follow the documented format; the message names file, line and column."""


@dataclass(frozen=True)
class Interaction:
    user_id: str
    item_id: str
    timestamp: float
    reaction: str
    valence_before: float | None = None
    arousal_before: float | None = None
    rating: float | None = None  # the rating the reaction came from, when the log had one
    daypart: int | None = None  # the part of the day (`recommender.ranking.DAYPARTS`), if known

    @property
    def mood(self) -> Mood:
        return Mood(self.valence_before or 0.0, self.arousal_before or 0.0)

    @property
    def positive(self) -> bool:
        return self.reaction in POSITIVE

    def relevant(self, threshold: float | None = None) -> bool:
        """Positive at this rating threshold (None, or a log without ratings: the reaction)."""
        if threshold is None or self.rating is None:
            return self.positive
        return self.rating >= threshold

    def feedback(self) -> Feedback:
        return Feedback(self.user_id, self.item_id, self.mood, self.reaction, self.daypart)


@dataclass(frozen=True)
class Split:
    train: list[Interaction]
    test: list[Interaction]


def read_interactions(path: Path | str, positive_threshold: float = 4.0) -> list[Interaction]:
    rows = []
    with Path(path).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = set(reader.fieldnames or ())
        missing = {"user_id", "item_id", "timestamp"} - columns
        if missing or not ({"rating", "reaction"} & columns):
            raise LogFormatError(
                f"{path}: needs columns user_id,item_id,timestamp and rating or reaction; "
                f"has {sorted(columns)}"
            )
        for row in reader:
            where = f"{path} line {reader.line_num}"
            rows.append(_interaction(row, positive_threshold, where))
    return rows


def read_catalog(path: Path | str) -> list[Song]:
    songs = []
    with Path(path).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = list(reader.fieldnames or ())
        if not {"item_id", "valence", "arousal"} <= set(columns):
            raise LogFormatError(f"{path}: needs columns item_id,valence,arousal; has {columns}")
        features = [c for c in columns if c not in CATALOG_TEXT]
        for row in reader:
            where = f"{path} line {reader.line_num}"
            genres = tuple(g for g in (row.get("genre") or "").split("|") if g)
            numbers = {c: float(row[c]) for c in features if _is_number(row.get(c))}
            songs.append(
                Song(
                    track_id=row["item_id"],
                    name=row.get("title") or row["item_id"],
                    artist=row.get("artist") or f"artist of {row['item_id']}",
                    valence=_number(row, "valence", where),
                    arousal=_number(row, "arousal", where),
                    genres=genres,
                    popularity=int(numbers.get("popularity", 0.0)),
                    features=numbers,
                )
            )
    return songs


def write_interactions(path: Path, interactions: Iterable[Interaction]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["user_id", "item_id", "timestamp", "reaction", "valence_before", "arousal_before"])  # fmt: skip
        for i in interactions:
            writer.writerow([i.user_id, i.item_id, i.timestamp, i.reaction, i.valence_before, i.arousal_before])  # fmt: skip


def write_catalog(path: Path, songs: Sequence[Song], features: Sequence[str]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*CATALOG_TEXT, *features])
        for s in songs:
            row = [s.track_id, round(s.valence, 4), round(s.arousal, 4), s.name, s.artist]
            writer.writerow([*row, "|".join(s.genres), *(s.features.get(c, "") for c in features)])


def split_by_time(
    interactions: Sequence[Interaction], test: Sequence[Interaction] | None = None
) -> Split:
    """Each person's last 20% by time is the test (at least one when they have two or more), or,
    with `test` given, that log is the test and all of `interactions` the past."""
    if test is not None:
        return Split(list(interactions), list(test))
    train, held = [], []
    for history in by_user(interactions).values():
        cut = len(history) - math.ceil(TEST_SHARE * len(history)) if len(history) >= 2 else 1
        train += history[:cut]
        held += history[cut:]
    return Split(train, held)


def by_user(interactions: Iterable[Interaction]) -> dict[str, list[Interaction]]:
    """Each person's interactions, oldest first (ties: file order)."""
    users: dict[str, list[Interaction]] = defaultdict(list)
    for item in interactions:
        users[item.user_id].append(item)
    return {u: sorted(h, key=lambda i: i.timestamp) for u, h in sorted(users.items())}


def _interaction(row: dict[str, str], threshold: float, where: str) -> Interaction:
    reaction = (row.get("reaction") or "").strip().lower()
    rating = _number(row, "rating", where) if not reaction else None
    if rating is not None:
        reaction = "like" if rating >= threshold else "dislike"
    elif reaction not in REACTIONS:
        raise LogFormatError(f"{where}: reaction {reaction!r} is not one of {', '.join(REACTIONS)}")
    valence, arousal = row.get("valence_before"), row.get("arousal_before")
    return Interaction(
        user_id=row["user_id"],
        item_id=row["item_id"],
        timestamp=_timestamp(row["timestamp"], where),
        reaction=reaction,
        valence_before=_number(row, "valence_before", where) if _is_number(valence) else None,
        arousal_before=_number(row, "arousal_before", where) if _is_number(arousal) else None,
        rating=rating,
    )


def _timestamp(raw: str, where: str) -> float:
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw).timestamp()
    except ValueError:
        raise LogFormatError(
            f"{where}: timestamp {raw!r} is neither epoch seconds nor ISO 8601"
        ) from None


def _number(row: dict[str, str], column: str, where: str) -> float:
    try:
        return float(row[column])
    except (KeyError, TypeError, ValueError):
        raise LogFormatError(f"{where}: {column} {row.get(column)!r} is not a number") from None


def _is_number(raw: str | None) -> bool:
    try:
        return raw is not None and math.isfinite(float(raw))
    except ValueError:
        return False
