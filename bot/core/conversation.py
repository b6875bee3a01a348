"""The platform-agnostic conversation: one `Incoming` event in, the replies out.

It drops redelivered updates, loads or creates the person and the chat, and dispatches: commands,
free text as a mood (or as the answer to an open check-in), and reactions to songs. Everything it
knows comes through the seams it is given (store, mood estimator, recommender, publisher), so it runs
the same under the console, Telegram and Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.core import replies
from bot.core.catalog import CatalogSnapshot
from bot.core.events import (
    Button,
    ChatKind,
    Command,
    Incoming,
    Outgoing,
    PlaylistEntry,
    ReactionKind,
    ReactionPress,
    TextMessage,
    VoiceNote,
    command_action,
)
from bot.core.mixes import GroupMixes
from bot.core.study import SamPress, Study, Treatment, production_treatment
from nlp import Mood, MoodEstimator
from nlp.voice import VoiceRejected
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
from recommender.ranking import Feedback, LearningRecommender, RankedSong, TasteProfile
from recommender.reasons import mood_words
from recommender.taste import ReactionSignal, taste_from_reactions
from storage import DueCheckIn, DueMix, NewItem, NewMood, Store
from storage.models import Chat, MoodReport, Playlist, Recommendation, User, utcnow
from storage.ranker_data import IMPROVED_BY

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceAnalysis, VoiceReading

log = logging.getLogger(__name__)

REACTION_COMMANDS = {kind.value: kind for kind in ReactionKind}


class SpotifyAccountsSeam(Protocol):
    """Per-user Spotify accounts (optional): a linked user's playlists go to their own account."""

    def publisher_for(self, user_id: int) -> PlaylistPublisher: ...

    def link_url(self, user_id: int) -> str: ...

    def unlink(self, user_id: int) -> bool: ...


@dataclass(frozen=True)
class ConversationRules:
    checkin_delay: timedelta = timedelta(hours=1)
    playlist_size: int = 10
    max_message_chars: int = 4000
    recent_window: timedelta = timedelta(hours=24)  # songs sent within it are not repeated
    mix_wait: timedelta = timedelta(minutes=3)  # how long a group /mix collects moods


class Conversation:
    def __init__(
        self,
        store: Store,
        estimator: MoodEstimator,
        recommender: Recommender,
        catalog: CatalogSnapshot,
        publisher: PlaylistPublisher | None = None,
        rules: ConversationRules | None = None,
        clock: Callable[[], datetime] = utcnow,
        spotify_accounts: SpotifyAccountsSeam | None = None,
        voice: VoiceAnalysis | None = None,
        study: Study | None = None,
    ) -> None:
        self.store = store
        self.estimator = estimator
        self.recommender = recommender
        self.catalog = catalog
        self.publisher = publisher or TrackLinksPublisher()
        self.fallback_publisher = TrackLinksPublisher()
        self.rules = rules or ConversationRules()
        self.clock = clock
        self.spotify_accounts = spotify_accounts
        self.voice = voice
        self.study = study
        self.mixes = GroupMixes(self, self.rules.mix_wait)

    # -- entry point ---------------------------------------------------------------------------

    def handle(self, event: Incoming) -> list[Outgoing]:
        """Never raises: an error in one event costs that event an apology, not the bot."""
        try:
            return self._handle(event)
        except Exception:
            log.exception(
                "failed to handle %s event from %s chat %s",
                type(event.payload).__name__,
                event.platform,
                event.chat.external_id,
            )
            return [Outgoing(replies.APOLOGY)]

    def _handle(self, event: Incoming) -> list[Outgoing]:
        if event.update_id is not None and not self.store.claim_update(
            event.platform, event.update_id
        ):
            log.info("dropped redelivered update %s/%s", event.platform, event.update_id)
            return []
        user = self.store.get_or_create_user(
            event.platform, event.user.external_id, event.user.display_name
        )
        chat = self.store.get_or_create_chat(
            event.platform, event.chat.external_id, event.chat.kind.value, event.chat.title, user.id
        )
        match event.payload:
            case Command(name, args):
                return self._command(user, chat, name.lower(), args)
            case TextMessage(text):
                return self._text(user, chat, text)
            case ReactionPress(item_id, kind):
                return self._react(user, chat, item_id, kind)
            case VoiceNote(audio, mime_type):
                return self._voice(user, chat, audio, mime_type)
        return [Outgoing(replies.APOLOGY)]

    # -- commands ------------------------------------------------------------------------------

    def _command(self, user: User, chat: Chat, name: str, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None
        if name == "start":
            return [
                Outgoing(replies.GREETING),
                Outgoing(replies.CONSENT_QUESTION, replies.consent_buttons()),
            ]
        if name == "help":
            return [Outgoing(replies.HELP)]
        if name == "mode":
            return self._mode(user, args)
        if name == "privacy":
            return self._privacy(user, args)
        if name == "forget":
            return self._forget(user, args)
        if name == "fix":
            return self._correct_mood(user, chat, args)
        if name == "checkin":
            return self._checkin_settings(user, args)
        if name == "mix":
            return self.mixes.start(user, chat, args)
        if name == "spotify":
            return self._spotify(user, args)
        if name == "feel":
            return self._feel(user, chat, " ".join(args))
        if name == "sam":
            return self._self_report(user, chat, args)
        if name in REACTION_COMMANDS:
            return self._react_by_position(user, chat, REACTION_COMMANDS[name], args)
        return [Outgoing(replies.unknown_command(name))]

    def _mode(self, user: User, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None
        current = Mode.parse(user.preferred_mode) or Mode.MATCH
        if not args:
            return [replies.mode_menu(current)]
        mode = Mode.parse(" ".join(args))
        if mode is None:
            return [replies.mode_menu(current)]
        self.store.set_preferred_mode(user.id, mode.value)
        return [Outgoing(replies.mode_set(mode))]

    def _correct_mood(self, user: User, chat: Chat, args: tuple[str, ...]) -> list[Outgoing]:
        """ "Not quite: I feel ..." pressed under a playlist: the chosen mood replaces the one read,
        is stored as a correction (research keeps both), and gets its own playlist."""
        mood = replies.correction_mood(args)
        if mood is None:
            return [Outgoing(replies.CORRECTION_HELP, replies.correction_buttons())]
        label = replies.correction_label(args)
        report = self.store_mood(user, chat, f"(corrected: {label})", "correction", mood)
        return self._recommend(user, chat, report, mood)

    def _checkin_settings(self, user: User, args: tuple[str, ...]) -> list[Outgoing]:
        """/checkin on | off | <delay like 30m, 2h>: whether and when Moodwave asks afterwards."""
        assert user.id is not None
        choice = " ".join(args).strip().lower()
        if choice in ("on", "off"):
            self.store.set_checkin_preferences(user.id, enabled=choice == "on")
            return [Outgoing(replies.checkins_switched(choice == "on"))]
        if choice:
            delay = parse_delay(choice)
            if delay is None:
                return [Outgoing(replies.CHECKIN_HELP)]
            self.store.set_checkin_preferences(user.id, enabled=True, delay_s=delay.total_seconds())
            return [Outgoing(replies.checkin_delay_set(delay))]
        return [Outgoing(replies.checkin_status(user.checkins_enabled, self._checkin_delay(user)))]

    def _checkin_delay(self, user: User) -> timedelta:
        if user.checkin_delay_s is not None:
            return timedelta(seconds=user.checkin_delay_s)
        return self.rules.checkin_delay

    def _spotify(self, user: User, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None
        choice = args[0].lower() if args else ""
        if self.spotify_accounts is None:
            return [Outgoing(replies.SPOTIFY_NOT_SET_UP)]
        if choice == "link":
            try:
                url = self.spotify_accounts.link_url(user.id)
            except Exception as exc:  # the app's user limit, or Spotify not logged in
                return [Outgoing(str(exc))]
            return [Outgoing(replies.SPOTIFY_LINK, link=url)]
        if choice == "unlink":
            self.spotify_accounts.unlink(user.id)
            return [Outgoing(replies.SPOTIFY_UNLINKED)]
        return [Outgoing(replies.SPOTIFY_HELP)]

    def _privacy(self, user: User, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None
        choice = args[0].lower() if args else ""
        if choice in ("on", "yes"):
            self.store.set_research_consent(user.id, True)
            return [Outgoing(replies.privacy_changed(True))]
        if choice in ("off", "no"):
            self.store.set_research_consent(user.id, False)
            return [Outgoing(replies.privacy_changed(False))]
        return [replies.privacy_status(user.research_consent)]

    def _forget(self, user: User, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None
        choice = args[0].lower() if args else ""
        if choice == "yes":
            counts = self.store.forget_user(user.id)
            log.info("forgot user %s: %s", user.id, counts)
            return [Outgoing(replies.FORGET_DONE)]
        if choice == "no":
            return [Outgoing(replies.FORGET_KEPT)]
        return [Outgoing(replies.FORGET_ASK, replies.forget_buttons())]

    # -- free text -----------------------------------------------------------------------------

    def _text(self, user: User, chat: Chat, text: str) -> list[Outgoing]:
        text = text.strip()
        if not text:
            return [Outgoing(replies.EMPTY_MESSAGE)]
        notes: list[Outgoing] = []
        readable = text
        if len(text) > self.rules.max_message_chars:
            readable = text[: self.rules.max_message_chars]
            notes.append(Outgoing(replies.too_long(len(text), len(readable))))
        mood = self.estimator.estimate(readable)
        if mood.truncated and not notes:
            notes.append(Outgoing(replies.READ_IN_PART))
        if not mood.is_readable:
            return [*notes, Outgoing(replies.UNREADABLE_MOOD)]
        return notes + self._act_on_mood(user, chat, text, mood, None)

    def _voice(self, user: User, chat: Chat, audio: bytes, mime_type: str) -> list[Outgoing]:
        """A voice note: its transcript and the voice's arousal, fused into one mood; the person
        sees what was heard and read, so they can correct it."""
        if self.voice is None:
            return [Outgoing(replies.VOICE_UNSUPPORTED)]
        try:
            reading = self.voice.analyse(audio, mime_type)
        except VoiceRejected as rejected:
            return [Outgoing(rejected.message)]
        heard = Outgoing(replies.voice_heard(reading.transcript, reading.text_mood, reading.mood))
        return [heard, *self._act_on_mood(user, chat, reading.transcript, reading.mood, reading)]

    def _act_on_mood(
        self, user: User, chat: Chat, text: str, mood: Mood, voice: VoiceReading | None
    ) -> list[Outgoing]:
        """A mood someone told: their part of an open group mix, the answer to their open
        check-in, or else a request for songs."""
        assert user.id is not None and chat.id is not None
        if chat.kind == ChatKind.GROUP.value:
            joined = self.mixes.contribute(user, chat, text, mood, voice)
            if joined is not None:
                return joined
        checkin = self.store.open_checkin(user.id, chat.id)
        if checkin is not None and checkin.id is not None:
            return self._answer_checkin(
                user, chat, checkin.id, checkin.mood_before_id, text, mood, voice
            )
        report = self.store_mood(user, chat, text, "voice" if voice else "text", mood, voice)
        return self._recommend(user, chat, report, mood)

    def store_mood(
        self,
        user: User,
        chat: Chat,
        text: str,
        source: str,
        mood: Mood,
        voice: VoiceReading | None = None,
    ) -> MoodReport:
        assert user.id is not None and chat.id is not None
        return self.store.add_mood_report(user.id, chat.id, _new_mood(text, source, mood, voice))

    def _feel(self, user: User, chat: Chat, text: str) -> list[Outgoing]:
        """An explicit check-in answer: only meaningful while a check-in is open."""
        assert user.id is not None and chat.id is not None
        if self.store.open_checkin(user.id, chat.id) is None:
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        return self._text(user, chat, text)

    def _answer_checkin(
        self,
        user: User,
        chat: Chat,
        checkin_id: int,
        before_id: int,
        text: str,
        mood: Mood,
        voice: VoiceReading | None = None,
        source: str | None = None,
    ) -> list[Outgoing]:
        assert user.id is not None and chat.id is not None
        source = source or ("checkin-voice" if voice else "checkin")
        report = self.store_mood(user, chat, text, source, mood, voice)
        assert report.id is not None
        if not self.store.answer_checkin(checkin_id, report.id, self.clock()):
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        before = self.store.mood_report(before_id)
        if before is None:
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        self._reward_if_improved(user, checkin_id, _mood_of(before), mood)
        return [Outgoing(replies.checkin_thanks(_mood_of(before), mood))]

    def _reward_if_improved(self, user: User, checkin_id: int, before: Mood, after: Mood) -> None:
        """A check-in whose mood moved toward the playlist's target rewards its songs at once (the
        same rule the batch refit and the replay use)."""
        if not isinstance(self.recommender, LearningRecommender):
            return
        found = self.store.checkin_playlist(checkin_id)
        if found is None:
            return
        recommendation, track_ids = found
        target = Mood(recommendation.target_valence, recommendation.target_arousal)
        if before.distance_to(target) - after.distance_to(target) < IMPROVED_BY:
            return
        for track_id in track_ids:
            self.recommender.observe(Feedback(user.pseudonym, track_id, before, "checkin-improved"))

    def _self_report(self, user: User, chat: Chat, args: tuple[str, ...]) -> list[Outgoing]:
        """A Self-Assessment Manikin button: the person's own 1-5 rating of how pleasant ("v") or
        how energetic ("a") they feel, before a recommendation ("r") or at a check-in ("c"). Both
        scales of an open check-in answer it, as words would."""
        assert user.id is not None
        press = SamPress.parse(args)
        if press is None:
            return [Outgoing(replies.SAM_HELP)]
        if press.target == "r":
            if not self.store.self_report_before(
                press.target_id, user.id, press.dimension, press.value
            ):
                return [_notice(replies.SAM_NOT_YOURS)]
            return [_notice(replies.sam_noted(press.dimension, press.point, False))]
        checkin = self.store.self_report_after(
            press.target_id, user.id, press.dimension, press.value
        )
        if checkin is None or checkin.id is None:
            asked = self.store.checkin(press.target_id)
            mine = asked is not None and asked.user_id == user.id
            return [_notice(replies.SAM_CLOSED if mine else replies.SAM_NOT_YOURS)]
        both = checkin.self_valence is not None and checkin.self_arousal is not None
        if checkin.status == "sent" and both:
            assert checkin.self_valence is not None and checkin.self_arousal is not None
            mood = Mood(checkin.self_valence, checkin.self_arousal, 1.0, "sam", SAM_VERSION)
            return self._answer_checkin(
                user,
                chat,
                checkin.id,
                checkin.mood_before_id,
                f"(self-report: pleasant {press_point(checkin.self_valence)}/5, "
                f"energetic {press_point(checkin.self_arousal)}/5)",
                mood,
                source="checkin-sam",
            )
        waiting = checkin.status == "sent" and not both
        return [_notice(replies.sam_noted(press.dimension, press.point, waiting))]

    # -- recommending --------------------------------------------------------------------------

    def _recommend(self, user: User, chat: Chat, report: MoodReport, mood: Mood) -> list[Outgoing]:
        assert user.id is not None and report.id is not None
        mode = Mode.parse(user.preferred_mode) or Mode.MATCH
        now = self.clock()
        treatment = (
            self.study.treatment(user, f"mood-report:{report.id}", self.recommender)
            if self.study is not None
            else production_treatment(self.recommender)
        )
        if treatment.ranker is None:  # the study's check-in-only control: no songs this time
            recommendation = self.store.save_recommendation(
                self._recommendation_row(user, chat, report, mood, mode, "none", treatment), []
            )[0]
            self.store.schedule_checkin(recommendation, report.id, now + self._checkin_delay(user))
            text = replies.study_no_playlist(mood, self._checkin_delay(user))
            return [Outgoing(text), *self._self_report_before(recommendation)]
        ranked = treatment.ranker.recommend(
            RecommendationRequest(
                mood, mode, self.taste_of(user, now), self.rules.playlist_size, user.pseudonym
            )
        )
        if not ranked:
            return [Outgoing(replies.NO_SONGS)]
        recommendation, out = self.send_playlist(
            user, chat, report, mood, mode, ranked, treatment, now
        )
        if user.checkins_enabled:
            self.store.schedule_checkin(recommendation, report.id, now + self._checkin_delay(user))
        if treatment.randomised:
            return [out, *self._self_report_before(recommendation)]
        return [out]

    def _self_report_before(self, recommendation: Recommendation) -> list[Outgoing]:
        assert recommendation.id is not None
        return [Outgoing(replies.SAM_BEFORE, replies.sam_buttons("r", recommendation.id))]

    def _recommendation_row(
        self,
        user: User,
        chat: Chat,
        report: MoodReport,
        mood: Mood,
        mode: Mode,
        strategy: str,
        treatment: Treatment,
    ) -> Recommendation:
        assert user.id is not None and chat.id is not None and report.id is not None
        goal = target_mood(mood, mode)
        return Recommendation(
            user_id=user.id,
            chat_id=chat.id,
            mood_report_id=report.id,
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

    def taste_of(self, user: User, now: datetime) -> TasteProfile:
        assert user.id is not None
        return taste_from_reactions(
            [
                ReactionSignal(f.kind, f.track_id, f.artist, f.genres)
                for f in self.store.reaction_facts(user.id)
            ],
            self.store.recent_track_ids(user.id, now - self.rules.recent_window),
        )

    def send_playlist(
        self,
        user: User,
        chat: Chat,
        report: MoodReport,
        mood: Mood,
        mode: Mode,
        ranked: list[RankedSong],
        treatment: Treatment,
        now: datetime,
        strategy: str | None = None,
    ) -> tuple[Recommendation, Outgoing]:
        """Store the ranked list as a recommendation, publish it, and render the reply."""
        ranker = treatment.ranker or self.recommender
        recommendation, items = self.store.save_recommendation(
            self._recommendation_row(
                user, chat, report, mood, mode, strategy or ranker.strategy, treatment
            ),
            [NewItem(self.catalog.db_id(r.song.track_id), r.score, r.reason) for r in ranked],
        )
        assert recommendation.id is not None
        title = _playlist_title(mode, mood, now)
        published = self._publish(
            user, PlaylistDraft(title, replies.describe_mood(mood), tuple(r.song for r in ranked))
        )
        self.store.save_playlist(
            Playlist(
                recommendation_id=recommendation.id,
                provider=published.provider,
                url=published.url,
                external_id=published.external_id,
            )
        )
        entries = tuple(
            PlaylistEntry(item.id or 0, item.position, r.song.name, r.song.artist, r.reason, url)
            for item, r, url in zip(items, ranked, published.track_urls, strict=True)
        )
        out = Outgoing(
            replies.playlist_header(mood, mode, title),
            entries=entries,
            link=published.url,
            buttons=(*replies.correction_buttons(), *_mode_row(mode)),
        )
        return recommendation, out

    def _publish(self, user: User, draft: PlaylistDraft) -> PublishedPlaylist:
        publisher = self.publisher
        if self.spotify_accounts is not None and user.id is not None:
            publisher = self.spotify_accounts.publisher_for(user.id)
        try:
            return publisher.publish(draft)
        except Exception:  # a publisher failure must never cost the user their songs
            log.exception("playlist publisher failed; sending track links instead")
            return self.fallback_publisher.publish(draft)

    # -- reactions -----------------------------------------------------------------------------

    def _react_by_position(
        self, user: User, chat: Chat, kind: ReactionKind, args: tuple[str, ...]
    ) -> list[Outgoing]:
        assert chat.id is not None
        if len(args) != 1 or not args[0].isdigit():
            return [Outgoing(f"Which song? Type {kind.value} N, with N from the latest playlist.")]
        item = self.store.latest_item_at(chat.id, int(args[0]))
        if item is None or item.id is None:
            return [Outgoing(replies.NO_SUCH_SONG)]
        return self._react(user, chat, item.id, kind)

    def _react(self, user: User, chat: Chat, item_id: int, kind: ReactionKind) -> list[Outgoing]:
        assert user.id is not None and chat.id is not None
        item = self.store.item_in_chat(item_id, chat.id)
        if item is None:
            return [_notice(replies.NO_SUCH_SONG)]
        self.store.add_reaction(user.id, item, kind.value)
        song = self.catalog.by_db_id(item.song_id)
        if song is not None and isinstance(self.recommender, LearningRecommender):
            mood = self.store.mood_of_item(item)
            if mood is not None:
                self.recommender.observe(
                    Feedback(user.pseudonym, song.track_id, _mood_of(mood), kind.value)
                )
        return [_notice(replies.reaction_noted(kind.value, song.name if song else "that song"))]

    # -- check-ins -----------------------------------------------------------------------------

    def close_mix(self, due: DueMix) -> list[Outgoing]:
        """The shared playlist of a group mix whose time is up (called by the mix job)."""
        try:
            return self.mixes.close(due)
        except Exception:
            log.exception("failed to close group mix %s", due.mix_id)
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(replies.APOLOGY)]

    def checkin_question(self, due: DueCheckIn) -> Outgoing:
        user = self.store.user(due.user_id)
        name = user.display_name if user and due.chat_kind == ChatKind.GROUP.value else None
        return Outgoing(
            replies.checkin_question(name, _mood_of(due.mood_before)),
            replies.sam_buttons("c", due.checkin_id),
        )


SAM_VERSION = "sam-5point"


def press_point(value: float) -> int:
    """A SAM value in [-1, 1] back to its 1-5 point."""
    return round(value * 2 + 3)


def _notice(text: str) -> Outgoing:
    """A short acknowledgement a platform may show in place (a toast) rather than as a message."""
    return Outgoing(text, meta={"notice": "1"})


def _new_mood(text: str, source: str, mood: Mood, voice: VoiceReading | None = None) -> NewMood:
    if voice is None:
        return NewMood(
            text, source, mood.valence, mood.arousal, mood.confidence, mood.model_version
        )
    return NewMood(
        text,
        source,
        mood.valence,
        mood.arousal,
        mood.confidence,
        mood.model_version,
        text_valence=voice.text_mood.valence,
        text_arousal=voice.text_mood.arousal,
        prosody_arousal=voice.prosody.arousal,
        prosody_confidence=voice.prosody.confidence,
        duration_s=voice.duration_seconds,
    )


def _mood_of(report: MoodReport) -> Mood:
    return Mood(
        report.valence, report.arousal, report.confidence, report.source, report.model_version
    )


def _playlist_title(mode: Mode, mood: Mood, now: datetime) -> str:
    return (
        f"{mode.label.capitalize()}: from '{mood_words(mood.valence, mood.arousal)}', {now:%d %b}"
    )


def _mode_row(current: Mode) -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(m.label, command_action("mode", m.value)) for m in Mode if m != current),)


MAX_CHECKIN_DELAY = timedelta(days=2)


def parse_delay(text: str) -> timedelta | None:
    """A person's delay: "30m", "2h", "90 min", "1 hour"; between one minute and two days."""
    units = {
        "m": 60,
        "min": 60,
        "mins": 60,
        "minute": 60,
        "minutes": 60,
        "h": 3600,
        "hr": 3600,
        "hour": 3600,
        "hours": 3600,
    }
    compact = text.replace(" ", "")
    number = compact.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = compact[len(number) :] or "m"
    try:
        seconds = float(number) * units[unit]
    except (ValueError, KeyError):
        return None
    delay = timedelta(seconds=seconds)
    return delay if timedelta(minutes=1) <= delay <= MAX_CHECKIN_DELAY else None
