"""The Wide & Deep ranker learns: a person's reactions reshape their next playlist at once, other
people are unaffected, what was learned survives a restart, and a newer version is swapped in."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from nlp import Mood
from recommender.modes import Mode
from recommender.ranking import Feedback, RankedSong, RecommendationRequest
from recommender.widedeep import Cutoff, ModelFolder, WideDeepConfig, WideDeepRecommender
from tests.recommender.conformance import ids, synthetic_catalog

SONGS = synthetic_catalog()
MOOD = Mood(0.1, 0.0)  # neutral: calm and loud songs are both near, taste decides
FAST = WideDeepConfig(epochs=2, reload_check_seconds=0.0)


class MemoryLog:
    """A `FeedbackLog` in memory: the reactions a database would hold, in order."""

    def __init__(self) -> None:
        self.rows: list[Feedback] = []

    def feedback_since(self, cutoff: Cutoff) -> list[Feedback]:
        return self.rows[cutoff.reaction_id :]

    def cutoff_now(self) -> Cutoff:
        return Cutoff(len(self.rows))


def _acoustic(playlist: list[RankedSong]) -> float:
    return statistics.mean(r.song.features["acousticness"] for r in playlist)


def _loudness(playlist: list[RankedSong]) -> float:
    return statistics.mean(r.song.features["loudness"] for r in playlist)


def _request(user: str) -> RecommendationRequest:
    return RecommendationRequest(MOOD, Mode.MATCH, user_key=user)


def _calm_and_loud_reactions(user: str) -> list[Feedback]:
    near = sorted(
        SONGS, key=lambda s: abs(s.valence - MOOD.valence) + abs(s.arousal - MOOD.arousal)
    )
    calm = [s for s in near if s.features["acousticness"] > 0.6][:5]
    loud = [s for s in near if s.features["loudness"] > -12][:5]
    likes = [Feedback(user, s.track_id, MOOD, "like") for s in calm]
    return likes + [Feedback(user, s.track_id, MOOD, "dislike") for s in loud]


def test_ten_reactions_move_the_playlist_toward_the_taste() -> None:
    ranker = WideDeepRecommender(SONGS, config=FAST)
    before = ranker.recommend(_request("calm-lover"))
    for feedback in _calm_and_loud_reactions("calm-lover"):
        ranker.observe(feedback)
    after = ranker.recommend(_request("calm-lover"))
    stranger = ranker.recommend(_request("someone-else"))
    # Near a neutral mood acousticness varies little (it follows energy), so 0.05 is a real move.
    assert _acoustic(after) > _acoustic(before) + 0.05
    assert _loudness(after) < _loudness(before)
    assert ids(stranger) == ids(before)  # another person in the same mood is unaffected
    assert ids(after) != ids(stranger)


def test_a_reaction_shows_in_the_very_next_list() -> None:
    ranker = WideDeepRecommender(SONGS, config=FAST)
    first = ranker.recommend(_request("u"))
    ranker.observe(Feedback("u", first[0].song.track_id, MOOD, "dislike"))
    second = ranker.recommend(_request("u"))
    assert first[0].song.track_id not in ids(second)
    liked = first[-1].song
    ranker.observe(Feedback("u", liked.track_id, MOOD, "like"))
    third = ranker.recommend(_request("u"))
    same_artist = [s.track_id for s in SONGS if s.artist == liked.artist]
    request = _request("u")
    assert ranker.score(request, same_artist) > WideDeepRecommender(SONGS).score(
        request, same_artist
    )
    assert ids(third) != ids(second)


def test_untrained_ranks_by_mood_and_training_learns_priors() -> None:
    ranker = WideDeepRecommender(SONGS, config=FAST)
    plain = ranker.recommend(_request("new"))
    assert ranker.version == "widedeep-untrained"
    assert all(r.score <= 0 for r in plain)  # minus distance only: nothing learned yet
    ranker.train(_calm_and_loud_reactions("a") + _calm_and_loud_reactions("b"))
    primed = ranker.recommend(_request("new"))
    assert _acoustic(primed) > _acoustic(plain)


def test_learning_survives_a_restart(tmp_path: Path) -> None:
    folder, log = ModelFolder(tmp_path / "models"), MemoryLog()
    trained = WideDeepRecommender(SONGS, folder, log, FAST)
    log.rows += _calm_and_loud_reactions("a")
    trained.train(log.rows)
    trained.save_version(log.cutoff_now())
    live = WideDeepRecommender(SONGS, folder, log, FAST)
    for feedback in _calm_and_loud_reactions("calm-lover"):
        log.rows.append(feedback)  # the conversation stores the reaction, then observes it
        live.observe(feedback)
    restarted = WideDeepRecommender(SONGS, folder, log, FAST)
    assert restarted.version == live.version == "widedeep-v0001"
    assert restarted.recommend(_request("calm-lover")) == live.recommend(_request("calm-lover"))
    track_ids = [s.track_id for s in SONGS[:50]]
    assert restarted.score(_request("calm-lover"), track_ids) == live.score(
        _request("calm-lover"), track_ids
    )


def test_a_newer_version_is_swapped_in_without_a_restart(tmp_path: Path) -> None:
    folder, log = ModelFolder(tmp_path / "models"), MemoryLog()
    live = WideDeepRecommender(SONGS, folder, log, FAST)
    assert live.version == "widedeep-untrained"
    log.rows += _calm_and_loud_reactions("a")
    trainer = WideDeepRecommender(SONGS, folder, config=FAST)
    trainer.train(log.rows)
    trainer.save_version(log.cutoff_now())
    live.recommend(_request("anyone"))  # a request notices the new version
    assert live.version == "widedeep-v0001"
    assert folder.versions() == ["v0001"]
    assert folder.load("v0001")[1].cutoff == Cutoff(10)


def test_torch_threads_leaves_an_equal_setting_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process-wide thread count is shared by every thread: when it already is what scoring
    wants (the bot sets one thread at start), scoring never writes it."""
    import torch

    from recommender.widedeep.model import torch_threads

    calls: list[int] = []
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    with torch_threads(1):
        pass
    assert calls == []
    with torch_threads(3):
        pass
    assert calls == [3, 1]
