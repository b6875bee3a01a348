"""Wiring: the one place that turns `Settings` into a running Moodwave (database, mood estimator,
catalog, recommender, publisher, conversation). Everything below it is handed plain values."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.catalog import load_catalog
from bot.core.catalog import CatalogSnapshot
from bot.core.conversation import Conversation, ConversationRules
from bot.settings import Settings
from nlp import MoodEstimator
from nlp.lexicon import WARRINER, LexiconEstimator
from recommender import PlaylistPublisher, Recommender, TrackLinksPublisher
from recommender.nearest import NearestMoodRecommender
from storage import Store, is_up_to_date, make_engine, upgrade

log = logging.getLogger(__name__)


class ConfigurationError(RuntimeError):
    """A setting that cannot work; the message says which and what to do."""


@dataclass
class Moodwave:
    settings: Settings
    store: Store
    estimator: MoodEstimator
    catalog: CatalogSnapshot
    recommender: Recommender
    publisher: PlaylistPublisher
    conversation: Conversation


def open_store(settings: Settings) -> Store:
    """The database, migrated. SQLite (one process owns it) is upgraded in place; a shared server
    database is upgraded by the operator (`moodwave db upgrade`) so replicas never race on it."""
    engine = make_engine(settings.effective_database_url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    elif not is_up_to_date(engine):
        raise ConfigurationError(
            "The database schema is not up to date. Run `moodwave db upgrade` once, then start again."
        )
    return Store(engine)


def build_estimator(settings: Settings) -> MoodEstimator:
    if settings.worker_url:
        raise ConfigurationError(
            "MOODWAVE_WORKER_URL is set, but this version runs the mood model inside the bot only. "
            "Unset it to use the embedded model."
        )
    return LexiconEstimator.from_csv(WARRINER.resolve(settings.data_dir, settings.cache_dir))


def build_app(settings: Settings) -> Moodwave:
    store = open_store(settings)
    estimator = build_estimator(settings)
    catalog = load_catalog(store, settings.data_dir, settings.cache_dir)
    recommender = NearestMoodRecommender(catalog.songs)
    publisher = TrackLinksPublisher()
    rules = ConversationRules(
        checkin_delay=settings.checkin_delay,
        playlist_size=settings.playlist_size,
        max_message_chars=settings.max_message_chars,
    )
    conversation = Conversation(store, estimator, recommender, catalog, publisher, rules)
    log.info(
        "Moodwave ready: %d songs, mood model %s, ranker %s",
        len(catalog),
        estimator.version,
        recommender.version,
    )
    return Moodwave(settings, store, estimator, catalog, recommender, publisher, conversation)
