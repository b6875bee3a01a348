"""Research export and report: pseudonyms, columns and data dictionary, consent, streaming in chunks,
and a simulated study with a known effect recovered by the report within its confidence interval."""

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

from bot.cli import main
from recommender.arms import Arm
from storage import Store
from storage.models import Recommendation, User
from storage.research import COLUMNS, Pseudonymizer, export_study
from storage.research.columns import COLUMN_NAMES
from storage.research.report import analyse, change_stats, welch, write_report
from storage.research.simulate import SimulatedStudy, simulate_into
from storage.research.study_data import load_export, load_situnes

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


def test_change_statistics_against_hand_computed_values() -> None:
    x = np.array([0.1, 0.3, -0.2, 0.4, 0.25, np.nan])
    n, mean, low, high, sd, d_z, p = change_stats(x)
    assert n == 5 and math.isclose(mean, 0.17)
    assert math.isclose(sd, float(np.std(x[:5], ddof=1)))
    assert math.isclose(d_z, 0.17 / sd)
    assert low < mean < high and math.isclose(
        high - mean, 2.776445 * sd / math.sqrt(5), rel_tol=1e-5
    )
    assert 0 < p <= 1
    diff, low, high, p = welch(np.array([1.0, 1.2, 0.9, 1.1]), np.array([0.0, 0.1, -0.1, 0.05]))
    assert math.isclose(diff, 1.05 - 0.0125) and low < diff < high and p < 0.001


@pytest.mark.slow
def test_report_recovers_a_known_effect_from_a_simulated_study(tmp_path: Path) -> None:
    from storage import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'study.db'}")
    upgrade(engine)
    study = SimulatedStudy(people=250, per_person=8, seed=11)
    simulate_into(engine, study)
    exported = export_study(engine, tmp_path / "export", "csv", SECRET)
    data = load_export(exported.path)
    analysis = analyse(data)
    control = study.effects["checkin-only"]
    for arm in ("widedeep", "nearest", "random"):
        for k, dimension in enumerate(("valence", "arousal")):
            truth = study.effects[arm][k] - control[k]
            contrast = analysis.contrast(arm, "checkin-only", "all", "model", dimension)
            assert contrast is not None
            assert contrast.ci_low <= truth <= contrast.ci_high, (arm, dimension, contrast)
    strong = analysis.contrast("widedeep", "checkin-only", "all", "model", "valence")
    assert strong is not None and strong.ci_low > 0 and strong.p < 0.001
    # Every arm drifts toward neutral too: even the control's own change is not zero.
    drift = analysis.change("checkin-only", "all", "model", "valence")
    assert drift is not None and drift.ci_low > 0
    files = write_report(data, tmp_path / "report")
    summary = files.markdown.read_text()
    assert "Difference from the control" in summary and "widedeep" in summary
    assert all(f.stat().st_size > 5000 for f in files.figures)  # real PNG plots
    assert files.figures[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<table>" in files.html.read_text()
    assert analysis.change("widedeep", "all", "self", "valence") is not None


def test_situnes_like_file_is_reported_on_its_own_scale(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "situnes.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "user_id",
                "item_id",
                "timestamp",
                "emo_pre_valence",
                "emo_pre_arousal",
                "emo_post_valence",
                "emo_post_arousal",
            ]
        )
        for i in range(120):
            pre_v, pre_a = int(rng.integers(1, 4)), int(rng.integers(2, 6))
            writer.writerow([f"u{i % 20}", f"s{i}", 1700000000 + i, pre_v, pre_a, pre_v + 1, pre_a])
    data = load_situnes(path, (1.0, 5.0))
    assert len(data) == 120 and set(data.arm) == {"situnes"}
    # +1 point on a 1..5 scale is +0.5 on [-1, 1]
    np.testing.assert_allclose(data.primary.delta_valence, 0.5)
    out = tmp_path / "report"
    code = main(
        [
            "report",
            "--out",
            str(out),
            "--input",
            str(path),
            "--input-format",
            "situnes",
            "--scale",
            "1,5",
        ]
    )
    assert code == 0
    changes = read_csv(out / "changes.csv")
    valence = next(c for c in changes if c["mode"] == "all" and c["dimension"] == "valence")
    assert valence["measure"] == "self" and int(valence["n"]) == 120
    assert math.isclose(float(valence["mean"]), 0.5)
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,emo_pre_valence\nu1,3\n")
    assert (
        main(["report", "--out", str(out), "--input", str(bad), "--input-format", "situnes"]) == 2
    )


def test_export_command_needs_the_research_secret_and_writes_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOODWAVE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MOODWAVE_RESEARCH_SECRET", raising=False)
    monkeypatch.delenv("MOODWAVE_DATABASE_URL", raising=False)
    assert main(["export", "--out", str(tmp_path / "x")]) == 2
    assert "MOODWAVE_RESEARCH_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("MOODWAVE_RESEARCH_SECRET", SECRET)
    assert main(["report", "--out", str(tmp_path / "r")]) == 2  # an empty database: nothing yet
    assert "no rows" in capsys.readouterr().err
    assert main(["export", "--out", str(tmp_path / "x"), "--format", "parquet"]) == 0
    output = capsys.readouterr()
    assert SECRET not in output.out + output.err
    assert (tmp_path / "x" / "recommendations.parquet").is_file()
    assert (tmp_path / "x" / "data_dictionary.md").is_file()
