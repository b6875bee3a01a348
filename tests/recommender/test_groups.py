"""Group playlists: least misery spares the unhappiest member, fair turns take turns, average
averages; nobody's disliked song is offered and no artist repeats."""

from __future__ import annotations

from nlp import Mood
from recommender.groups import GroupStrategy, group_playlist
from recommender.modes import Mode
from recommender.ranking import Feedback, RecommendationRequest, TasteProfile
from recommender.widedeep import WideDeepConfig, WideDeepRecommender
from tests.recommender.conformance import ids, synthetic_catalog

SONGS = synthetic_catalog()
MOOD = Mood(0.2, 0.1)


def _ranker_with_opinions() -> tuple[WideDeepRecommender, list[str]]:
    ranker = WideDeepRecommender(SONGS, config=WideDeepConfig())
    shared = ranker.recommend(RecommendationRequest(MOOD, Mode.MATCH, size=20))
    hated = [r.song.track_id for r in shared[:5]]
    for track_id in hated:  # "ann" loves what "bo" hates
        ranker.observe(Feedback("ann", track_id, MOOD, "like"))
        ranker.observe(Feedback("bo", track_id, MOOD, "dislike"))
    return ranker, hated


def _members(hated: list[str]) -> list[RecommendationRequest]:
    return [
        RecommendationRequest(MOOD, Mode.MATCH, user_key="ann"),
        RecommendationRequest(
            Mood(0.3, 0.0), Mode.MATCH, TasteProfile(disliked_tracks=frozenset(hated[:2])),
            user_key="bo",
        ),
    ]  # fmt: skip


def _worst_liking(
    ranker: WideDeepRecommender, members: list[RecommendationRequest], playlist: list[str]
) -> float:
    return min(min(ranker.predict(m, [track_id])[0] for m in members) for track_id in playlist)


def test_least_misery_is_the_default_and_spares_the_unhappy_member() -> None:
    ranker, hated = _ranker_with_opinions()
    members = _members(hated)
    playlist = group_playlist(members, ranker)
    assert len(playlist) == 10
    assert not set(hated[:2]) & set(ids(playlist))  # a member's dislikes never come
    artists = [r.song.artist for r in playlist]
    assert len(set(artists)) == len(artists)
    assert all("of you" in r.reason for r in playlist)
    average = group_playlist(members, ranker, GroupStrategy.AVERAGE)
    assert _worst_liking(ranker, members, ids(playlist)) >= _worst_liking(
        ranker, members, ids(average)
    )


def test_average_and_fair_turns() -> None:
    ranker, hated = _ranker_with_opinions()
    average = group_playlist(_members(hated), ranker, GroupStrategy.AVERAGE, size=8)
    turns = group_playlist(_members(hated), ranker, GroupStrategy.FAIR_TURNS, size=8)
    assert len(average) == len(turns) == 8
    assert not set(hated[:2]) & set(ids(average) + ids(turns))  # bo's explicit dislikes
    assert all("in turn" in r.reason for r in turns)


def test_empty_group() -> None:
    ranker, _ = _ranker_with_opinions()
    assert group_playlist([], ranker) == []
