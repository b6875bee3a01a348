"""Group playlists: one shared list for a chat from each member's request (their mood as they said
it, or their last known mood, and their own taste), by a strategy the chat chooses:

- average: the songs with the best mean predicted liking;
- least misery (the default): the songs whose *worst* member liking is best, so nobody sits
  through a playlist they hate (Masthoff's finding for group TV and music choice);
- fair turns: position i goes to member i mod n, who gets their favourite song still allowed.

The group's mood path runs from the members' mean mood by the first request's mode. Candidates are
pooled from every member's own ranking plus the songs nearest the group path; a song any member
disliked is never offered, and no artist appears twice.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from enum import StrEnum

from nlp import Mood
from recommender.modes import mood_path
from recommender.ranking import RankedSong, RecommendationRequest, Recommender, TasteProfile
from recommender.reasons import mood_words
from recommender.wording import N_, spoken

# Each member's own list is this many times the playlist: enough overlap to find shared songs.
POOL_FACTOR = 3
# Mood fit (minus the distance to the position's target) counts this much beside liking in [0, 1].
MOOD_WEIGHT = 1.0


class GroupStrategy(StrEnum):
    AVERAGE = "average"
    LEAST_MISERY = "least-misery"
    FAIR_TURNS = "fair-turns"


def group_playlist(
    members: Sequence[RecommendationRequest],
    ranker: Recommender,
    strategy: GroupStrategy = GroupStrategy.LEAST_MISERY,
    size: int = 10,
) -> list[RankedSong]:
    """One playlist for everyone in `members` (one request each, with `user_key` and taste)."""
    if not members or size <= 0:
        return []
    group_mood = mean_mood([m.mood for m in members])
    path = mood_path(group_mood, members[0].mode, size)
    disliked = frozenset().union(*(m.taste.disliked_tracks for m in members))
    shared = TasteProfile(disliked_tracks=disliked)
    pool: dict[str, RankedSong] = {}
    group_request = RecommendationRequest(group_mood, members[0].mode, shared, size * POOL_FACTOR)
    for request in (*members, group_request):
        own = RecommendationRequest(
            request.mood, request.mode, _with(request.taste, disliked), size * POOL_FACTOR,
            request.user_key, any(m.exclude_explicit for m in members),
        )  # fmt: skip
        for ranked in ranker.recommend(own):
            pool.setdefault(ranked.song.track_id, ranked)
    track_ids = list(pool)
    liking = [_liking_of(ranker, m, track_ids) for m in members]
    picks = _pick(strategy, path, pool, track_ids, liking, size)
    return [
        RankedSong(pool[t].song, score, _reason(pool[t], strategy, len(members)), target)
        for (t, score), target in zip(picks, path, strict=False)
    ]


def mean_mood(moods: Sequence[Mood]) -> Mood:
    """The group's mood: the members' mean valence and arousal."""
    return Mood(
        sum(m.valence for m in moods) / len(moods),
        sum(m.arousal for m in moods) / len(moods),
        1.0,
        "group",
    )


def _pick(
    strategy: GroupStrategy,
    path: Sequence[Mood],
    pool: dict[str, RankedSong],
    track_ids: list[str],
    liking: list[list[float]],
    size: int,
) -> list[tuple[str, float]]:
    artists: set[str] = set()
    taken: set[str] = set()
    picks: list[tuple[str, float]] = []
    for position, target in enumerate(path[:size]):
        best: tuple[float, str] | None = None
        for column, track_id in enumerate(track_ids):
            song = pool[track_id].song
            if track_id in taken or song.artist in artists:
                continue
            member_scores = [scores[column] for scores in liking]
            if strategy is GroupStrategy.AVERAGE:
                value = sum(member_scores) / len(member_scores)
            elif strategy is GroupStrategy.LEAST_MISERY:
                value = min(member_scores)
            else:
                value = member_scores[position % len(member_scores)]
            fit = value - MOOD_WEIGHT * math.hypot(
                song.valence - target.valence, song.arousal - target.arousal
            )
            if best is None or fit > best[0]:
                best = (fit, track_id)
        if best is None:
            break
        taken.add(best[1])
        artists.add(pool[best[1]].song.artist)
        picks.append((best[1], best[0]))
    return picks


def _liking_of(
    ranker: Recommender, member: RecommendationRequest, track_ids: list[str]
) -> list[float]:
    """The ranker's predicted probability of liking when it has one (`predict`), else `_liking`."""
    predict = getattr(ranker, "predict", None)
    if callable(predict):
        return [float(p) for p in predict(member, track_ids)]
    return _liking(ranker.score(member, track_ids))


def _liking(scores: list[float]) -> list[float]:
    """Scores as a liking in [0, 1]: the share of the pool scored below (ties count half), so
    rankers with different scales compare and equal scores get equal liking."""
    ordered = sorted(scores)
    n = len(scores)
    return [
        (bisect_left(ordered, s) + 0.5 * (bisect_right(ordered, s) - bisect_left(ordered, s))) / n
        if math.isfinite(s)
        else 0.0
        for s in scores
    ]


def _with(taste: TasteProfile, disliked: frozenset[str]) -> TasteProfile:
    return TasteProfile(
        taste.liked_tracks,
        taste.disliked_tracks | disliked,
        taste.skipped_tracks,
        taste.recent_tracks,
        taste.artist_affinity,
        taste.genre_affinity,
    )


def _reason(ranked: RankedSong, strategy: GroupStrategy, members: int) -> str:
    song = ranked.song
    genre = song.genres[0] if song.genres else ""
    head = f"{mood_words(song.valence, song.arousal)} {genre}".strip()
    if strategy is GroupStrategy.FAIR_TURNS:
        tie = N_("one member's pick in turn")
    elif strategy is GroupStrategy.AVERAGE:
        tie = N_("liked on average by the {members} of you")
    else:
        tie = N_("nobody of the {members} of you should mind it")
    return spoken(N_("{head}, {tie}")).format(head=head, tie=spoken(tie).format(members=members))
