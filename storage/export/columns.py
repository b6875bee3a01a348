"""The export's columns, in order: their names, types and meaning. The data dictionary written with
every export, and the Parquet schema, are generated from this one list."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Sources of a mood reading whose values come from the text/voice model (the primary outcome);
# "checkin-sam" after-moods are the person's own SAM rating, kept in the self_* columns as well.
MODEL_SOURCES = ("text", "voice", "correction", "checkin", "checkin-voice")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string | int | float | bool | timestamp | json
    description: str

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "string": pa.string(),
            "json": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "timestamp": pa.timestamp("us", tz="UTC"),
        }[self.kind]


VA = "on [-1, 1] (valence: unpleasant to pleasant; arousal: calm to excited)"

COLUMNS: tuple[Column, ...] = (
    Column("recommendation_id", "int", "Row id of the recommendation (a mood, its playlist and its check-in) in this database."),
    Column("person", "string", "Pseudonymous person id: HMAC-SHA256 of the person's stored random pseudonym under the research secret. Stable across exports with the same secret; not reversible without it."),
    Column("platform", "string", "telegram | discord | console."),
    Column("chat_kind", "string", "private | group (a group /mix: one shared playlist; one row per member who was asked)."),
    Column("arm", "string", "Experiment arm: widedeep | nearest | random | checkin-only; for a recommendation that was not randomised, the ranker that made it; group for a group mix."),
    Column("randomised", "bool", "True when the arm was drawn by the seeded assignment (consenting person, check-ins on)."),
    Column("arm_draw", "float", "The seeded uniform draw in [0, 1) that chose the arm: SHA-256(seed, 'mood-report:<id>') as a fraction. Empty when not randomised."),
    Column("mode", "string", "What the music was asked to do: match | uplift | calm | energise."),
    Column("strategy", "string", "The ranker's strategy name (none for the check-in-only arm)."),
    Column("ranker_version", "string", "Version of the ranker (model) that made the playlist."),
    Column("created_at", "timestamp", "When the recommendation was made (UTC)."),
    Column("before_source", "string", "How the mood before was told: text | voice | correction (picked from the 'not quite' buttons)."),
    Column("before_valence", "float", f"Mood before as the model read it, valence {VA}."),
    Column("before_arousal", "float", f"Mood before as the model read it, arousal {VA}."),
    Column("before_confidence", "float", "The model's confidence in the mood before, 0 to 1."),
    Column("before_model_version", "string", "Version of the mood model that read the mood before."),
    Column("before_self_valence", "float", "The person's own SAM rating of valence before (1-5 mapped to -1, -0.5, 0, 0.5, 1); empty when not given."),
    Column("before_self_arousal", "float", "The person's own SAM rating of arousal before (as above); empty when not given."),
    Column("target_valence", "float", "Valence the playlist aimed at (from the mood and the mode)."),
    Column("target_arousal", "float", "Arousal the playlist aimed at."),
    Column("songs_count", "int", "Number of songs sent (0 for the check-in-only arm)."),
    Column("songs", "json", "The playlist in order: JSON list of {track_id, valence, arousal} (catalog track ids and song moods)."),
    Column("songs_mean_valence", "float", "Mean valence of the songs; empty without songs."),
    Column("songs_mean_arousal", "float", "Mean arousal of the songs; empty without songs."),
    Column("reactions", "json", "This person's reactions to the playlist's songs: JSON list of {track_id, kind, minutes} (minutes after the recommendation)."),
    Column("likes", "int", "Count of like reactions."),
    Column("dislikes", "int", "Count of dislike reactions."),
    Column("skips", "int", "Count of skip reactions."),
    Column("plays", "int", "Count of played-to-the-end reactions."),
    Column("checkin_status", "string", "none (check-ins off) | pending | sending | asking | sent | maybe-sent (its send timed out or its sender died mid-way: it may not have arrived, and was not sent again) | answered | expired | superseded (a newer mood came before it was asked)."),
    Column("checkin_sent_at", "timestamp", "When 'how do you feel now?' was sent (UTC)."),
    Column("checkin_answered_at", "timestamp", "When it was answered (UTC)."),
    Column("after_source", "string", "How the mood after was told: checkin (words) | checkin-voice | checkin-sam (both SAM scales, no words)."),
    Column("after_valence", "float", "Mood after, valence: the model's reading of the answer (or the SAM rating when after_source is checkin-sam)."),
    Column("after_arousal", "float", "Mood after, arousal (as above)."),
    Column("after_self_valence", "float", "The person's own SAM rating of valence at the check-in; empty when not given."),
    Column("after_self_arousal", "float", "The person's own SAM rating of arousal at the check-in; empty when not given."),
    Column("delta_valence", "float", "after_valence - before_valence when both are model readings (the primary outcome); empty otherwise."),
    Column("delta_arousal", "float", "after_arousal - before_arousal, as above."),
    Column("self_delta_valence", "float", "after_self_valence - before_self_valence when both self-reports exist."),
    Column("self_delta_arousal", "float", "after_self_arousal - before_self_arousal, as above."),
    Column("minutes_between", "float", "Minutes from the mood before to the check-in answer."),
)  # fmt: skip

COLUMN_NAMES = tuple(c.name for c in COLUMNS)


def arrow_schema() -> pa.Schema:
    return pa.schema([pa.field(c.name, c.arrow_type) for c in COLUMNS])


def data_dictionary_markdown(extra: str = "") -> str:
    lines = [
        "# Moodwave mood-shift export: data dictionary",
        "",
        "One row per recommendation and person (a group mix gives one row per member who was",
        "asked). Only people who consent to research use at the time of the export are included;",
        "people who withdrew consent or used /forget are not. No message text, names or platform",
        "ids are exported.",
        "",
    ]
    if extra:
        lines += [extra, ""]
    lines += ["| column | type | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.kind} | {c.description} |" for c in COLUMNS]
    return "\n".join(lines) + "\n"
