"""What a person chooses about Moodwave: the mode (/mode), research consent (/privacy), whether and
when check-ins come (/checkin), the language of replies (/language), their own Spotify account
(/spotify), and deleting their data (/forget). Each command is a handler of (person, chat, arguments)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core import languages, replies
from bot.core.events import Outgoing
from bot.core.people import ConversationRules, Person, Room
from bot.core.playlists import SpotifyAccountsSeam
from recommender import Mode
from storage import Store

log = logging.getLogger(__name__)

MAX_CHECKIN_DELAY = timedelta(days=2)


class Preferences:
    def __init__(
        self,
        store: Store,
        rules: ConversationRules,
        spotify_accounts: SpotifyAccountsSeam | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.spotify_accounts = spotify_accounts

    def mode(self, person: Person, _room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        mode = Mode.parse(" ".join(args)) if args else None
        if mode is None:
            return [replies.mode_menu(person.mode)]
        self.store.set_preferred_mode(person.id, mode.value)
        return [Outgoing(replies.mode_set(mode))]

    def checkins(self, person: Person, _room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        """/checkin on | off | <delay like 30m, 2h>: whether and when Moodwave asks afterwards."""
        choice = " ".join(args).strip().lower()
        if choice in ("on", "off"):
            self.store.set_checkin_preferences(person.id, enabled=choice == "on")
            return [Outgoing(replies.checkins_switched(choice == "on"))]
        if choice:
            delay = parse_delay(choice)
            if delay is None:
                return [Outgoing(replies.CHECKIN_HELP)]
            self.store.set_checkin_preferences(
                person.id, enabled=True, delay_s=delay.total_seconds()
            )
            return [Outgoing(replies.checkin_delay_set(delay))]
        delay = person.checkin_delay(self.rules)
        return [Outgoing(replies.checkin_status(person.checkins_enabled, delay))]

    def language(self, person: Person, _room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        """/language [CODE | auto]: the language replies are in; auto follows the person's app."""
        choice = " ".join(args).strip().lower()
        if not choice:
            return [languages.language_menu(person.language, person.chosen_language is not None)]
        if choice == "auto":
            self.store.set_language(person.id, None)
            chosen = None
        else:
            chosen = languages.supported(choice) or languages.by_name(choice)
            if chosen is None:
                return [Outgoing(languages.language_unknown(choice))]
            self.store.set_language(person.id, chosen)
        now = languages.choose(chosen, person.platform_language)
        with languages.speaking(now):  # the answer is already in the new language
            return [languages.localize(Outgoing(languages.language_set(now, chosen is None)))]

    def spotify(self, person: Person, room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        choice = args[0].lower() if args else ""
        if choice == "titles":
            return [self._titles(person, args[1:])]
        if self.spotify_accounts is None:
            return [Outgoing(replies.SPOTIFY_NOT_SET_UP)]
        if choice == "link":
            if room.group:  # whoever opens the link links their account: the person alone
                return [Outgoing(replies.SPOTIFY_LINK_IN_PRIVATE)]
            try:
                url = self.spotify_accounts.link_url(person.id)
            except Exception as exc:  # the app's user limit, or Spotify not logged in
                return [Outgoing(str(exc))]
            return [Outgoing(replies.SPOTIFY_LINK, link=url)]
        if choice == "unlink":
            self.spotify_accounts.unlink(person.id)
            return [Outgoing(replies.SPOTIFY_UNLINKED)]
        return [Outgoing(replies.SPOTIFY_HELP)]

    def _titles(self, person: Person, args: tuple[str, ...]) -> Outgoing:
        """/spotify titles mood | plain: whether playlist names carry the person's mood."""
        choice = args[0].lower() if args else ""
        if choice not in ("mood", "plain"):
            return Outgoing(replies.SPOTIFY_TITLES_HELP)
        self.store.set_playlist_mood_titles(person.id, choice == "mood")
        return Outgoing(replies.spotify_titles_set(choice == "mood"))

    def privacy(self, person: Person, _room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        choice = args[0].lower() if args else ""
        if choice in ("on", "yes"):
            self.store.set_research_consent(person.id, True)
            return [Outgoing(replies.privacy_changed(True))]
        if choice in ("off", "no"):
            self.store.set_research_consent(person.id, False)
            return [Outgoing(replies.privacy_changed(False))]
        return [replies.privacy_status(person.research_consent, person.id)]

    def forget(self, person: Person, _room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        choice = args[0].lower() if args else ""
        if choice == "yes":
            counts = self.store.forget_user(person.id)
            log.info("forgot user %s: %s", person.id, counts)
            return [Outgoing(replies.FORGET_DONE)]
        if choice == "no":
            return [Outgoing(replies.FORGET_KEPT)]
        return [Outgoing(replies.FORGET_ASK, replies.forget_buttons(person.id))]


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
