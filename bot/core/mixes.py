"""Group mixes: `/mix` in a group chat asks everyone for a word on their mood, waits a set time, then
sends one shared playlist chosen by the chat's strategy (least misery by default: nobody sits through
songs they would hate; or the average; or fair turns).

While a mix is open, a member's message in the chat counts as their mood for it (their latest
answer wins). When the time is up, the mix job closes it: the members who answered, and the others
with their last known mood in the chat (within a week), each become one request with their own
taste; the ranker's group strategy makes the list. Members react to the songs individually, and each
member who answered gets their own check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core import replies
from bot.core.events import ChatKind, Outgoing
from bot.core.study import GROUP_ARM, Treatment
from nlp import Mood
from recommender import Mode, RankedSong, RecommendationRequest
from recommender.groups import GroupStrategy, group_playlist
from storage import DueMix
from storage.models import Chat, MoodReport, User

if TYPE_CHECKING:
    from bot.core.conversation import Conversation
    from nlp.voice.analyzer import VoiceReading

MEMBER_MEMORY = timedelta(days=7)  # a quiet member counts with a mood at most this old


class GroupMixes:
    def __init__(self, conversation: Conversation, wait: timedelta) -> None:
        self.conversation = conversation
        self.store = conversation.store
        self.wait = wait

    def start(self, user: User, chat: Chat, args: tuple[str, ...]) -> list[Outgoing]:
        assert user.id is not None and chat.id is not None
        if chat.kind != ChatKind.GROUP.value:
            return [Outgoing(replies.MIX_ONLY_IN_GROUPS)]
        strategy = _strategy(args)
        if strategy is None:
            return [Outgoing(replies.MIX_STRATEGIES)]
        if self.store.open_mix(chat.id) is not None:
            return [Outgoing(replies.MIX_ALREADY_OPEN)]
        now = self.conversation.clock()
        self.store.start_mix(chat.id, user.id, strategy.value, now + self.wait)
        return [Outgoing(replies.mix_started(user.display_name, self.wait, strategy.value))]

    def contribute(
        self, user: User, chat: Chat, text: str, mood: Mood, voice: VoiceReading | None = None
    ) -> list[Outgoing] | None:
        """The member's mood for the open mix, or None when no mix is open here."""
        assert user.id is not None and chat.id is not None
        mix = self.store.open_mix(chat.id)
        if mix is None or mix.id is None:
            return None
        source = "voice" if voice else "text"
        report = self.conversation.store_mood(user, chat, text, source, mood, voice)
        assert report.id is not None
        count = self.store.join_mix(mix.id, user.id, report.id)
        return [Outgoing(replies.mix_joined(user.display_name, mood, count))]

    def close(self, due: DueMix) -> list[Outgoing]:
        """Make the shared playlist of a mix whose time is up."""
        conversation = self.conversation
        now = conversation.clock()
        moods = self.store.mix_moods(due.mix_id, due.chat_id, now - MEMBER_MEMORY)
        answered = [m for m in moods if m.answered]
        starter = self.store.user(due.started_by_id)
        chat = self.store.chat(due.chat_id)
        if not answered or starter is None or chat is None:
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(replies.MIX_EMPTY)]
        mode = Mode.parse(starter.preferred_mode) or Mode.MATCH
        requests = [
            RecommendationRequest(
                _mood_of(m.report),
                mode,
                conversation.taste_of(m.user, now),
                conversation.rules.playlist_size,
                m.user.pseudonym,
            )
            for m in moods
        ]
        ranked = self._rank(requests, GroupStrategy(due.strategy))
        if not ranked:
            self.store.finish_mix(due.mix_id, None)
            return [Outgoing(replies.NO_SONGS)]
        group_mood = _mean([_mood_of(m.report) for m in moods])
        lead = next((m for m in answered if m.user.id == starter.id), answered[0])
        recommendation, out = conversation.send_playlist(
            lead.user,
            chat,
            lead.report,
            group_mood,
            mode,
            ranked,
            Treatment(GROUP_ARM, conversation.recommender),
            now,
            strategy=f"group-{due.strategy}",
        )
        self.store.finish_mix(due.mix_id, recommendation.id)
        for member in answered:
            assert member.report.id is not None
            self.store.schedule_checkin(
                recommendation,
                member.report.id,
                now + conversation.rules.checkin_delay,
                user_id=member.user.id,
            )
        names = [m.user.display_name or "someone" for m in answered]
        return [Outgoing(replies.mix_ready(names, len(moods) - len(answered), due.strategy)), out]

    def _rank(
        self, requests: Sequence[RecommendationRequest], strategy: GroupStrategy
    ) -> list[RankedSong]:
        ranker = self.conversation.recommender  # every `Recommender` scores songs
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


def _mood_of(report: MoodReport) -> Mood:
    return Mood(
        report.valence, report.arousal, report.confidence, report.source, report.model_version
    )


def _mean(moods: Sequence[Mood]) -> Mood:
    return Mood(
        sum(m.valence for m in moods) / len(moods),
        sum(m.arousal for m in moods) / len(moods),
        1.0,
        "group",
    )
