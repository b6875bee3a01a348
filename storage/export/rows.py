"""`moodwave export`: consenting people's recommendations, the songs of their playlists and their
reactions, as three CSV or Parquet tables (long tables: one row per recommendation and person, per
song, per reaction), with the codebook (`data_dictionary.md`, `datapackage.json`); streamed in
chunks.

Recommendations are read in id order, `chunk` at a time (keyset pagination), with one query per
related table per chunk, and each chunk is written before the next is read: memory stays bounded by
the chunk, whatever the size of the database. Consent is read at export time, so a person who
withdrew it (or was forgotten) is absent from every export made afterwards. The export only reads:
it never creates or migrates tables.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, or_, select
from sqlmodel import col
from tqdm import tqdm

from storage.export.codebook import (
    DATAPACKAGE_FILE,
    DICTIONARY_FILE,
    data_dictionary_markdown,
    write_datapackage,
)
from storage.export.columns import MODEL_SOURCES, REACTIONS, RECOMMENDATIONS, SONGS, TABLES
from storage.export.pseudonyms import Pseudonymizer
from storage.export.writers import Format, TableWriter, open_writer
from storage.models import (
    CatalogSong,
    Chat,
    CheckIn,
    MoodReport,
    Reaction,
    Recommendation,
    RecommendationItem,
    User,
)

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 2000
FILE_STEM = RECOMMENDATIONS.name


@dataclass(frozen=True)
class ExportSummary:
    path: Path  # the recommendations table
    songs: Path
    reactions: Path
    dictionary: Path
    datapackage: Path
    rows: int
    people: int


@dataclass(frozen=True)
class _Chunk:
    """One chunk's rows of each table."""

    recommendations: list[dict[str, Any]]
    songs: list[dict[str, Any]]
    reactions: list[dict[str, Any]]


def export_study(
    engine: Engine,
    out_dir: Path,
    fmt: Format,
    secret: str,
    chunk: int = DEFAULT_CHUNK,
    note: str = "",
) -> ExportSummary:
    """Write `recommendations`, `songs` and `reactions` (.csv or .parquet), `data_dictionary.md`
    and `datapackage.json` into `out_dir`."""
    pseudonym = Pseudonymizer(secret)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {t.name: out_dir / f"{t.name}.{fmt}" for t in TABLES}
    parts = {name: path.with_suffix(path.suffix + ".part") for name, path in paths.items()}
    rows = 0
    people: set[str] = set()
    writers: dict[str, TableWriter] = {}
    bar = tqdm(desc="export", unit="row", disable=None)  # on a terminal only
    try:
        for table in TABLES:
            writers[table.name] = open_writer(table, parts[table.name], fmt)
        for batch in _row_chunks(engine, pseudonym, chunk):
            writers[RECOMMENDATIONS.name].write(batch.recommendations)
            writers[SONGS.name].write(batch.songs)
            writers[REACTIONS.name].write(batch.reactions)
            rows += len(batch.recommendations)
            bar.update(len(batch.recommendations))
            people.update(r["person"] for r in batch.recommendations)
    finally:
        bar.close()
        for writer in writers.values():
            writer.close()
    for name, part in parts.items():
        part.replace(paths[name])  # a reader never sees half a table
    now = datetime.now(UTC)
    header = (
        f"Exported {now.strftime('%Y-%m-%d %H:%M UTC')}: {rows} rows, {len(people)} people, "
        f"format {fmt}. {note}"
    ).strip()
    dictionary = out_dir / DICTIONARY_FILE
    dictionary.write_text(data_dictionary_markdown(header, fmt))
    package = write_datapackage(
        out_dir / DATAPACKAGE_FILE, fmt, now.strftime("%Y-%m-%dT%H:%M:%SZ"), header
    )
    log.info("exported %d rows of %d people to %s", rows, len(people), out_dir)
    return ExportSummary(
        paths[RECOMMENDATIONS.name],
        paths[SONGS.name],
        paths[REACTIONS.name],
        dictionary,
        package,
        rows,
        len(people),
    )


# -- reading ------------------------------------------------------------------------------------


def _row_chunks(engine: Engine, pseudonym: Pseudonymizer, chunk: int) -> Iterator[_Chunk]:
    last_id = 0
    with engine.connect() as conn:
        while True:
            recs = conn.execute(
                select(Recommendation)
                .where(col(Recommendation.id) > last_id)
                .order_by(col(Recommendation.id))
                .limit(chunk)
            ).all()
            if not recs:
                return
            rows = _rows_for(conn, recs, _IdRange(last_id, recs[-1].id))
            last_id = recs[-1].id
            yield _render_chunk(rows, pseudonym)


@dataclass(frozen=True)
class _IdRange:
    """The chunk's recommendations: ids in (after, last]. Related rows are fetched by this range,
    so every query's text is the same for every chunk (no IN lists of varying length, which would
    fill the driver's statement cache and the allocator with one-off statements)."""

    after: int
    last: int

    def of(self, column: Any) -> Any:
        return and_(column > self.after, column <= self.last)


@dataclass
class _Row:
    """Database rows (SQLAlchemy `Row`s, read by column name: no ORM objects, which would cost
    most of the export's time) of one recommendation and person."""

    rec: Any  # recommendation
    user: Any
    chat: Any
    before: Any  # mood report
    checkin: Any | None
    after: Any | None
    items: list[tuple[int, str, float, float]]  # position, track, valence, arousal
    reactions: list[tuple[int, str, str, datetime]]  # position, track, kind, when
    own: bool  # the recommendation's own person (self-report before belongs to them)


def _rows_for(conn: Any, recs: Sequence[Any], ids: _IdRange) -> list[_Row]:
    in_chunk = ids.of(col(Recommendation.id))
    checkin_in_chunk = ids.of(col(CheckIn.recommendation_id))
    checkins = _by(conn, CheckIn, checkin_in_chunk)
    # The people of each recommendation: its own person, and each member asked about a group mix.
    people: dict[int, dict[int, Any | None]] = {r.id: {r.user_id: None} for r in recs}
    for c in sorted(checkins.values(), key=lambda c: c.id or 0):
        people[c.recommendation_id][c.user_id] = c
    users = _by(
        conn,
        (col(User.id), col(User.pseudonym)),
        col(User.research_consent).is_(True),  # read now: withdrawn consent leaves nobody behind
        or_(
            col(User.id).in_(select(col(Recommendation.user_id)).where(in_chunk)),
            col(User.id).in_(select(col(CheckIn.user_id)).where(checkin_in_chunk)),
        ),
    )
    if not users:
        return []
    chats = _by(
        conn,
        (col(Chat.id), col(Chat.platform), col(Chat.kind)),
        col(Chat.id).in_(select(col(Recommendation.chat_id)).where(in_chunk)),
    )
    reports = _by(
        conn,
        REPORT_COLUMNS,
        or_(
            col(MoodReport.id).in_(select(col(Recommendation.mood_report_id)).where(in_chunk)),
            col(MoodReport.id).in_(select(col(CheckIn.mood_before_id)).where(checkin_in_chunk)),
            col(MoodReport.id).in_(select(col(CheckIn.mood_after_id)).where(checkin_in_chunk)),
        ),
    )
    items: dict[int, list[tuple[int, str, float, float]]] = defaultdict(list)
    item_in_chunk = ids.of(col(RecommendationItem.recommendation_id))
    for rec_id, position, track, valence, arousal in conn.execute(
        select(
            col(RecommendationItem.recommendation_id),
            col(RecommendationItem.position),
            col(CatalogSong.track_id),
            col(CatalogSong.valence),
            col(CatalogSong.arousal),
        )
        .join(CatalogSong, col(CatalogSong.id) == col(RecommendationItem.song_id))
        .where(item_in_chunk)
        .order_by(col(RecommendationItem.recommendation_id), col(RecommendationItem.position))
    ):
        items[rec_id].append((position, track, valence, arousal))
    reactions: dict[tuple[int, int], list[tuple[int, str, str, datetime]]] = defaultdict(list)
    for rec_id, position, user_id, kind, track, at in conn.execute(
        select(
            col(RecommendationItem.recommendation_id),
            col(RecommendationItem.position),
            col(Reaction.user_id),
            col(Reaction.kind),
            col(CatalogSong.track_id),
            col(Reaction.created_at),
        )
        .join(RecommendationItem, col(RecommendationItem.id) == col(Reaction.item_id))
        .join(CatalogSong, col(CatalogSong.id) == col(Reaction.song_id))
        .where(item_in_chunk)
        .order_by(col(Reaction.id))
    ):
        reactions[(rec_id, user_id)].append((position, track, kind, at))
    rows: list[_Row] = []
    for rec in recs:
        chat = chats.get(rec.chat_id)
        for user_id, checkin in people[rec.id].items():
            user = users.get(user_id)
            before_id = checkin.mood_before_id if checkin else rec.mood_report_id
            before = reports.get(before_id)
            if user is None or chat is None or before is None:
                continue
            after = reports.get(checkin.mood_after_id or 0) if checkin else None
            rows.append(
                _Row(
                    rec,
                    user,
                    chat,
                    before,
                    checkin,
                    after,
                    items[rec.id],
                    reactions[(rec.id, user_id)],
                    own=user_id == rec.user_id,
                )
            )
    return rows


# The mood report's columns the export needs (never its text).
REPORT_COLUMNS = tuple(
    col(c)
    for c in (
        MoodReport.id,
        MoodReport.source,
        MoodReport.valence,
        MoodReport.arousal,
        MoodReport.confidence,
        MoodReport.model_version,
        MoodReport.language,
        MoodReport.created_at,
    )
)


def _by(conn: Any, what: Any, *where: Any) -> dict[int, Any]:
    """Rows by id: `what` is a table or a tuple of its columns (the id first)."""
    columns = what if isinstance(what, tuple) else (what,)
    return {row.id: row for row in conn.execute(select(*columns).where(*where))}


def _render_chunk(rows: list[_Row], pseudonym: Pseudonymizer) -> _Chunk:
    recommendations, songs, reactions = [], [], []
    songs_written: set[int] = set()  # a group mix's playlist once, whatever its members
    for row in rows:
        rec_key = pseudonym.recommendation(row.rec.id)
        person = pseudonym(row.user.pseudonym)
        recommendations.append(_render(row, rec_key, person))
        if row.rec.id not in songs_written:
            songs_written.add(row.rec.id)
            songs += [
                {
                    "recommendation_id": rec_key,
                    "position": position,
                    "track_id": track,
                    "valence": valence,
                    "arousal": arousal,
                }
                for position, track, valence, arousal in row.items
            ]
        created = _utc(row.rec.created_at)
        reactions += [
            {
                "recommendation_id": rec_key,
                "person": person,
                "position": position,
                "track_id": track,
                "kind": kind,
                "minutes": round(_minutes(created, _utc(at)), 2),
            }
            for position, track, kind, at in row.reactions
        ]
    return _Chunk(recommendations, songs, reactions)


def _render(row: _Row, rec_key: str, person: str) -> dict[str, Any]:
    rec, before, after, checkin = row.rec, row.before, row.after, row.checkin
    kinds = [k for _, _, k, _ in row.reactions]
    self_before_v = rec.self_valence_before if row.own else None
    self_before_a = rec.self_arousal_before if row.own else None
    self_after_v = checkin.self_valence if checkin else None
    self_after_a = checkin.self_arousal if checkin else None
    model_pair = after is not None and after.source in MODEL_SOURCES
    model_pair = model_pair and before.source in MODEL_SOURCES
    answered = _utc(checkin.answered_at) if checkin and checkin.answered_at else None
    values: dict[str, Any] = {
        "recommendation_id": rec_key,
        "person": person,
        "platform": row.chat.platform,
        "chat_kind": row.chat.kind,
        "arm": rec.arm,
        "randomised": rec.randomised,
        "arm_draw": rec.arm_draw,
        "mode": rec.mode,
        "strategy": rec.strategy,
        "ranker_version": rec.model_version,
        "created_at": _utc(rec.created_at),
        "before_source": before.source,
        "before_valence": before.valence,
        "before_arousal": before.arousal,
        "before_confidence": before.confidence,
        "before_model_version": before.model_version,
        "before_language": before.language,
        "before_self_valence": self_before_v,
        "before_self_arousal": self_before_a,
        "target_valence": rec.target_valence,
        "target_arousal": rec.target_arousal,
        "songs_count": len(row.items),
        "songs_mean_valence": _mean([v for _, _, v, _ in row.items]),
        "songs_mean_arousal": _mean([a for _, _, _, a in row.items]),
        "likes": kinds.count("like"),
        "dislikes": kinds.count("dislike"),
        "skips": kinds.count("skip"),
        "plays": kinds.count("played"),
        "checkin_status": checkin.status if checkin else "none",
        "checkin_sent_at": _utc(checkin.sent_at) if checkin and checkin.sent_at else None,
        "checkin_answered_at": answered,
        "after_source": after.source if after else None,
        "after_valence": after.valence if after else None,
        "after_arousal": after.arousal if after else None,
        "after_language": after.language if after else None,
        "after_self_valence": self_after_v,
        "after_self_arousal": self_after_a,
        "delta_valence": after.valence - before.valence if after and model_pair else None,
        "delta_arousal": after.arousal - before.arousal if after and model_pair else None,
        "self_delta_valence": _diff(self_after_v, self_before_v),
        "self_delta_arousal": _diff(self_after_a, self_before_a),
        "minutes_between": (
            round(_minutes(_utc(before.created_at), answered), 3) if answered else None
        ),
    }
    return values


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60.0


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _diff(after: float | None, before: float | None) -> float | None:
    return after - before if after is not None and before is not None else None
