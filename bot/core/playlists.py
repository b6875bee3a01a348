"""Songs for a mood: which treatment the recommendation gets (the study's arm, or production), the
ranking from the person's taste, the stored recommendation, the published playlist (Spotify, or
track links when publishing fails) and the reply with its songs; then the check-in that follows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core import replies
from bot.core.catalog import CatalogSnapshot
from bot.core.events import Outgoing, PlaylistEntry
from bot.core.people import ConversationRules, Person, Room
from bot.core.study import StudyArms, Treatment, production_treatment
from nlp import Mood
from recommender import (
    Mode,
    PlaylistDraft,
    PlaylistPublisher,
    PublishedPlaylist,
    RecommendationRequest,
    Recommender,
    TrackLinksPublisher,
    target_mood,
)
from recommender.ranking import RankedSong, TasteProfile
from recommender.taste import ReactionSignal, taste_from_reactions
from recommender.videos import video_link
from storage import NewItem, NewRecommendation, SavedRecommendation, Store

log = logging.getLogger(__name__)


class SpotifyAccountsSeam(Protocol):
    """Per-user Spotify accounts (optional): a linked user's playlists go to their own account."""

    def publisher_for(self, user_id: int) -> PlaylistPublisher: ...

    def link_url(self, user_id: int) -> str: ...

    def unlink(self, user_id: int) -> bool: ...


class Playlists:
    def __init__(
        self,
        store: Store,
        recommender: Recommender,
        catalog: CatalogSnapshot,
        publisher: PlaylistPublisher,
        rules: ConversationRules,
        clock: Callable[[], datetime],
        spotify_accounts: SpotifyAccountsSeam | None = None,
        study: StudyArms | None = None,
    ) -> None:
        self.store = store
        self.recommender = recommender
        self.catalog = catalog
        self.publisher = publisher
        self.fallback_publisher = TrackLinksPublisher()
        self.rules = rules
        self.clock = clock
        self.spotify_accounts = spotify_accounts
        self.study = study

    def for_mood(self, person: Person, room: Room, report_id: int, mood: Mood) -> list[Outgoing]:
        """The recommendation for a mood someone told, with its check-in when they want one."""
        now = self.clock()
        delay = person.checkin_delay(self.rules)
        treatment = (
            self.study.treatment(person, f"mood-report:{report_id}", self.recommender)
            if self.study is not None
            else production_treatment(self.recommender)
        )
        if treatment.ranker is None:  # the study's check-in-only control: no songs this time
            saved = self.store.record_recommendation(
                self._recommendation(person, room, report_id, mood, person.mode, "none", treatment),
                [],
            )
            self.store.schedule_checkin(saved, report_id, now + delay)
            text = replies.study_no_playlist(mood, delay)
            return [Outgoing(text), _self_report_before(saved)]
        ranked = treatment.ranker.recommend(
            RecommendationRequest(
                mood,
                person.mode,
                self.taste_of(person.id, now),
                self.rules.playlist_size,
                person.pseudonym,
            )
        )
        if not ranked:
            return [Outgoing(replies.NO_SONGS)]
        saved, out = self.send(person, room, report_id, mood, person.mode, ranked, treatment, now)
        if person.checkins_enabled:
            self.store.schedule_checkin(saved, report_id, now + delay)
        if treatment.randomised:
            return [out, _self_report_before(saved)]
        return [out]

    def taste_of(self, user_id: int, now: datetime) -> TasteProfile:
        return taste_from_reactions(
            [
                ReactionSignal(f.kind, f.track_id, f.artist, f.genres)
                for f in self.store.reaction_facts(user_id)
            ],
            self.store.recent_track_ids(user_id, now - self.rules.recent_window),
        )

    def send(
        self,
        person: Person,
        room: Room,
        report_id: int,
        mood: Mood,
        mode: Mode,
        ranked: Sequence[RankedSong],
        treatment: Treatment,
        now: datetime,
        strategy: str | None = None,
    ) -> tuple[SavedRecommendation, Outgoing]:
        """Store the ranked list as a recommendation, publish it, and render the reply."""
        ranker = treatment.ranker or self.recommender
        saved = self.store.record_recommendation(
            self._recommendation(
                person, room, report_id, mood, mode, strategy or ranker.strategy, treatment
            ),
            [NewItem(self.catalog.db_id(r.song.track_id), r.score, r.reason) for r in ranked],
        )
        title = replies.playlist_title(mode, mood, now)
        published = self._publish(
            person, PlaylistDraft(title, replies.describe_mood(mood), tuple(r.song for r in ranked))
        )
        self.store.record_playlist(
            saved.id, published.provider, published.url, published.external_id
        )
        entries = tuple(
            PlaylistEntry(
                item_id, position, r.song.name, r.song.artist, r.reason, url, video_link(r.song)
            )
            for position, (item_id, r, url) in enumerate(
                zip(saved.item_ids, ranked, published.track_urls, strict=True), start=1
            )
        )
        out = Outgoing(
            replies.playlist_header(mood, mode, title),
            entries=entries,
            link=published.url,
            buttons=(*replies.correction_buttons(), *replies.other_modes_buttons(mode)),
        )
        return saved, out

    def _recommendation(
        self,
        person: Person,
        room: Room,
        report_id: int,
        mood: Mood,
        mode: Mode,
        strategy: str,
        treatment: Treatment,
    ) -> NewRecommendation:
        goal = target_mood(mood, mode)
        return NewRecommendation(
            user_id=person.id,
            chat_id=room.id,
            mood_report_id=report_id,
            mode=mode.value,
            target_valence=goal.valence,
            target_arousal=goal.arousal,
            strategy=strategy,
            model_version=treatment.ranker.version if treatment.ranker is not None else "none",
            arm=treatment.arm,
            randomised=treatment.randomised,
            arm_draw=treatment.draw,
            # The conversation's clock, the one `recent_track_ids` is asked against: a test (or a
            # replay) with its own clock sees the no-repeat window it set.
            created_at=self.clock(),
        )

    def _publish(self, person: Person, draft: PlaylistDraft) -> PublishedPlaylist:
        publisher = self.publisher
        if self.spotify_accounts is not None:
            publisher = self.spotify_accounts.publisher_for(person.id)
        try:
            return publisher.publish(draft)
        except Exception:  # a publisher failure must never cost the user their songs
            log.exception("playlist publisher failed; sending track links instead")
            return self.fallback_publisher.publish(draft)


def _self_report_before(saved: SavedRecommendation) -> Outgoing:
    return Outgoing(replies.SAM_BEFORE, replies.sam_buttons("r", saved.id))
