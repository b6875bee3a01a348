"""Reactions to songs (like, dislike, skip, played), by button or by position ("like 3"): stored
against the song's recommendation item, and taught to a ranker that learns online at once, in the
mood the song was chosen for."""

from __future__ import annotations

from bot.core import replies
from bot.core.catalog import CatalogSnapshot
from bot.core.events import Outgoing, ReactionKind, whole_number
from bot.core.moods import mood_of
from bot.core.people import Person, Room
from recommender import Recommender
from recommender.ranking import Feedback, LearningRecommender
from storage import Store

REACTION_COMMANDS = {kind.value: kind for kind in ReactionKind}


class Reactions:
    def __init__(self, store: Store, catalog: CatalogSnapshot, recommender: Recommender) -> None:
        self.store = store
        self.catalog = catalog
        self.recommender = recommender

    def by_position(
        self, person: Person, room: Room, args: tuple[str, ...], *, kind: ReactionKind
    ) -> list[Outgoing]:
        """ "like 3": song 3 of the latest playlist in this chat."""
        position = whole_number(args[0]) if len(args) == 1 else None
        if position is None:
            return [Outgoing(f"Which song? Type {kind.value} N, with N from the latest playlist.")]
        item = self.store.latest_item_at(room.id, position)
        if item is None or item.id is None:
            return [Outgoing(replies.NO_SUCH_SONG)]
        return self.react(person, room, item.id, kind)

    def react(self, person: Person, room: Room, item_id: int, kind: ReactionKind) -> list[Outgoing]:
        item = self.store.item_in_chat(item_id, room.id)
        if item is None:
            return [replies.notice(replies.NO_SUCH_SONG)]
        self.store.add_reaction(person.id, item, kind.value)
        song = self.catalog.by_db_id(item.song_id)
        if song is not None and isinstance(self.recommender, LearningRecommender):
            report = self.store.mood_of_item(item)
            if report is not None:
                self.recommender.observe(
                    Feedback(person.pseudonym, song.track_id, mood_of(report), kind.value)
                )
        title = song.name if song else "that song"
        return [replies.notice(replies.reaction_noted(kind.value, title))]
