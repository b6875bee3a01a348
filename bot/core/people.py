"""Who an event is from and where, as the core's parts see them: plain values read once from the
stored rows when the event comes in (`Person`, `Room`), and the conversation's rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.events import ChatKind
from bot.core.languages import choose
from nlp.language_id import base_code
from recommender import Mode
from storage.models import Chat, User


@dataclass(frozen=True)
class ConversationRules:
    checkin_delay: timedelta = timedelta(hours=1)
    playlist_size: int = 10
    max_message_chars: int = 4000
    recent_window: timedelta = timedelta(hours=24)  # songs sent within it are not repeated
    mix_wait: timedelta = timedelta(minutes=3)  # how long a group /mix collects moods


@dataclass(frozen=True)
class Person:
    """A person as the core knows them: their row's id, the pseudonym the rankers learn under, and
    the settings they chose."""

    id: int
    pseudonym: str
    display_name: str | None
    mode: Mode
    checkins_enabled: bool
    own_checkin_delay: timedelta | None  # None: the conversation's default
    research_consent: bool
    mood_in_titles: bool = False  # playlist names carry the mood (/spotify titles mood)
    chosen_language: str | None = None  # with /language; None: the platform's
    platform_language: str | None = None  # what their app says now (or last said)

    @property
    def language(self) -> str:
        """The language replies to this person are in."""
        return choose(self.chosen_language, self.platform_language)

    @property
    def spoken_language(self) -> str | None:
        """The language the person chose, else the one their app reports, as a base code ("pt-BR"
        -> "pt"), whether or not Moodwave replies in it; None when neither is known. A hint for
        reading what they say (a voice note Whisper is unsure of)."""
        return base_code(self.chosen_language or self.platform_language)

    @classmethod
    def of(cls, user: User, platform_language: str | None = None) -> Person:
        """`platform_language`: the one this event's platform reports, else the last stored."""
        assert user.id is not None
        delay = user.checkin_delay_s
        return cls(
            user.id,
            user.pseudonym,
            user.display_name,
            Mode.parse(user.preferred_mode) or Mode.MATCH,
            user.checkins_enabled,
            timedelta(seconds=delay) if delay is not None else None,
            user.research_consent,
            user.playlist_mood_titles,
            user.language,
            platform_language or user.platform_language,
        )

    def checkin_delay(self, rules: ConversationRules) -> timedelta:
        own = self.own_checkin_delay
        return own if own is not None else rules.checkin_delay


@dataclass(frozen=True)
class Room:
    """A chat as the core knows it: its row's id, and whether it is a group."""

    id: int
    group: bool

    @classmethod
    def of(cls, chat: Chat) -> Room:
        assert chat.id is not None
        return cls(chat.id, chat.kind == ChatKind.GROUP.value)
