"""A conversation core on a real store, the real lexicon and a slice of the real catalog, with a
clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import load_catalog
from bot.checkins import CheckInJob
from bot.core.conversation import Conversation, ConversationRules
from bot.core.events import ChatKind, ChatRef, Incoming, Outgoing, Payload, UserRef
from nlp.lexicon import LexiconEstimator
from recommender import Song
from recommender.catalog import load_spotify_songs
from recommender.importing import song_record
from recommender.nearest import NearestMoodRecommender
from storage import Store
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Telegram Bot API on loopback, checked for protocol violations after the test.
    Modules that talk to another fake (Discord, Spotify) or need another token define their own
    `fake`, which pytest prefers to this one."""
    server = FakeTelegram().start()
    yield server
    server.stop()
    server.assert_no_violations()


# For cases where the database is not the point: the SQLite back end only (the database_url fixture
# otherwise runs each case on SQLite and PostgreSQL).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Delivered:
    items: list[tuple[str, Outgoing]] = field(default_factory=list)  # (chat's external id, reply)

    def __call__(self, chat_external_id: str, out: Outgoing) -> None:
        self.items.append((chat_external_id, out))


@pytest.fixture(scope="session")
def lexicon(data_dir: Path) -> LexiconEstimator:
    return LexiconEstimator.from_csv(data_dir / "warriner_xanew" / "Ratings_Warriner_et_al.csv")


@pytest.fixture(scope="session")
def catalog_slice(data_dir: Path) -> list[Song]:
    """Every 60th song of the real catalog: ~470 songs spread over the whole VA plane."""
    songs = load_spotify_songs(data_dir / "tidytuesday_spotify_songs" / "spotify_songs.csv")
    return songs[::60]


@dataclass
class Harness:
    store: Store
    conversation: Conversation
    clock: Clock
    delivered: Delivered
    job: CheckInJob
    seams: dict[str, Any]  # what the conversation was built from

    def rebuild(self, **changes: Any) -> None:
        """The same core with some of its seams swapped (a learning ranker, a study's arms)."""
        self.seams = {**self.seams, **changes}
        self.conversation = Conversation(**self.seams)
        self.job = _checkin_job(self.store, self.conversation, self.delivered)

    def send(
        self,
        payload: Payload,
        user: str = "u1",
        chat: str | None = None,
        kind: ChatKind = ChatKind.PRIVATE,
        update_id: str | None = None,
        name: str = "Ann",
    ) -> list[Outgoing]:
        event = Incoming(
            "test", ChatRef(chat or user, kind), UserRef(user, name), payload, update_id
        )
        return self.conversation.handle(event)


@pytest.fixture
def harness(store: Store, lexicon: LexiconEstimator, catalog_slice: list[Song]) -> Harness:
    store.upsert_songs(song_record(s) for s in catalog_slice)
    catalog = load_catalog(store, None, Path("/nonexistent"))
    clock = Clock()
    rules = ConversationRules(
        checkin_delay=timedelta(minutes=30), playlist_size=10, max_message_chars=4000
    )
    seams: dict[str, Any] = {
        "store": store,
        "estimator": lexicon,
        "recommender": NearestMoodRecommender(catalog.songs),
        "catalog": catalog,
        "rules": rules,
        "clock": clock,
    }
    conversation = Conversation(**seams)
    delivered = Delivered()
    job = _checkin_job(store, conversation, delivered)
    return Harness(store, conversation, clock, delivered, job, seams)


def _checkin_job(store: Store, conversation: Conversation, delivered: Delivered) -> CheckInJob:
    return CheckInJob(store, conversation, "test", delivered, timedelta(hours=12))


MakeHarness = Callable[..., Harness]
