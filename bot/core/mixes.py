"""Group mixes: `/mix` in a group chat asks everyone for a word on their mood, waits a set time, then
sends one shared playlist chosen by the chat's strategy (least misery by default: nobody sits through
songs they would hate; or the average; or fair turns).

While a mix is open, a member's message in the chat counts as their mood for it (their latest
answer wins). When the time is up, the mix job closes it: the members who answered, and the others
with their last known mood in the chat (within a week), each become one request with their own
taste; the ranker's group strategy makes the list. Members react to the songs individually, and each
member who answered gets their own check-in, once the playlist has reached the chat: until then the
mix stays closing, its replies kept in the database, and a retry after the lease sends those same
replies (the ones not yet delivered), not a second playlist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core import mix_replies, replies
from bot.core.events import Outgoing, decode_replies, encode_replies
from bot.core.moods import mood_of, record_mood
from bot.core.people import ConversationRules, Person, Room
from bot.core.playlists import Playlists
from bot.core.study import GROUP_ARM, Treatment
from nlp import Mood
from recommender import RankedSong, RecommendationRequest
from recommender.groups import GroupStrategy, group_playlist, mean_mood
from storage import DueMix, Store

if TYPE_CHECKING:
    from nlp.voice.analyzer import VoiceReading

MEMBER_MEMORY = timedelta(days=7)  # a quiet member counts with a mood at most this old


class GroupMixes:
    def __init__(
        self,
        store: Store,
        playlists: Playlists,
        rules: ConversationRules,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.playlists = playlists
        self.rules = rules
        self.clock = clock

    def start(self, person: Person, room: Room, args: tuple[str, ...]) -> list[Outgoing]:
        if not room.group:
            return [Outgoing(mix_replies.MIX_ONLY_IN_GROUPS)]
        strategy = _strategy(args)
        if strategy is None:
            return [Outgoing(mix_replies.MIX_STRATEGIES)]
        if self.store.open_mix(room.id) is not None:
            return [Outgoing(mix_replies.MIX_ALREADY_OPEN)]
        wait = self.rules.mix_wait
        self.store.start_mix(room.id, person.id, strategy.value, self.clock() + wait)
        return [Outgoing(mix_replies.mix_started(person.display_name, wait, strategy.value))]

    def contribute(
        self, person: Person, room: Room, text: str, mood: Mood, voice: VoiceReading | None = None
    ) -> list[Outgoing] | None:
        """The member's mood for the open mix, or None when no mix is open here."""
        mix = self.store.open_mix(room.id)
        if mix is None or mix.id is None:
            return None
        source = "voice" if voice else "text"
        report_id = record_mood(self.store, person, room, text, source, mood, voice)
        count = self.store.join_mix(mix.id, person.id, report_id)
        return [Outgoing(mix_replies.mix_joined(person.display_name, mood, count))]

    def close(self, due: DueMix) -> list[Outgoing]:
        """Make the shared playlist of a mix whose time is up, or, when an earlier try made it,
        its replies still to deliver. `delivered` then follows each reply that went out."""
        if due.reply is not None:
            return decode_replies(due.reply)
        now = self.clock()
        moods = self.store.mix_moods(due.mix_id, due.chat_id, now - MEMBER_MEMORY)
        answered = [m for m in moods if m.answered]
        starter = self.store.user(due.started_by_id) if due.started_by_id is not None else None
        chat = self.store.chat(due.chat_id)
        if not answered or chat is None:
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(mix_replies.MIX_EMPTY)]
        # The starter leads (their mode, their account); one who was forgotten since, the first
        # member who answered.
        lead = next((m for m in answered if starter and m.user.id == starter.id), answered[0])
        mode = Person.of(starter or lead.user).mode
        size = self.rules.playlist_size
        requests = [
            RecommendationRequest(
                mood_of(m.report), mode, self.playlists.taste_of(p.id, now), size, p.pseudonym
            )
            for m, p in ((m, Person.of(m.user)) for m in moods)
        ]
        ranked = self._rank(requests, GroupStrategy(due.strategy))
        if not ranked:
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(replies.NO_SONGS)]
        assert lead.report.id is not None
        saved, out = self.playlists.send(
            Person.of(lead.user),
            Room.of(chat),
            lead.report.id,
            mean_mood([r.mood for r in requests]),
            mode,
            ranked,
            Treatment(GROUP_ARM, self.playlists.recommender),
            now,
            strategy=f"group-{due.strategy}",
        )
        names = [m.user.display_name or "someone" for m in answered]
        outs = [
            Outgoing(mix_replies.mix_ready(names, len(moods) - len(answered), due.strategy)),
            out,
        ]
        self.store.hold_mix_reply(due.mix_id, saved.id, encode_replies(outs))
        return outs

    def delivered(self, due: DueMix, still_to_send: list[Outgoing]) -> None:
        """A reply of the mix went out: keep the rest for a retry, or, when none is left, close
        the mix and schedule each answering member's check-in."""
        mix = self.store.mix(due.mix_id)
        if mix is None or mix.status != "closing" or mix.recommendation_id is None:
            return  # an empty mix, already finished
        if still_to_send:
            reply = encode_replies(still_to_send)
            self.store.hold_mix_reply(due.mix_id, mix.recommendation_id, reply)
            return
        recommendation = self.store.mix_recommendation(due.mix_id)
        if recommendation is None:
            return
        self.store.finish_mix(due.mix_id, mix.recommendation_id)
        now = self.clock()
        for member in self.store.mix_moods(due.mix_id, due.chat_id, now):
            if member.answered and member.report.id is not None:
                self.store.schedule_checkin(
                    recommendation,
                    member.report.id,
                    now + self.rules.checkin_delay,
                    user_id=member.user.id,
                )

    def undeliverable(self, due: DueMix) -> None:
        """The chat could not be reached for too long: the mix ends without check-ins."""
        mix = self.store.mix(due.mix_id)
        if mix is not None and mix.status == "closing":
            self.store.finish_mix(due.mix_id, mix.recommendation_id, delivered=False)

    def _rank(
        self, requests: Sequence[RecommendationRequest], strategy: GroupStrategy
    ) -> list[RankedSong]:
        ranker = self.playlists.recommender  # every `Recommender` scores songs
        return group_playlist(requests, ranker, strategy, requests[0].size)


def _strategy(args: tuple[str, ...]) -> GroupStrategy | None:
    if not args:
        return GroupStrategy.LEAST_MISERY
    word = "-".join(args).lower().replace("_", "-")
    aliases = {
        "least": "least-misery",
        "misery": "least-misery",
        "avg": "average",
        "turns": "fair-turns",
        "fair": "fair-turns",
    }
    try:
        return GroupStrategy(aliases.get(word, word))
    except ValueError:
        return None
