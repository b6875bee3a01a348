"""The research export (`storage.export`): pseudonyms (of people and of recommendations), every
column, the songs and reactions as long tables, only consenting people, CSV and Parquet alike,
streamed in chunks; filled from a simulated study. The codebook: test_export_codebook.py."""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sqlmodel import select

from recommender.arms import Arm
from research.simulate import SimulatedStudy, simulate_into
from research.study_data import load_export
from storage import Store
from storage.export import COLUMNS, Pseudonymizer, export_study
from storage.export.columns import COLUMN_NAMES
from storage.models import CatalogSong, Reaction, Recommendation, RecommendationItem, User

SECRET = "a-research-secret-of-some-length"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_pseudonyms_are_stable_keyed_and_not_the_stored_id() -> None:
    one = Pseudonymizer(SECRET)
    assert one("abc123") == Pseudonymizer(SECRET)("abc123")  # same person, same id, every export
    assert one("abc123") != one("abc124")
    assert one("abc123") != Pseudonymizer(SECRET + "x")("abc123")  # keyed: no key, no link
    assert "abc123" not in one("abc123") and one("abc123").startswith("p_")
    assert SECRET not in repr(one)
    with pytest.raises(ValueError, match="at least 16"):
        Pseudonymizer("short")


def test_recommendation_ids_are_keyed_hashes_not_row_ids() -> None:
    one = Pseudonymizer(SECRET)
    assert one.recommendation(42) == Pseudonymizer(SECRET).recommendation(42)
    assert one.recommendation(42) != one.recommendation(43)
    assert one.recommendation(42) != Pseudonymizer(SECRET + "x").recommendation(42)
    assert re.fullmatch(r"r_[0-9a-f]{24}", one.recommendation(42))
    # Not the person key applied to the id: the two kinds of id come from different keys.
    assert one.recommendation(42)[2:] != one("42")[2:]


def test_export_has_every_column_only_consenting_people_and_streams_in_chunks(
    store: Store, tmp_path: Path
) -> None:
    study = SimulatedStudy(people=30, per_person=3, consent_share=0.6, seed=3)
    simulate_into(store.engine, study)
    with store.session() as s:
        consenting = {u.id for u in s.exec(select(User)) if u.research_consent}
        expected = [r.id for r in s.exec(select(Recommendation)) if r.user_id in consenting]
    assert 0 < len(expected) < 90
    small = export_study(store.engine, tmp_path / "small", "csv", SECRET, chunk=7)
    big = export_study(store.engine, tmp_path / "big", "csv", SECRET, chunk=5000)
    rows = read_csv(small.path)
    assert list(rows[0]) == list(COLUMN_NAMES)
    keyed = Pseudonymizer(SECRET).recommendation
    assert [r["recommendation_id"] for r in rows] == [keyed(i) for i in expected if i is not None]
    # The database's row ids are not in the export: it does not join back to the database.
    assert all(not r["recommendation_id"].removeprefix("r_").isdecimal() for r in rows)
    assert read_csv(small.songs) == read_csv(big.songs)
    assert read_csv(small.reactions) == read_csv(big.reactions)
    assert rows == read_csv(big.path)  # chunk boundaries change nothing
    assert small.rows == len(expected) and small.people == len(consenting)
    dictionary = small.dictionary.read_text()
    assert all(f"`{c.name}`" in dictionary for c in COLUMNS)
    row = rows[0]
    assert row["arm"] in {a.value for a in Arm} and row["randomised"] == "true"
    assert row["chat_kind"] == "private" and row["platform"] == "telegram"
    assert math.isclose(
        float(row["delta_valence"]),
        float(row["after_valence"]) - float(row["before_valence"]),
        abs_tol=1e-5,
    )
    assert float(row["minutes_between"]) > 0
    for r in rows:  # the check-in-only control sends no songs
        assert (r["arm"] == "checkin-only") == (r["songs_count"] == "0")
    # No message text, names or platform ids leave the database.
    for path in (small.path, small.songs, small.reactions):
        text = path.read_text()
        assert "(simulated)" not in text and "10000" not in text and "Artist" not in text


def test_songs_and_reactions_are_long_tables_matching_the_database(
    store: Store, tmp_path: Path
) -> None:
    simulate_into(store.engine, SimulatedStudy(people=15, per_person=4, seed=9))
    summary = export_study(store.engine, tmp_path, "csv", SECRET, chunk=6)
    keyed = Pseudonymizer(SECRET).recommendation
    with store.session() as s:
        recs = {keyed(r.id): r for r in s.exec(select(Recommendation)) if r.id is not None}
        songs = {c.id: c for c in s.exec(select(CatalogSong))}
        songs_of: dict[str, list[tuple[int, str, float, float]]] = {}
        items = s.exec(select(RecommendationItem)).all()
        for item in sorted(items, key=lambda i: (i.recommendation_id, i.position)):
            song = songs[item.song_id]
            songs_of.setdefault(keyed(item.recommendation_id), []).append(
                (item.position, song.track_id, song.valence, song.arousal)
            )
        reaction_count = len(s.exec(select(Reaction)).all())
    main = read_csv(summary.path)
    exported_songs = read_csv(summary.songs)
    reactions = read_csv(summary.reactions)
    assert list(exported_songs[0]) == [
        "recommendation_id",
        "position",
        "track_id",
        "valence",
        "arousal",
    ]
    # One row per song, in playlist order, as stored; nothing but the ids in JSON anywhere.
    exported: dict[str, list[tuple[int, str, float, float]]] = {}
    for cells in exported_songs:
        exported.setdefault(cells["recommendation_id"], []).append(
            (
                int(cells["position"]),
                cells["track_id"],
                float(cells["valence"]),
                float(cells["arousal"]),
            )
        )
    assert exported.keys() == songs_of.keys() and len(exported) < len(recs)  # check-in-only: none
    for key, stored in songs_of.items():
        assert [(p, t) for p, t, _, _ in exported[key]] == [(p, t) for p, t, _, _ in stored]
        np.testing.assert_allclose(
            [v for *_, v, _ in exported[key]], [v for *_, v, _ in stored], atol=1e-6
        )
    for row in main:
        assert int(row["songs_count"]) == len(exported.get(row["recommendation_id"], []))
    # One row per reaction; the counts of the main table are their tallies.
    assert 0 < len(reactions) == reaction_count
    tally = Counter((r["recommendation_id"], r["person"], r["kind"]) for r in reactions)
    for row in main:
        pair = (row["recommendation_id"], row["person"])
        for kind, column in (("like", "likes"), ("dislike", "dislikes"), ("skip", "skips"),
                             ("played", "plays")):  # fmt: skip
            assert tally[(*pair, kind)] == int(row[column])
    songs_by_key = {(s["recommendation_id"], s["position"]): s["track_id"] for s in exported_songs}
    for reaction in reactions:
        assert (
            songs_by_key[(reaction["recommendation_id"], reaction["position"])]
            == reaction["track_id"]
        )
        assert math.isclose(float(reaction["minutes"]), 3.0)  # the simulation reacts after 3 min
        assert "{" not in reaction["track_id"]


def test_parquet_export_matches_the_csv(store: Store, tmp_path: Path) -> None:
    simulate_into(store.engine, SimulatedStudy(people=12, per_person=2, seed=5))
    as_csv = export_study(store.engine, tmp_path / "c", "csv", SECRET, chunk=5)
    as_parquet = export_study(store.engine, tmp_path / "p", "parquet", SECRET, chunk=5)
    table = pq.read_table(as_parquet.path)
    assert table.column_names == list(COLUMN_NAMES)
    assert table.num_rows == as_csv.rows == 24
    for csv_path, parquet_path in ((as_csv.songs, as_parquet.songs),
                                   (as_csv.reactions, as_parquet.reactions)):  # fmt: skip
        long = pq.read_table(parquet_path)
        assert long.num_rows == len(read_csv(csv_path)) > 0
        assert long.column("track_id").to_pylist() == [r["track_id"] for r in read_csv(csv_path)]
    csv_rows = read_csv(as_csv.path)
    assert table.column("person").to_pylist() == [r["person"] for r in csv_rows]
    np.testing.assert_allclose(
        table.column("delta_arousal").to_numpy(),
        [float(r["delta_arousal"]) for r in csv_rows],
        atol=1e-5,
    )
    a, b = load_export(as_csv.path), load_export(as_parquet.path)
    np.testing.assert_allclose(a.primary.delta_valence, b.primary.delta_valence, atol=1e-5)


def test_arm_proportions_follow_the_weights_in_the_export(store: Store, tmp_path: Path) -> None:
    weights = {Arm.WIDE_DEEP: 3.0, Arm.NEAREST: 1.0, Arm.CHECKIN_ONLY: 1.0}
    simulate_into(store.engine, SimulatedStudy(people=100, per_person=20, weights=weights))
    rows = read_csv(export_study(store.engine, tmp_path, "csv", SECRET).path)
    counts = Counter(r["arm"] for r in rows)
    n = len(rows)
    assert n == 2000
    for arm, share in (("widedeep", 0.6), ("nearest", 0.2), ("checkin-only", 0.2)):
        assert abs(counts[arm] / n - share) < 0.045  # > 4 binomial standard errors
