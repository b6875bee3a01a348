"""Experiment arms: parsing the configured weights, seeded assignment in proportion, and the
random-songs control."""

from __future__ import annotations

from collections import Counter

import pytest

from nlp import Mood
from recommender import Mode, RecommendationRequest, Song, TasteProfile
from recommender.arms import (
    RANKER_ARMS,
    Arm,
    ArmAssigner,
    RandomSongsRecommender,
    arm_of,
    parse_weights,
)
from recommender.nearest import STRATEGY as NEAREST_STRATEGY
from recommender.nearest import NearestMoodRecommender
from recommender.rankers import REGISTRY
from recommender.widedeep.ranker import STRATEGY as WIDE_DEEP_STRATEGY


def test_weights_parse_and_name_their_problems() -> None:
    assert parse_weights("") == {}
    assert parse_weights("widedeep=2, nearest=1,random=0.5,checkin-only") == {
        Arm.WIDE_DEEP: 2.0,
        Arm.NEAREST: 1.0,
        Arm.RANDOM: 0.5,
        Arm.CHECKIN_ONLY: 1.0,
    }
    with pytest.raises(ValueError, match="unknown research arm 'placebo'"):
        parse_weights("widedeep=1,placebo=1")
    with pytest.raises(ValueError, match="not a number"):
        parse_weights("widedeep=lots")
    with pytest.raises(ValueError, match="0 or more"):
        parse_weights("widedeep=-1")
    with pytest.raises(ValueError, match="add up to 0"):
        parse_weights("widedeep=0,nearest=0")


def test_assignment_is_seeded_and_follows_the_weights() -> None:
    weights = {Arm.WIDE_DEEP: 2.0, Arm.NEAREST: 1.0, Arm.RANDOM: 1.0, Arm.CHECKIN_ONLY: 0.0}
    assigner = ArmAssigner(weights, seed="study-1")
    n = 20_000
    counts = Counter(assigner.assign(f"mood-report:{i}").arm for i in range(n))
    assert Arm.CHECKIN_ONLY not in counts  # weight 0: never drawn
    for arm, share in ((Arm.WIDE_DEEP, 0.5), (Arm.NEAREST, 0.25), (Arm.RANDOM, 0.25)):
        # binomial standard error at n=20,000 is <= 0.0036; 4 of them is a wide, non-flaky margin
        assert abs(counts[arm] / n - share) < 0.015
    again = ArmAssigner(weights, seed="study-1")
    other = ArmAssigner(weights, seed="study-2")
    keys = [f"mood-report:{i}" for i in range(200)]
    assert [assigner.assign(k) for k in keys] == [again.assign(k) for k in keys]
    assert [assigner.assign(k).arm for k in keys] != [other.assign(k).arm for k in keys]
    draw = assigner.assign("mood-report:7").draw
    assert 0.0 <= draw < 1.0


def test_arm_names_match_the_rankers_strategies(catalog: list[Song]) -> None:
    assert {REGISTRY[arm.value].strategy for arm in RANKER_ARMS} == {
        WIDE_DEEP_STRATEGY,
        NEAREST_STRATEGY,
    }
    assert arm_of(NearestMoodRecommender(catalog[:50])) == "nearest"
    assert arm_of(RandomSongsRecommender(catalog[:50])) == "random-control"


def test_random_control_is_seeded_distinct_and_skips_disliked_and_recent(
    catalog: list[Song],
) -> None:
    songs = catalog[:300]
    ranker = RandomSongsRecommender(songs, seed="s")
    taste = TasteProfile(
        disliked_tracks=frozenset(s.track_id for s in songs[:100]),
        recent_tracks=frozenset(s.track_id for s in songs[100:200]),
    )
    request = RecommendationRequest(Mood(-0.5, 0.3), Mode.MATCH, taste, 10, "user-a")
    first = ranker.recommend(request)
    assert len(first) == 10
    ids = [r.song.track_id for r in first]
    assert len(set(ids)) == 10
    assert not set(ids) & (taste.disliked_tracks | taste.recent_tracks)
    assert ids == [r.song.track_id for r in ranker.recommend(request)]  # same request, same list
    other = RecommendationRequest(Mood(0.5, 0.3), Mode.MATCH, taste, 10, "user-a")
    assert ids != [r.song.track_id for r in ranker.recommend(other)]
    # Not mood-driven: over many requests the picks' valence does not follow the asked mood.
    sad = RecommendationRequest(Mood(-0.9, -0.5), Mode.MATCH, TasteProfile(), 10, "u")
    picked = ranker.recommend(sad)
    assert sum(r.song.valence for r in picked) / 10 > -0.8
