"""The research export (`storage.export`): pseudonyms, every column, only consenting people, CSV
and Parquet alike, streamed in chunks; filled from a simulated study."""

from __future__ import annotations

import csv
import json
import math
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
from storage.models import Recommendation, User

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
    assert [int(r["recommendation_id"]) for r in rows] == expected
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
    songs = json.loads(row["songs"])
    assert len(songs) == int(row["songs_count"])
    assert all(set(s) == {"track_id", "valence", "arousal"} for s in songs)
    assert float(row["minutes_between"]) > 0
    for r in rows:  # the check-in-only control sends no songs
        assert (r["arm"] == "checkin-only") == (r["songs_count"] == "0")
    # No message text, names or platform ids leave the database.
    text = small.path.read_text()
    assert "(simulated)" not in text and "10000" not in text and "Artist" not in text


def test_parquet_export_matches_the_csv(store: Store, tmp_path: Path) -> None:
    simulate_into(store.engine, SimulatedStudy(people=12, per_person=2, seed=5))
    as_csv = export_study(store.engine, tmp_path / "c", "csv", SECRET, chunk=5)
    as_parquet = export_study(store.engine, tmp_path / "p", "parquet", SECRET, chunk=5)
    table = pq.read_table(as_parquet.path)
    assert table.column_names == list(COLUMN_NAMES)
    assert table.num_rows == as_csv.rows == 24
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
