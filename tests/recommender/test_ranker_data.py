"""The ranker's database side: reactions and check-in rewards read back in order for training and
replay, `train-ranker` writes a version, and a bot built on the same database and models folder
replays what came after it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.ranker_commands import train_ranker
from nlp import Mood
from recommender import rankers
from recommender.importing import song_record
from recommender.modes import Mode
from recommender.rankers import RankerSetup
from recommender.ranking import RecommendationRequest
from recommender.widedeep import Cutoff, WideDeepConfig
from recommender.widedeep.feedback_log import DatabaseFeedbackLog
from storage import NewItem, NewMood, Store
from storage.models import Recommendation
from storage.ranker_data import RankerData
from tests.recommender.conformance import synthetic_catalog

SONGS = synthetic_catalog(count=300, artists=60)
FAST = WideDeepConfig(epochs=1)


def _playlist_with_reactions(store: Store, kinds: list[str]) -> int:
    """One user, one playlist of len(kinds) songs, one reaction per song; returns the user id."""
    user = store.get_or_create_user("console", "ann")
    chat = store.get_or_create_chat("console", "ann", "private")
    assert user.id is not None and chat.id is not None
    report = store.add_mood_report(user.id, chat.id, NewMood("meh", "text", -0.4, -0.3, 0.8, "t"))
    assert report.id is not None
    song_ids = store.song_ids([s.track_id for s in SONGS[: len(kinds)]])
    _, items = store.save_recommendation(
        Recommendation(
            user_id=user.id, chat_id=chat.id, mood_report_id=report.id, mode="match",
            target_valence=-0.4, target_arousal=-0.3, strategy="wide-deep", model_version="x",
        ),
        [NewItem(song_ids[s.track_id], 0.0, "r") for s in SONGS[: len(kinds)]],
    )  # fmt: skip
    for item, kind in zip(items, kinds, strict=True):
        store.add_reaction(user.id, item, kind)
    return user.id


def test_reactions_read_back_with_pseudonym_and_mood(store: Store) -> None:
    store.upsert_songs(song_record(s) for s in SONGS)
    _playlist_with_reactions(store, ["like", "dislike", "skip"])
    data = RankerData(store.engine)
    rows = data.reactions_since(0)
    assert [r.kind for r in rows] == ["like", "dislike", "skip"]
    assert rows[0].track_id == SONGS[0].track_id
    assert (rows[0].valence, rows[0].arousal) == (-0.4, -0.3)
    assert rows[0].user_key == store.get_or_create_user("console", "ann").pseudonym
    assert [r.kind for r in data.reactions_since(rows[1].reaction_id or 0)] == ["skip"]
    assert data.latest_reaction_id() == rows[-1].reaction_id
    assert data.checkin_rewards_since(datetime(2000, 1, 1, tzinfo=UTC)) == []


def test_train_ranker_then_restart_replays_later_reactions(store: Store, tmp_path: Path) -> None:
    store.upsert_songs(song_record(s) for s in SONGS)
    _playlist_with_reactions(store, ["like", "dislike"])
    line = train_ranker(SONGS, store.ranker_data(), tmp_path, FAST)
    assert "v0001" in line
    _playlist_with_reactions(store, ["like", "dislike", "dislike"])
    log = DatabaseFeedbackLog(store.ranker_data())
    assert len(log.feedback_since(Cutoff(2))) == 3
    bot = rankers.build(
        "widedeep",
        SONGS,
        RankerSetup(home=tmp_path, data=store.ranker_data(), configs={"widedeep": FAST}),
    )
    again = rankers.build(
        "widedeep",
        SONGS,
        RankerSetup(home=tmp_path, data=store.ranker_data(), configs={"widedeep": FAST}),
    )
    assert bot.version == "widedeep-v0001"
    pseudonym = store.get_or_create_user("console", "ann").pseudonym
    request = RecommendationRequest(Mood(-0.4, -0.3), Mode.MATCH, user_key=pseudonym)
    assert bot.recommend(request) == again.recommend(request)
    assert SONGS[2].track_id not in {r.song.track_id for r in bot.recommend(request)}
