"""The export's tables and their columns, in order: names, types, keys and meaning. The data
dictionary, the Frictionless `datapackage.json` and the Parquet schemas written with every export
are generated from these declarations (`storage.export.codebook`)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Sources of a mood reading whose values come from the text/voice model (the primary outcome);
# "checkin-sam" after-moods are the person's own SAM rating, kept in the self_* columns as well.
MODEL_SOURCES = ("text", "voice", "correction", "checkin", "checkin-voice")

# Each column kind: its Arrow type (Parquet) and its Frictionless Table Schema type.
KINDS: dict[str, tuple[pa.DataType, str]] = {
    "string": (pa.string(), "string"),
    "int": (pa.int64(), "integer"),
    "float": (pa.float64(), "number"),
    "bool": (pa.bool_(), "boolean"),
    "timestamp": (pa.timestamp("us", tz="UTC"), "datetime"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a key of KINDS
    description: str
    required: bool = False  # never empty
    values: tuple[str, ...] = ()  # the only values it takes, when the set is closed

    @property
    def arrow_type(self) -> pa.DataType:
        return KINDS[self.kind][0]

    @property
    def table_schema_type(self) -> str:
        return KINDS[self.kind][1]


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    table_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One file of the export (`<name>.csv` or `<name>.parquet`)."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])


VA = "on [-1, 1] (valence: unpleasant to pleasant; arousal: calm to excited)"
REACTION_KINDS = ("like", "dislike", "skip", "played")

# fmt: off
RECOMMENDATION_ID = Column("recommendation_id", "string", "Pseudonymous recommendation id (a mood, its playlist and its check-in): 'r_' + HMAC-SHA256 of the database row id under a key derived from the research secret. Joins the export's tables; stable across exports with the same secret; does not lead back to the database row (or the person) without the secret.", required=True)
PERSON = Column("person", "string", "Pseudonymous person id: HMAC-SHA256 of the person's stored random pseudonym under the research secret. Stable across exports with the same secret; not reversible without it.", required=True)

RECOMMENDATIONS = Table(
    "recommendations",
    "Recommendations and their mood change",
    "One row per recommendation and person (a group mix gives one row per member who was asked).",
    (
        RECOMMENDATION_ID,
        PERSON,
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
        Column("before_model_version", "string", "Version of the mood model that read the mood before (minilm-/mpnet-: the English model; e5-: the multilingual one)."),
        Column("before_language", "string", "The language the words of the mood before were read as (ISO 639-1, e.g. en, es, de): the person's or the one identified in the text. Empty when the mood was told without words (a correction button) or was stored before languages were told apart (then read as English)."),
        Column("before_self_valence", "float", "The person's own SAM rating of valence before (1-5 mapped to -1, -0.5, 0, 0.5, 1); empty when not given."),
        Column("before_self_arousal", "float", "The person's own SAM rating of arousal before (as above); empty when not given."),
        Column("target_valence", "float", "Valence the playlist aimed at (from the mood and the mode)."),
        Column("target_arousal", "float", "Arousal the playlist aimed at."),
        Column("songs_count", "int", "Number of songs sent (0 for the check-in-only arm); the songs are in the songs table.", required=True),
        Column("songs_mean_valence", "float", "Mean valence of the songs; empty without songs."),
        Column("songs_mean_arousal", "float", "Mean arousal of the songs; empty without songs."),
        Column("likes", "int", "Count of this person's like reactions (each is a row of the reactions table).", required=True),
        Column("dislikes", "int", "Count of dislike reactions.", required=True),
        Column("skips", "int", "Count of skip reactions.", required=True),
        Column("plays", "int", "Count of played-to-the-end reactions.", required=True),
        Column("checkin_status", "string", "none (check-ins off) | pending | sending | asking | sent | maybe-sent (its send timed out or its sender died mid-way: it may not have arrived, and was not sent again) | answered | expired | superseded (a newer mood came before it was asked)."),
        Column("checkin_sent_at", "timestamp", "When 'how do you feel now?' was sent (UTC)."),
        Column("checkin_answered_at", "timestamp", "When it was answered (UTC)."),
        Column("after_source", "string", "How the mood after was told: checkin (words) | checkin-voice | checkin-sam (both SAM scales, no words)."),
        Column("after_valence", "float", "Mood after, valence: the model's reading of the answer (or the SAM rating when after_source is checkin-sam)."),
        Column("after_arousal", "float", "Mood after, arousal (as above)."),
        Column("after_language", "string", "The language the check-in answer's words were read as (as before_language); empty for a SAM-only answer."),
        Column("after_self_valence", "float", "The person's own SAM rating of valence at the check-in; empty when not given."),
        Column("after_self_arousal", "float", "The person's own SAM rating of arousal at the check-in; empty when not given."),
        Column("delta_valence", "float", "after_valence - before_valence when both are model readings (the primary outcome); empty otherwise."),
        Column("delta_arousal", "float", "after_arousal - before_arousal, as above."),
        Column("self_delta_valence", "float", "after_self_valence - before_self_valence when both self-reports exist."),
        Column("self_delta_arousal", "float", "after_self_arousal - before_self_arousal, as above."),
        Column("minutes_between", "float", "Minutes from the mood before to the check-in answer."),
    ),
    primary_key=("recommendation_id", "person"),
)

SONGS = Table(
    "songs",
    "Songs of each playlist",
    "One row per song of a recommendation's playlist, in playlist order (a group mix's playlist once).",
    (
        RECOMMENDATION_ID,
        Column("position", "int", "The song's place in the playlist, from 1.", required=True),
        Column("track_id", "string", "The catalog's track id (a Spotify track id for the bundled catalog).", required=True),
        Column("valence", "float", f"The song's mood in the catalog, valence {VA}."),
        Column("arousal", "float", f"The song's mood in the catalog, arousal {VA}."),
    ),
    primary_key=("recommendation_id", "position"),
)

REACTIONS = Table(
    "reactions",
    "Reactions to the songs",
    "One row per reaction of a person to a song of a recommendation's playlist, in the order given.",
    (
        RECOMMENDATION_ID,
        PERSON,
        Column("position", "int", "The song's place in the playlist (joins the songs table).", required=True),
        Column("track_id", "string", "The catalog's track id of the song.", required=True),
        Column("kind", "string", "like | dislike | skip | played (played to the end).", required=True, values=REACTION_KINDS),
        Column("minutes", "float", "Minutes from the recommendation to the reaction.", required=True),
    ),
    foreign_keys=(
        ForeignKey(("recommendation_id", "person"), "recommendations", ("recommendation_id", "person")),
        ForeignKey(("recommendation_id", "position"), "songs", ("recommendation_id", "position")),
    ),
)
# fmt: on

TABLES: tuple[Table, ...] = (RECOMMENDATIONS, SONGS, REACTIONS)

# The main table's columns (what `research.study_data.load_export` reads).
COLUMNS = RECOMMENDATIONS.columns
COLUMN_NAMES = RECOMMENDATIONS.column_names
