"""The one way the rest of Moodwave reads and writes the database.

`Store` is a facade composed of the aggregates (`People`, `Moods`, `Songs`, `Recommendations`,
`CheckIns`, `Mixes`), the update claims (`storage.updates`) and the query objects of the ranker and
of Spotify, so that callers hold one object; each caller declares what it uses with the protocol of
its aggregate (`CheckInStore`, `SongStore`, ...). Every method is one short transaction, so it is
safe to call from the chat handlers and the jobs at once, and from several bot processes on
PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy import Engine

from storage import updates
from storage.checkins import CheckIns
from storage.mixes import Mixes
from storage.models import utcnow
from storage.moods import Moods
from storage.people import People
from storage.ranker_data import RankerData
from storage.recommendations import Recommendations
from storage.songs import Songs
from storage.spotify_credentials import SpotifyTables

if TYPE_CHECKING:
    from storage.checkins import CheckInStore
    from storage.mixes import MixStore
    from storage.moods import MoodStore
    from storage.people import PeopleStore
    from storage.recommendations import RecommendationStore
    from storage.songs import SongStore

UPDATE_LEASE = timedelta(seconds=60)


@runtime_checkable
class UpdateStore(Protocol):
    """The claims on incoming updates, as the adapters and the core use them."""

    claimer: str

    def claim_update(self, platform: str, update_id: str) -> bool: ...

    def finish_update(self, platform: str, update_id: str) -> bool: ...

    def release_update(self, platform: str, update_id: str) -> bool: ...

    def prune_updates(self, platform: str, before: datetime) -> int: ...

    def update_state(self, platform: str, update_id: str) -> updates.UpdateState: ...


class Store(People, Moods, Songs, Recommendations, CheckIns, Mixes):
    def __init__(
        self, engine: Engine, update_lease: timedelta = UPDATE_LEASE, claimer: str | None = None
    ) -> None:
        super().__init__(engine)
        self.update_lease = update_lease  # how long a claimed update waits before a takeover
        # Who holds the update claims this store takes: this process, or the bot process that a
        # core process works for (both must finish the claims the other took).
        self.claimer = claimer or updates.claimer_id()

    # -- updates -------------------------------------------------------------------------------

    def claim_update(self, platform: str, update_id: str) -> bool:
        """Claim an update for handling; False for a redelivery to drop (done, or another
        claimer's live lease). A lapsed claim (its claimer died) is taken over: `storage.updates`."""
        return updates.claim(
            self.engine, platform, update_id, self.claimer, self.update_lease, utcnow()
        )

    def finish_update(self, platform: str, update_id: str) -> bool:
        """The replies of a claimed update were sent: redeliveries are dropped from now on."""
        return updates.finish(self.engine, platform, update_id, self.claimer)

    def release_update(self, platform: str, update_id: str) -> bool:
        """The update could not be handled now: its next delivery is handled at once."""
        return updates.release(self.engine, platform, update_id, self.claimer)

    def prune_updates(self, platform: str, before: datetime) -> int:
        return updates.prune(self.engine, platform, before)

    def update_state(self, platform: str, update_id: str) -> updates.UpdateState:
        return updates.state(
            self.engine, platform, update_id, self.claimer, self.update_lease, utcnow()
        )

    # -- query objects for the other packages ----------------------------------------------------

    def ranker_data(self) -> RankerData:
        """Reactions and songs as the ranker's training and online learning read them."""
        return RankerData(self.engine)

    def spotify_tables(self) -> SpotifyTables:
        """Stored Spotify accounts, search matches and delayed playlists."""
        return SpotifyTables.on(self.engine)


if TYPE_CHECKING:  # mypy checks here that the facade offers every protocol in full

    def _offers_every_protocol(
        store: Store,
    ) -> tuple[
        PeopleStore, MoodStore, SongStore, RecommendationStore, CheckInStore, MixStore, UpdateStore
    ]:
        return store, store, store, store, store, store, store
