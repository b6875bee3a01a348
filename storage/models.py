"""The tables: people, chats, what they said about their mood, what we recommended, how they reacted,
and the check-ins that measure the change.

Every row that belongs to a person points at `user.id`, so `Store.forget_user` can remove it all.
Times are timezone-aware UTC everywhere (SQLModel's `UTCDateTime` stores them as UTC on SQLite and as
`timestamptz` on PostgreSQL), so both back ends compare due times the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_user_platform_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=128)
    pseudonym: str = Field(max_length=32, unique=True)  # random, never derived from the external id
    research_consent: bool = False
    consent_changed_at: datetime | None = None
    preferred_mode: str = Field(default="match", max_length=16)
    checkins_enabled: bool = True
    checkin_delay_s: float | None = None  # None: the operator's default delay
    # Spotify playlists are named without the mood unless the person chose so (/spotify titles).
    playlist_mood_titles: bool = False
    language: str | None = Field(default=None, max_length=16)  # chosen with /language; None: auto
    platform_language: str | None = Field(default=None, max_length=16)  # the app's, last seen
    created_at: datetime = Field(default_factory=utcnow)


class Chat(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_chat_platform_ext"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    kind: str = Field(default="private", max_length=16)  # private | group
    title: str | None = Field(default=None, max_length=256)
    # A private chat is personal data of its one member: forgetting the user removes it.
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class MoodReport(SQLModel, table=True):
    __tablename__ = "mood_report"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))  # the message or the transcript
    source: str = Field(max_length=16)  # text | voice | checkin | correction
    valence: float
    arousal: float
    confidence: float
    model_version: str = Field(max_length=64)
    # A voice note keeps both readings that were fused: the words' mood and the voice's arousal.
    text_valence: float | None = None
    text_arousal: float | None = None
    prosody_arousal: float | None = None
    prosody_confidence: float | None = None
    duration_s: float | None = None
    # The language the words were read as (ISO 639-1; the model is in model_version); None for a
    # mood told without words, and for reports from before languages were told apart.
    language: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class CatalogSong(SQLModel, table=True):
    """A song of the catalog with its mood; the recommender works on `recommender.Song` copies."""

    __tablename__ = "song"

    id: int | None = Field(default=None, primary_key=True)
    track_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=512)
    artist: str = Field(max_length=512, index=True)
    album: str = Field(default="", max_length=512)
    genres: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subgenres: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    valence: float
    arousal: float
    mood_source: str = Field(max_length=32)
    mood_confidence: float = 1.0
    popularity: int = 0
    duration_ms: int = 0
    spotify_id: str | None = Field(default=None, max_length=64)
    features: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    video_url: str | None = Field(default=None, max_length=512)
    updated_at: datetime = Field(default_factory=utcnow)


class Recommendation(SQLModel, table=True):
    """Songs recommended for a mood. A group mix's recommendation is shared: when the person it
    was made for is forgotten, it stays detached (no person, no mood report) for the members who
    answered, reacted or were asked about it."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    mood_report_id: int | None = Field(default=None, foreign_key="mood_report.id")
    mode: str = Field(max_length=16)
    target_valence: float
    target_arousal: float
    strategy: str = Field(max_length=32)
    model_version: str = Field(max_length=64)
    # The research arm: which treatment this recommendation got. `randomised` is True only for a
    # consenting person's recommendation drawn by the seeded assignment (`arm_draw` in [0, 1)).
    arm: str = Field(default="", max_length=32)
    randomised: bool = False
    arm_draw: float | None = None
    # The person's own rating of the mood before (Self-Assessment Manikin, mapped to [-1, 1]).
    self_valence_before: float | None = None
    self_arousal_before: float | None = None
    created_at: datetime = Field(default_factory=utcnow)


class RecommendationItem(SQLModel, table=True):
    """One song of a recommendation. Its id is what a reaction button points at."""

    __tablename__ = "recommendation_item"

    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    position: int
    song_id: int = Field(foreign_key="song.id")
    score: float
    reason: str = Field(max_length=256)


class Reaction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    item_id: int = Field(foreign_key="recommendation_item.id", index=True)
    song_id: int = Field(foreign_key="song.id")
    kind: str = Field(max_length=16)  # like | dislike | skip | played
    created_at: datetime = Field(default_factory=utcnow)


class Playlist(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    provider: str = Field(max_length=16)  # links | spotify
    url: str | None = Field(default=None, max_length=512)
    external_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class CheckIn(SQLModel, table=True):
    """Asks "how do you feel now?" after a recommendation. The row is the truth: its status moves
    pending -> sending (claimed by one job run) -> asking (the question on its way) -> sent |
    maybe-sent (its send was cut off: never sent again) -> answered | expired (`storage.checkins`)."""

    __tablename__ = "checkin"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    chat_id: int = Field(foreign_key="chat.id")
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    mood_before_id: int = Field(foreign_key="mood_report.id")
    mood_after_id: int | None = Field(default=None, foreign_key="mood_report.id")
    status: str = Field(default="pending", max_length=16, index=True)
    due_at: datetime = Field(index=True)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    # The person's own rating of the mood after (Self-Assessment Manikin, mapped to [-1, 1]).
    self_valence: float | None = None
    self_arousal: float | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Platform updates claimed for processing, so a redelivered update is processed once.

    A claim is a lease: "processing" by `claimed_by` (host:pid:nonce) since `claimed_at`, then "done"
    once the replies are sent. A redelivery of an update whose claimer died (the lease lapsed
    without "done") is taken over by whoever receives it; see `storage.updates`."""

    __tablename__ = "processed_update"

    platform: str = Field(primary_key=True, max_length=16)
    update_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(default="processing", max_length=16)  # processing | done
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=96)
    created_at: datetime = Field(default_factory=utcnow)


class SpotifyCredential(SQLModel, table=True):
    """A Spotify account Moodwave may act for: the bot-owned one (`owner_user_id` empty, `slot`
    "bot") or one a user linked (`slot` "user:<id>"). Tokens are stored only encrypted (Fernet), so a
    copy of the database alone gives no access to anyone's Spotify."""

    __tablename__ = "spotify_credential"

    id: int | None = Field(default=None, primary_key=True)
    slot: str = Field(max_length=32, unique=True)  # one row per account role: "bot" | "user:<id>"
    owner_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    spotify_user_id: str = Field(max_length=128)
    display_name: str | None = Field(default=None, max_length=256)
    scope: str = Field(default="", max_length=512)
    refresh_token_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SpotifyLinkState(SQLModel, table=True):
    """The one `/spotify link` a person may complete: the nonce of its signed OAuth state (hashed).
    A new link replaces it; completing the link consumes it, so a state works once, for them."""

    __tablename__ = "spotify_link_state"

    user_id: int = Field(primary_key=True, foreign_key="user.id")
    nonce_hash: str = Field(max_length=64)
    expires_at: datetime


class SpotifyTrackMatch(SQLModel, table=True):
    """What a Spotify search found for a song without a Spotify id (`spotify_id` empty: nothing), so
    each song is searched once per `searched_at` freshness window, not once per playlist."""

    __tablename__ = "spotify_track_match"

    query_key: str = Field(primary_key=True, max_length=512)  # normalised "artist|title"
    spotify_id: str | None = Field(default=None, max_length=64)
    searched_at: datetime = Field(default_factory=utcnow)


class GroupMix(SQLModel, table=True):
    """A group chat's /mix: members give their mood until `due_at`, then one playlist for all.
    Status: open -> closing (claimed by one job run; once its playlist is made, `recommendation_id`
    and the replies still to deliver in `reply`) -> done (delivered) | empty (nobody answered) |
    undelivered (the chat could not be reached for a day)."""

    __tablename__ = "group_mix"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chat.id", index=True)
    # None once the member who started it was forgotten: the others' answers stay.
    started_by_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    strategy: str = Field(max_length=16)
    status: str = Field(default="open", max_length=16, index=True)
    due_at: datetime = Field(index=True)
    claimed_at: datetime | None = None
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class GroupMixMember(SQLModel, table=True):
    """One member's mood for a mix (their latest answer counts)."""

    __tablename__ = "group_mix_member"
    __table_args__ = (UniqueConstraint("mix_id", "user_id", name="uq_mix_member"),)

    id: int | None = Field(default=None, primary_key=True)
    mix_id: int = Field(foreign_key="group_mix.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    mood_report_id: int = Field(foreign_key="mood_report.id")


class DeferredPlaylist(SQLModel, table=True):
    """A Spotify playlist the person got as links first (Spotify's rate limit, or a publish out of
    time), finished in the background. Claimed like check-ins, so a restart or another replica
    carries it on: waiting (until `due_at`) -> working (claimed) -> done | failed. `playlist_id` and
    `added` say how far it got; `draft` is the playlist's title, description and songs (JSON)."""

    __tablename__ = "deferred_playlist"

    id: int | None = Field(default=None, primary_key=True)
    ticket: str = Field(max_length=64, unique=True)  # the links row's `external_id` until done
    account: str = Field(max_length=32)  # the Spotify account slot: "bot" | "user:<id>"
    draft: str = Field(sa_column=Column(Text, nullable=False))
    playlist_id: str | None = Field(default=None, max_length=64)
    playlist_url: str | None = Field(default=None, max_length=512)
    added: int = 0
    attempts: int = 0
    status: str = Field(default="waiting", max_length=16, index=True)
    due_at: datetime = Field(index=True)
    claimed_at: datetime | None = None
    problem: str | None = Field(default=None, max_length=256)
    created_at: datetime = Field(default_factory=utcnow)
