"""The platform-agnostic conversation: one `Incoming` event in, the replies out.

It drops redelivered updates, loads or creates the person and the chat, and dispatches: commands
through a table of handlers, free text or a voice note as a mood (a group mix's contribution, the
answer to an open check-in, or a request for songs), and reactions to songs. The work itself is done
by its parts, one job each: `Playlists` (songs for a mood, published), `CheckInAnswers`,
`Preferences`, `Reactions` and `GroupMixes`. Everything they know comes through the seams given here
(store, mood estimator, recommender, publisher), so the core runs the same under the console,
Telegram and Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot.core import languages, replies
from bot.core.catalog import CatalogSnapshot
from bot.core.checkin_answers import CheckInAnswers
from bot.core.events import (
    ChatKind,
    Command,
    Incoming,
    NotHandledNow,
    Outgoing,
    ReactionPress,
    TextMessage,
    VoiceNote,
    without_nul,
)
from bot.core.mixes import GroupMixes
from bot.core.moods import read_mood, record_mood
from bot.core.owners import OWNED_COMMANDS, split_owner
from bot.core.people import ConversationRules, Person, Room
from bot.core.playlists import Playlists, SpotifyAccountsSeam
from bot.core.preferences import Preferences
from bot.core.reactions import REACTION_COMMANDS, Reactions
from bot.core.study import StudyArms
from bot.core.voice_replies import voice_refused
from nlp import Mood, MoodEstimator
from nlp.voice import VoiceRejected
from recommender import PlaylistPublisher, Recommender, TrackLinksPublisher
from storage import DueCheckIn, DueMix, Store, database_unavailable
from storage.models import utcnow

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceAnalysis, VoiceReading

log = logging.getLogger(__name__)

# A command's handler: (who, where, the words after the command) -> the replies.
CommandHandler = Callable[[Person, Room, tuple[str, ...]], list[Outgoing]]

__all__ = ["Conversation", "ConversationRules", "SpotifyAccountsSeam"]


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
        study: StudyArms | None = None,
    ) -> None:
        self.store = store
        self.estimator = estimator
        self.voice = voice
        self.rules = rules = rules or ConversationRules()
        self.clock = clock
        self.playlists = Playlists(
            store,
            recommender,
            catalog,
            publisher or TrackLinksPublisher(),
            rules,
            clock,
            spotify_accounts,
            study,
        )
        self.answers = CheckInAnswers(store, recommender, clock)
        self.preferences = Preferences(store, rules, spotify_accounts)
        self.reactions = Reactions(store, catalog, recommender)
        self.mixes = GroupMixes(store, self.playlists, rules, clock)
        self.commands: dict[str, CommandHandler] = {
            "start": _start,
            "help": lambda _person, _room, _args: [Outgoing(replies.HELP)],
            "mode": self.preferences.mode,
            "privacy": self.preferences.privacy,
            "forget": self.preferences.forget,
            "checkin": self.preferences.checkins,
            "language": self.preferences.language,
            "spotify": self.preferences.spotify,
            "fix": self._correct_mood,
            "mix": self.mixes.start,
            "feel": self._feel,
            "sam": self.answers.self_report,
            **{
                name: partial(self.reactions.by_position, kind=kind)
                for name, kind in REACTION_COMMANDS.items()
            },
        }

    # -- entry point ---------------------------------------------------------------------------

    def handle(self, event: Incoming) -> list[Outgoing]:
        """Never raises: an error in one event costs that event an apology, not the bot. But an
        update that met an unavailable database (a timeout, a lost connection) raises
        `NotHandledNow`, so that its adapter hands it back for a redelivery."""
        try:
            return self._handle(event)
        except Exception as exc:
            if event.update_id is not None and database_unavailable(exc):
                log.warning(
                    "the database did not answer for %s update %s: handing it back (%s)",
                    event.platform,
                    event.update_id,
                    type(exc.__cause__ or exc).__name__,
                )
                raise NotHandledNow("the database did not answer") from exc
            log.exception(
                "failed to handle %s event from %s chat %s",
                type(event.payload).__name__,
                event.platform,
                event.chat.external_id,
            )
            with languages.speaking(languages.choose(None, event.language)):
                return [languages.localize(Outgoing(replies.APOLOGY))]

    def _handle(self, event: Incoming) -> list[Outgoing]:
        event = without_nul(event)
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
        platform_language = event.language[:16] if event.language else None
        if user.id and platform_language and platform_language != user.platform_language:
            self.store.set_platform_language(user.id, platform_language)  # for later check-ins
        person, room = Person.of(user, platform_language), Room.of(chat)
        with languages.speaking(person.language):
            return [languages.localize(out) for out in self._dispatch(event, person, room)]

    def _dispatch(self, event: Incoming, person: Person, room: Room) -> list[Outgoing]:
        match event.payload:
            case Command(name, args):
                return self._command(person, room, name.lower(), args)
            case TextMessage(text):
                return self._text(person, room, text)
            case ReactionPress(item_id, kind):
                return self.reactions.react(person, room, item_id, kind)
            case VoiceNote(audio, mime_type):
                return self._voice(person, room, audio, mime_type)
        return [Outgoing(replies.APOLOGY)]

    def _command(
        self, person: Person, room: Room, name: str, args: tuple[str, ...]
    ) -> list[Outgoing]:
        handler = self.commands.get(name)
        if handler is None:
            return [Outgoing(replies.unknown_command(name))]
        if name in OWNED_COMMANDS:  # a button that acts for one person: theirs alone
            owner, args = split_owner(args)
            if owner is not None and owner != person.id:
                return [replies.notice(replies.NOT_YOUR_BUTTON)]
        return handler(person, room, args)

    # -- moods told ----------------------------------------------------------------------------

    def _text(self, person: Person, room: Room, text: str) -> list[Outgoing]:
        text = text.strip()
        if not text:
            return [Outgoing(replies.EMPTY_MESSAGE)]
        notes: list[Outgoing] = []
        readable = text
        if len(text) > self.rules.max_message_chars:
            readable = text[: self.rules.max_message_chars]
            notes.append(Outgoing(replies.too_long(len(text), len(readable))))
        mood = read_mood(self.estimator, readable, person)
        if mood.truncated and not notes:
            notes.append(Outgoing(replies.READ_IN_PART))
        if not mood.is_readable:
            return [*notes, Outgoing(replies.UNREADABLE_MOOD)]
        return notes + self._act_on_mood(person, room, text, mood, None)

    def _voice(self, person: Person, room: Room, audio: bytes, mime_type: str) -> list[Outgoing]:
        """A voice note: its transcript and the voice's arousal, fused into one mood; the person
        sees what was heard and read, so they can correct it."""
        if self.voice is None:
            return [Outgoing(replies.VOICE_UNSUPPORTED)]
        try:
            reading = self.voice.analyse(audio, mime_type, person.spoken_language)
        except VoiceRejected as rejected:
            return [Outgoing(voice_refused(rejected))]
        heard = Outgoing(replies.voice_heard(reading.transcript, reading.text_mood, reading.mood))
        return [heard, *self._act_on_mood(person, room, reading.transcript, reading.mood, reading)]

    def _act_on_mood(
        self, person: Person, room: Room, text: str, mood: Mood, voice: VoiceReading | None
    ) -> list[Outgoing]:
        """A mood someone told: their part of an open group mix, the answer to their open
        check-in, or else a request for songs."""
        if room.group:
            joined = self.mixes.contribute(person, room, text, mood, voice)
            if joined is not None:
                return joined
        checkin = self.store.open_checkin(person.id, room.id)
        if checkin is not None and checkin.id is not None:
            return self.answers.answer(
                person, room, checkin.id, checkin.mood_before_id, text, mood, voice
            )
        source = "voice" if voice else "text"
        report_id = record_mood(self.store, person, room, text, source, mood, voice)
        return self.playlists.for_mood(person, room, report_id, mood)

    def _feel(self, person: Person, room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        """An explicit check-in answer: only meaningful while a check-in is open."""
        if self.store.open_checkin(person.id, room.id) is None:
            return [Outgoing(replies.NO_OPEN_CHECKIN)]
        return self._text(person, room, " ".join(args))

    def _correct_mood(self, person: Person, room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        """ "Not quite: I feel ..." pressed under a playlist: the chosen mood replaces the one read,
        is stored as a correction (research keeps both), and gets its own playlist."""
        mood = replies.correction_mood(args)
        if mood is None:
            return [Outgoing(replies.CORRECTION_HELP, replies.correction_buttons())]
        text = f"(corrected: {replies.correction_label(args)})"
        report_id = record_mood(self.store, person, room, text, "correction", mood)
        return self.playlists.for_mood(person, room, report_id, mood)

    # -- the jobs' work ------------------------------------------------------------------------

    def close_mix(self, due: DueMix) -> list[Outgoing]:
        """The shared playlist of a group mix whose time is up (called by the mix job), in the
        language of whoever started it."""
        starter = self.store.user(due.started_by_id) if due.started_by_id is not None else None
        language = (
            languages.choose(starter.language, starter.platform_language) if starter else "en"
        )
        with languages.speaking(language):
            return [languages.localize(out) for out in self._close_mix(due)]

    def _close_mix(self, due: DueMix) -> list[Outgoing]:
        try:
            return self.mixes.close(due)
        except Exception:
            log.exception("failed to close group mix %s", due.mix_id)
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(replies.APOLOGY)]

    def mix_delivered(self, due: DueMix, still_to_send: list[Outgoing]) -> None:
        """One of a closing mix's replies went out (called by the mix job after each)."""
        self.mixes.delivered(due, still_to_send)

    def mix_undeliverable(self, due: DueMix) -> None:
        self.mixes.undeliverable(due)

    def checkin_question(self, due: DueCheckIn) -> Outgoing:
        """ "How do you feel now?" for a due check-in (called by the check-in job), in the
        language the person reads."""
        user = self.store.user(due.user_id)
        name = user.display_name if user and due.chat_kind == ChatKind.GROUP.value else None
        language = languages.choose(user.language, user.platform_language) if user else "en"
        with languages.speaking(language):
            return languages.localize(self.answers.question(due, name))


def _start(person: Person, _room: Room, _args: tuple[str, ...]) -> list[Outgoing]:
    return [
        Outgoing(replies.GREETING),
        Outgoing(replies.CONSENT_QUESTION, replies.consent_buttons(person.id)),
    ]
