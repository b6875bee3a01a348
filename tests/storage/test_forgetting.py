"""Forgetting on both back ends when other people share the rows: a group mix the person led keeps
its playlist, and the members their answers, check-ins and reactions; a private recommendation that
nobody else touched goes entirely."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage import NewItem, NewMood, Store
from storage.models import (
    CheckIn,
    GroupMix,
    GroupMixMember,
    MoodReport,
    Playlist,
    Reaction,
    Recommendation,
    RecommendationItem,
)
from tests.storage.test_store import T0, count, recommend, song


def test_forgetting_the_mix_leader_detaches_the_shared_playlist(store: Store) -> None:
    ann = store.get_or_create_user("telegram", "ann", "Ann")
    bea = store.get_or_create_user("telegram", "bea", "Bea")
    group = store.get_or_create_chat("telegram", "-100", "group", "Friday")
    assert ann.id and bea.id and group.id
    store.upsert_songs([song("a"), song("b")])
    ids = store.song_ids(["a", "b"])
    mix = store.start_mix(group.id, ann.id, "least-misery", T0 + timedelta(minutes=3))
    reports = {}
    for user_id, text in ((ann.id, "excited"), (bea.id, "tired")):
        reports[user_id] = store.add_mood_report(
            user_id, group.id, NewMood(text, "text", 0.1, 0.1, 0.9, "v1")
        ).id
        assert mix.id and reports[user_id]
        store.join_mix(mix.id, user_id, reports[user_id])
    rec, items = store.save_recommendation(
        Recommendation(
            user_id=ann.id,
            chat_id=group.id,
            mood_report_id=reports[ann.id],
            mode="match",
            target_valence=0.0,
            target_arousal=0.0,
            strategy="group-least-misery",
            model_version="m",
            self_valence_before=0.5,
        ),
        [NewItem(ids["a"], 0.9, "r1"), NewItem(ids["b"], 0.8, "r2")],
    )
    assert mix.id and rec.id
    store.save_playlist(Playlist(recommendation_id=rec.id, provider="links"))
    store.finish_mix(mix.id, rec.id)
    for user_id in (ann.id, bea.id):
        store.schedule_checkin(rec, reports[user_id], T0, user_id=user_id)
        store.add_reaction(user_id, items[0], "like")
    own_user, _, own_rec = recommend(store, user_ext="ann")  # Ann's private playlist
    before = {r.user_key: r for r in store.ranker_data().reactions_since()}
    assert before.keys() == {ann.pseudonym, bea.pseudonym}

    counts = store.forget_user(ann.id)

    assert own_user == ann.id and counts["recommendation"] == 1
    assert counts["recommendation_detached"] == 1 and counts["group_mix_detached"] == 1
    with store.session() as s:
        shared = s.get(Recommendation, rec.id)
        assert shared is not None and shared.user_id is None and shared.mood_report_id is None
        assert shared.self_valence_before is None  # Ann's own rating goes with her
        assert s.get(Recommendation, own_rec) is None
        kept_mix = s.get(GroupMix, mix.id)
        assert kept_mix is not None and kept_mix.started_by_id is None
        assert [m.user_id for m in s.exec(select(GroupMixMember))] == [bea.id]
        assert [c.user_id for c in s.exec(select(CheckIn))] == [bea.id]
        assert [r.user_id for r in s.exec(select(Reaction))] == [bea.id]
        assert [r.user_id for r in s.exec(select(MoodReport))] == [bea.id]
    assert count(store, RecommendationItem, recommendation_id=rec.id) == 2
    assert count(store, Playlist, recommendation_id=rec.id) == 1
    # Bea's like still teaches the ranker, in the list's target mood now that Ann's report is gone
    (kept,) = store.ranker_data().reactions_since()
    assert (kept.user_key, kept.track_id, kept.kind) == (bea.pseudonym, "a", "like")
    assert (kept.valence, kept.arousal) == (0.0, 0.0)


def test_a_mix_nobody_else_answered_goes_with_its_starter(store: Store) -> None:
    ann = store.get_or_create_user("telegram", "ann", "Ann")
    group = store.get_or_create_chat("telegram", "-100", "group", "Friday")
    assert ann.id and group.id
    store.start_mix(group.id, ann.id, "average", T0)
    assert store.forget_user(ann.id)["group_mix"] == 1
    assert count(store, GroupMix) == 0
