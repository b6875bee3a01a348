"""The VA-nearest ranker on the real catalog and on tiny hand-made ones."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from nlp import Mood
from recommender import Recommender
from recommender.modes import Mode
from recommender.nearest import NearestMoodRecommender
from recommender.ranking import RankedSong, RecommendationRequest, TasteProfile
from recommender.songs import Song

# The `make_song` fixture of conftest.py.
SongMaker = Callable[..., Song]

SAD = Mood(-0.6, -0.4)


@pytest.fixture(scope="module")
def ranker(catalog: list[Song]) -> NearestMoodRecommender:
    return NearestMoodRecommender(catalog)


def _ids(ranked: list[RankedSong]) -> list[str]:
    return [r.song.track_id for r in ranked]


def _distance(song: Song, mood: Mood) -> float:
    return math.hypot(song.valence - mood.valence, song.arousal - mood.arousal)


def test_is_a_recommender(ranker: NearestMoodRecommender) -> None:
    assert isinstance(ranker, Recommender)
    assert (ranker.strategy, ranker.version) == ("nearest-mood", "nearest-v1")


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("size", [1, 10, 30])
def test_size_honoured_and_no_artist_twice(
    ranker: NearestMoodRecommender, mode: Mode, size: int
) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, mode, size=size))
    assert len(ranked) == size
    artists = [r.song.artist for r in ranked]
    assert len(set(artists)) == len(artists)
    assert all(r.reason for r in ranked)


def test_match_stays_near_the_mood(ranker: NearestMoodRecommender) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH))
    assert all(_distance(r.song, SAD) < 0.2 for r in ranked)
    assert all(r.target == ranked[0].target for r in ranked)


def test_genres_vary(ranker: NearestMoodRecommender) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, size=10))
    assert len({r.song.genres[0] for r in ranked}) >= 3


def test_lift_moves_from_the_mood_to_the_target(ranker: NearestMoodRecommender) -> None:
    ranked = ranker.recommend(RecommendationRequest(SAD, Mode.LIFT, size=10))
    goal = ranked[-1].target
    first, last = ranked[0].song, ranked[-1].song
    assert _distance(first, SAD) < _distance(first, goal)
    assert _distance(last, goal) < _distance(last, SAD)
    assert ranked[0].target == Mood(SAD.valence, SAD.arousal, 1.0, "target", "lift")


def test_disliked_recent_and_banned_artists_are_excluded(ranker: NearestMoodRecommender) -> None:
    first = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH))
    disliked, recent, banned = first[0].song, first[1].song, first[2].song
    taste = TasteProfile(
        disliked_tracks=frozenset({disliked.track_id}),
        recent_tracks=frozenset({recent.track_id}),
        artist_affinity={banned.artist: -3.0},
    )
    again = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, taste=taste))
    assert len(again) == 10
    assert {disliked.track_id, recent.track_id}.isdisjoint(_ids(again))
    assert banned.artist not in {r.song.artist for r in again}


def test_liked_artist_moves_up(ranker: NearestMoodRecommender) -> None:
    plain = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, size=20))
    artist = plain[-1].song.artist
    liked = TasteProfile(artist_affinity={artist: 3.0})
    boosted = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, taste=liked, size=20))
    rank = next(i for i, r in enumerate(boosted) if r.song.artist == artist)
    assert rank < len(plain) - 1
    assert boosted[rank].reason.endswith(f"you liked {artist}")


def test_liked_genre_gets_more_places(ranker: NearestMoodRecommender) -> None:
    plain = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, size=20))
    fans = TasteProfile(genre_affinity={"latin": 5.0})
    favoured = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, taste=fans, size=20))
    before = sum("latin" in r.song.genres for r in plain)
    assert sum("latin" in r.song.genres for r in favoured) > before


def test_liked_tracks_come_back_but_not_too_often(ranker: NearestMoodRecommender) -> None:
    plain = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, size=10))
    liked = TasteProfile(liked_tracks=frozenset(_ids(plain)))
    again = ranker.recommend(RecommendationRequest(SAD, Mode.MATCH, taste=liked, size=10))
    assert 1 <= len(set(_ids(again)) & liked.liked_tracks) <= 2


def test_deterministic(ranker: NearestMoodRecommender, catalog: list[Song]) -> None:
    request = RecommendationRequest(Mood(0.2, 0.5), Mode.CALM, size=15)
    assert ranker.recommend(request) == ranker.recommend(request)
    assert NearestMoodRecommender(catalog).recommend(request) == ranker.recommend(request)


def test_song_by_track_id(ranker: NearestMoodRecommender, catalog: list[Song]) -> None:
    assert ranker.song(catalog[123].track_id) == catalog[123]
    assert ranker.song("no-such-track") is None


def test_tiny_catalogs_do_not_crash(make_song: SongMaker) -> None:
    request = RecommendationRequest(SAD, Mode.LIFT, size=10)
    assert NearestMoodRecommender([]).recommend(request) == []
    songs = [make_song("a", 0.1, 0.1), make_song("b", -0.5, -0.5), make_song("c", 0.8, 0.3)]
    assert sorted(_ids(NearestMoodRecommender(songs).recommend(request))) == ["a", "b", "c"]
    one_artist = [make_song(t, 0.0, 0.0, artist="Solo") for t in "xyz"]
    assert len(NearestMoodRecommender(one_artist).recommend(request)) == 1
    empty_request = RecommendationRequest(SAD, Mode.LIFT, size=0)
    assert NearestMoodRecommender(songs).recommend(empty_request) == []


def test_short_list_grows_its_candidate_pool(make_song: SongMaker) -> None:
    # Many songs by one artist sit on the target; the other artists are far away.
    crowd = [make_song(f"c{i}", 0.0, 0.0, artist="Crowd") for i in range(600)]
    others = [make_song(f"o{i}", 0.9, 0.9) for i in range(9)]
    request = RecommendationRequest(Mood(0.0, 0.0), Mode.MATCH, size=10)
    assert len(NearestMoodRecommender(crowd + others).recommend(request)) == 10
