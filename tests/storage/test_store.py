"""The Store on both back ends: identity, deduplication, catalog upserts, check-in claiming, forget."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import select

from storage import (
    CheckInStore,
    MixStore,
    MoodStore,
    NewItem,
    NewMood,
    PeopleStore,
    RecommendationStore,
    SongStore,
    Store,
    UpdateStore,
    make_engine,
)
from storage.models import (
    CatalogSong,
    Chat,
    CheckIn,
    MoodReport,
    Playlist,
    Reaction,
    Recommendation,
    RecommendationItem,
    User,
)

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def song(track_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "track_id": track_id,
        "name": f"Song {track_id}",
        "artist": "Artist",
        "album": "",
        "genres": ["pop"],
        "subgenres": ["dance pop"],
        "valence": 0.1,
        "arousal": -0.2,
        "mood_source": "spotify-features",
        "mood_confidence": 1.0,
        "popularity": 50,
        "duration_ms": 200000,
        "spotify_id": track_id,
        "features": {"tempo": 120.0},
    }
    row.update(changes)
    return row


def recommend(
    store: Store,
    user_ext: str = "u1",
    chat_ext: str = "c1",
    kind: str = "private",
    due: datetime = T0,
) -> tuple[int, int, int]:
    user = store.get_or_create_user("telegram", user_ext, "Ann")
    chat = store.get_or_create_chat("telegram", chat_ext, kind, None, user.id)
    assert user.id and chat.id
    report = store.add_mood_report(user.id, chat.id, NewMood("sad", "text", -0.5, -0.2, 0.8, "v1"))
    assert report.id
    ids = store.song_ids(["a", "b"]) or {}
    if not ids:
        store.upsert_songs([song("a"), song("b")])
        ids = store.song_ids(["a", "b"])
    rec, items = store.save_recommendation(
        Recommendation(
            user_id=user.id,
            chat_id=chat.id,
            mood_report_id=report.id,
            mode="match",
            target_valence=-0.5,
            target_arousal=-0.2,
            strategy="s",
            model_version="m",
        ),
        [NewItem(ids["a"], 0.9, "r1"), NewItem(ids["b"], 0.8, "r2")],
    )
    store.save_playlist(Playlist(recommendation_id=rec.id, provider="links"))
    store.add_reaction(user.id, items[0], "like")
    store.schedule_checkin(rec, report.id, due)
    return user.id, chat.id, rec.id or 0


def count(store: Store, table: type, **where: object) -> int:
    with store.session() as s:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(getattr(table, key) == value)
        return int(s.exec(query).one())


def test_users_and_chats_are_created_once(store: Store) -> None:
    a = store.get_or_create_user("telegram", "42", "Ann")
    b = store.get_or_create_user("telegram", "42", "Ann")
    other = store.get_or_create_user("discord", "42", "Ann")
    assert a.id == b.id != other.id
    assert a.pseudonym != other.pseudonym and len(a.pseudonym) == 16
    assert a.research_consent is False and a.preferred_mode == "match"
    c1 = store.get_or_create_chat("telegram", "42", "private", None, a.id)
    c2 = store.get_or_create_chat("telegram", "42", "private", None, a.id)
    assert c1.id == c2.id and c1.owner_id == a.id


def test_update_ids_are_claimed_once(store: Store) -> None:
    assert store.claim_update("telegram", "1001")
    assert not store.claim_update("telegram", "1001")
    assert store.claim_update("discord", "1001")


def test_catalog_upsert_is_idempotent(store: Store) -> None:
    assert store.upsert_songs([song("a"), song("b")]) == (2, 0)
    assert store.upsert_songs([song("a"), song("b")]) == (0, 0)
    assert store.upsert_songs([song("a", valence=0.9), song("c")]) == (1, 1)
    assert store.song_count() == 3
    rows = {row.track_id: row for row in store.all_songs()}
    assert rows["a"].valence == 0.9 and rows["a"].genres == ["pop"]


def test_due_checkin_is_claimed_once_and_answered(store: Store) -> None:
    user_id, chat_id, _ = recommend(store, due=T0)
    lease = timedelta(minutes=5)
    assert store.claim_due_checkins("telegram", T0 - timedelta(seconds=1), lease) == []
    claimed = store.claim_due_checkins("telegram", T0, lease)
    assert [c.mood_before.text for c in claimed] == ["sad"]
    assert store.claim_due_checkins("telegram", T0, lease) == []  # already claimed
    assert store.claim_due_checkins("discord", T0, lease) == []  # other platform
    store.mark_checkin_sent(claimed[0].checkin_id, T0)
    open_one = store.open_checkin(user_id, chat_id)
    assert open_one is not None and open_one.id == claimed[0].checkin_id
    after = store.add_mood_report(user_id, chat_id, NewMood("better", "checkin", 0.4, 0, 0.8, "v1"))
    assert after.id
    assert store.answer_checkin(open_one.id, after.id, T0)
    assert not store.answer_checkin(open_one.id, after.id, T0)  # closed once
    assert store.open_checkin(user_id, chat_id) is None


def test_an_answer_while_the_question_is_on_its_way_closes_it(store: Store) -> None:
    """The job has sent the question but not yet marked it sent when the answer comes in: the
    answer closes the check-in, marking it sent later changes nothing, and it is never asked
    again, even after its claim lapses. Only a question on its way counts: a claimed one not yet
    being sent does not take the person's words as its answer."""
    user_id, chat_id, _ = recommend(store, due=T0)
    lease = timedelta(minutes=5)
    (claimed,) = store.claim_due_checkins("telegram", T0, lease)
    assert store.open_checkin(user_id, chat_id) is None  # claimed, not asked yet
    assert store.begin_checkin_send(claimed.checkin_id, claimed.claimed_at, T0)
    open_one = store.open_checkin(user_id, chat_id)
    assert open_one is not None and open_one.id == claimed.checkin_id
    after = store.add_mood_report(user_id, chat_id, NewMood("fine", "checkin", 0.3, 0, 0.8, "v1"))
    assert after.id and store.answer_checkin(open_one.id, after.id, T0)
    store.mark_checkin_sent(claimed.checkin_id, T0)
    assert store.open_checkin(user_id, chat_id) is None
    assert store.claim_due_checkins("telegram", T0 + 2 * lease, lease) == []
    checkin = store.checkin(claimed.checkin_id)
    assert checkin is not None and checkin.status == "answered"
    assert checkin.sent_at == T0  # it was asked, though the answer came before the send's end


def test_lapsed_claim_is_reclaimed(store: Store) -> None:
    recommend(store, due=T0)
    lease = timedelta(minutes=5)
    first = store.claim_due_checkins("telegram", T0, lease)
    assert len(first) == 1
    # The process died before sending: after the lease the row is claimed again, once.
    later = T0 + lease + timedelta(seconds=1)
    again = store.claim_due_checkins("telegram", later, lease)
    assert [c.checkin_id for c in again] == [first[0].checkin_id]
    assert store.claim_due_checkins("telegram", later, lease) == []


def test_concurrent_claimers_never_share_a_checkin(database_url: str) -> None:
    seed = Store(make_engine(database_url))
    for i in range(20):
        recommend(seed, user_ext=f"u{i}", chat_ext=f"c{i}", due=T0)
    results: list[list[int]] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        store = Store(make_engine(database_url))
        barrier.wait()
        results.append(
            [
                c.checkin_id
                for c in store.claim_due_checkins("telegram", T0, timedelta(minutes=5), limit=7)
            ]
        )

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [i for r in results for i in r]
    assert claimed and len(claimed) == len(set(claimed))  # nobody got a row another one got
    # Losers of a race come back on the next run: a later claim takes exactly the rest.
    rest = seed.claim_due_checkins("telegram", T0, timedelta(minutes=5))
    assert sorted(claimed + [c.checkin_id for c in rest]) == list(range(1, 21))


def test_new_recommendation_supersedes_unasked_checkin(store: Store) -> None:
    recommend(store, due=T0)
    recommend(store, due=T0 + timedelta(minutes=1))
    claimed = store.claim_due_checkins("telegram", T0 + timedelta(hours=1), timedelta(minutes=5))
    assert len(claimed) == 1
    assert count(store, CheckIn, status="superseded") == 1


def test_unanswered_checkins_expire(store: Store) -> None:
    recommend(store, due=T0)
    (due,) = store.claim_due_checkins("telegram", T0, timedelta(minutes=5))
    store.mark_checkin_sent(due.checkin_id, T0)
    assert store.expire_checkins(T0 + timedelta(hours=1), timedelta(hours=12)) == 0
    assert store.expire_checkins(T0 + timedelta(hours=13), timedelta(hours=12)) == 1
    assert count(store, CheckIn, status="expired") == 1


def test_forget_removes_every_row_of_the_user_and_nothing_else(store: Store) -> None:
    user_id, chat_id, _ = recommend(store, user_ext="gone", chat_ext="gone")
    keep_id, keep_chat, _ = recommend(store, user_ext="stays", chat_ext="stays")
    counts = store.forget_user(user_id)
    assert counts["user"] == 1 and counts["mood_report"] == 1 and counts["checkin"] == 1
    for table in (MoodReport, Recommendation, Reaction, CheckIn):
        assert count(store, table, user_id=user_id) == 0
        assert count(store, table, user_id=keep_id) == 1
    assert count(store, User, id=user_id) == 0
    assert count(store, Chat, id=chat_id) == 0 and count(store, Chat, id=keep_chat) == 1
    assert count(store, RecommendationItem) == 2 and count(store, Playlist) == 1
    assert count(store, CatalogSong) == 2  # the catalog is nobody's data


def test_the_store_offers_every_aggregate_protocol(store: Store) -> None:
    for protocol in (
        PeopleStore,
        MoodStore,
        SongStore,
        RecommendationStore,
        CheckInStore,
        MixStore,
        UpdateStore,
    ):
        assert isinstance(store, protocol), protocol.__name__
