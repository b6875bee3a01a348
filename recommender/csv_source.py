"""Songs from any CSV file, through a column mapping given on the command line.

`--map track_id=id,name=title,artist=artist,valence=val,arousal=energy` names the CSV column of each
song field; `--scale valence=0:1` says the column's values run from 0 to 1 (they are mapped linearly
to [-1, 1]; the default scale is -1:1). Fields: `track_id` (default: the `spotify_id` column, else a
hash of artist and title), `name`, `artist` (both required), `valence` and `arousal` (both or
neither; without them the mood is unknown, confidence 0), `album`, `genres` and `subgenres` (split
on `|` or `;`), `popularity`, `duration_ms`, `spotify_id`, `video_url` (the song's music video: an
http(s) link or a YouTube video id), `explicit` (true/false/1/0), and
`feature.NAME` for any number kept in `Song.features`. A mapping that names a column the file lacks
fails before any row is read, listing the columns the file has. Row problems (a blank required value,
a number that does not parse, a value outside its scale, a repeated track id) skip that row with its
line number; the good rows still import. Bytes that are not UTF-8 are read as Latin-1 and reported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from recommender.catalog import CatalogLoad
from recommender.songs import EXPLICIT, Song
from recommender.videos import video_url_of

MOOD_SOURCE = "csv"
TEXT_FIELDS = ("track_id", "name", "artist", "album", "spotify_id", "video_url")
LIST_FIELDS = ("genres", "subgenres")
INT_FIELDS = ("popularity", "duration_ms")
MOOD_FIELDS = ("valence", "arousal")
FEATURE_PREFIX = "feature."
FIELDS = (*TEXT_FIELDS, *LIST_FIELDS, *INT_FIELDS, *MOOD_FIELDS, "explicit")
_LIST_SEPARATOR = re.compile(r"\s*[|;]\s*")
_TRUE = frozenset({"1", "true", "yes", "y", "t", "explicit"})
_FALSE = frozenset({"0", "false", "no", "n", "f", "clean", ""})
# surrogateescape keeps each undecodable byte as one lone surrogate in this range.
_ESCAPED = re.compile("[\udc80-\udcff]")


class CsvMappingError(ValueError):
    """The mapping or the file's header is unusable; nothing was read. The message says what to fix."""


@dataclass(frozen=True)
class ColumnMapping:
    """Song field -> CSV column, and the (low, high) range of each scaled column's values."""

    columns: dict[str, str]
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def parse(cls, maps: Sequence[str], scales: Sequence[str] = ()) -> ColumnMapping:
        """From `--map` and `--scale` arguments (each may hold several comma-separated pairs)."""
        columns = dict(_pairs(maps, "--map"))
        unknown = [f for f in columns if f not in FIELDS and not f.startswith(FEATURE_PREFIX)]
        if unknown:
            raise CsvMappingError(
                f"unknown song field(s) {', '.join(unknown)} in --map; fields are "
                f"{', '.join(FIELDS)} and feature.NAME"
            )
        parsed = {name: _scale(name, text) for name, text in _pairs(scales, "--scale")}
        mapping = cls(columns, parsed)
        mapping._check_fields()
        return mapping

    def _check_fields(self) -> None:
        missing = [f for f in ("name", "artist") if f not in self.columns]
        if missing:
            raise CsvMappingError(f"--map must name a column for {' and '.join(missing)}")
        if ("valence" in self.columns) != ("arousal" in self.columns):
            raise CsvMappingError("--map names valence and arousal together, or neither")
        stray = [f for f in self.scales if f not in MOOD_FIELDS]
        if stray:
            raise CsvMappingError(f"--scale applies to valence and arousal only, not {stray}")


def load_csv_songs(
    path: Path | str,
    mapping: ColumnMapping,
    mood_source: str = MOOD_SOURCE,
    mood_confidence: float = 1.0,
) -> CatalogLoad:
    """The file's songs by the mapping, with the lines skipped and the lines read with a remark.

    Raises `CsvMappingError` when the file has no header or lacks a mapped column.
    """
    text = Path(path).read_bytes().decode("utf-8", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(reader.fieldnames, mapping)
    load = CatalogLoad([])
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        row = _repaired(row, line, load.warnings)
        try:
            song = _song(row, mapping, mood_source, mood_confidence)
        except ValueError as exc:
            load.skipped.append((line, str(exc)))
            continue
        if song.track_id in first_line:
            load.skipped.append(
                (line, f"track id {song.track_id!r} already on line {first_line[song.track_id]}")
            )
            continue
        first_line[song.track_id] = line
        load.songs.append(song)
    return load


def _check_header(header: Sequence[str] | None, mapping: ColumnMapping) -> None:
    if not header:
        raise CsvMappingError("the file is empty or has no header line")
    absent = [f"{f}={c}" for f, c in mapping.columns.items() if c not in header]
    if absent:
        raise CsvMappingError(
            f"the file has no column for {', '.join(absent)}; its columns are: {', '.join(header)}"
        )


def _repaired(row: dict[str, str], line: int, warnings: list[tuple[int, str]]) -> dict[str, str]:
    """The row with undecodable bytes re-read as Latin-1 (the usual culprit), noting which columns."""
    bad = [column for column, value in row.items() if value and _ESCAPED.search(value)]
    if not bad:
        return row
    warnings.append((line, f"not UTF-8 text in {', '.join(map(str, bad))}; read as Latin-1"))
    return {c: _latin1(v) if c in bad else v for c, v in row.items()}


def _latin1(value: str) -> str:
    raw = value.encode("utf-8", errors="surrogateescape")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # bytes cp1252 leaves undefined (0x81, 0x8d, ...)
        return raw.decode("latin-1")


def _song(row: dict[str, str], mapping: ColumnMapping, source: str, confidence: float) -> Song:
    """A song from one row; raises ValueError saying which value is wrong."""
    columns = mapping.columns
    name = _required(row, columns["name"])
    artist = _required(row, columns["artist"])
    spotify_id = _optional(row, columns.get("spotify_id")) or None
    track_id = _optional(row, columns.get("track_id")) or spotify_id or _derived_id(artist, name)
    if len(track_id) > 64:
        raise ValueError(f"track id is longer than 64 characters: {track_id[:20]!r}...")
    if "valence" in columns:
        valence = _mood(row, "valence", mapping)
        arousal = _mood(row, "arousal", mapping)
    else:
        valence, arousal, confidence, source = 0.0, 0.0, 0.0, "unknown"
    features = {
        f.removeprefix(FEATURE_PREFIX): _number(row, c)
        for f, c in columns.items()
        if f.startswith(FEATURE_PREFIX)
    }
    if "explicit" in columns:
        features[EXPLICIT] = _flag(row, columns["explicit"])
    return Song(
        track_id=track_id,
        name=name,
        artist=artist,
        valence=valence,
        arousal=arousal,
        genres=_list(row, columns.get("genres")),
        subgenres=_list(row, columns.get("subgenres")),
        album=_optional(row, columns.get("album")),
        popularity=_integer(row, columns.get("popularity")),
        duration_ms=_integer(row, columns.get("duration_ms")),
        mood_source=source,
        mood_confidence=confidence,
        spotify_id=spotify_id,
        features=features,
        video_url=video_url_of(_optional(row, columns.get("video_url"))),
    )


def _derived_id(artist: str, name: str) -> str:
    # Stable across imports and files: the same artist and title always give the same row.
    key = f"{artist.casefold().strip()}\x1f{name.casefold().strip()}".encode()
    return "csv:" + hashlib.sha1(key).hexdigest()[:20]


def _mood(row: dict[str, str], name: str, mapping: ColumnMapping) -> float:
    low, high = mapping.scales.get(name, (-1.0, 1.0))
    value = _number(row, mapping.columns[name])
    if not low <= value <= high:
        raise ValueError(
            f"{name} {value:g} (column {mapping.columns[name]}) is outside {low:g}:{high:g}"
        )
    return -1.0 + 2.0 * (value - low) / (high - low)


def _number(row: dict[str, str], column: str) -> float:
    raw = (row.get(column) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"column {column} is not a number: {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"column {column} is not finite: {raw!r}")
    return value


def _integer(row: dict[str, str], column: str | None) -> int:
    return int(_number(row, column)) if column and (row.get(column) or "").strip() else 0


def _flag(row: dict[str, str], column: str) -> float:
    raw = (row.get(column) or "").strip().casefold()
    if raw in _TRUE:
        return 1.0
    if raw in _FALSE:
        return 0.0
    raise ValueError(f"column {column} is not true/false: {raw!r}")


def _required(row: dict[str, str], column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise ValueError(f"column {column} is blank")
    return value


def _optional(row: dict[str, str], column: str | None) -> str:
    return (row.get(column) or "").strip() if column else ""


def _list(row: dict[str, str], column: str | None) -> tuple[str, ...]:
    value = _optional(row, column)
    return tuple(sorted({part for part in _LIST_SEPARATOR.split(value) if part}))


def _pairs(arguments: Sequence[str], flag: str) -> list[tuple[str, str]]:
    pairs = []
    for argument in arguments:
        for item in filter(None, (part.strip() for part in argument.split(","))):
            key, sep, value = item.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise CsvMappingError(f"{flag} takes FIELD=VALUE pairs, got {item!r}")
            pairs.append((key.strip(), value.strip()))
    return pairs


def _scale(name: str, text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    try:
        bounds = (float(low), float(high)) if sep else None
    except ValueError:
        bounds = None
    if bounds is None or not bounds[0] < bounds[1]:
        raise CsvMappingError(f"--scale {name}={text}: write LOW:HIGH with LOW < HIGH, e.g. 0:1")
    return bounds
