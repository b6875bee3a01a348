"""The mood-shift report (`research`): statistics against hand-computed values, a known effect
recovered from a simulated study, a SiTunes-like file on its own scale, and a three-arm one with its
control named in its own case (each table row once; clustered by person first, per row second)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from research.effects import analyse, change_stats, control_arms, welch
from research.report import write_report
from research.simulate import SimulatedStudy, simulate_into
from research.study_data import load_export, load_situnes
from storage.export import export_study

SECRET = "a-research-secret-of-some-length"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


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
    assert strong.people_arm > 0 and strong.p <= strong.p_holm < 0.001
    # The per-row analysis is still there, second.
    assert analysis.row_contrast("widedeep", "checkin-only", "all", "model", "valence") is not None
    # Every arm drifts toward neutral too: even the control's own change is not zero.
    drift = analysis.change("checkin-only", "all", "model", "valence")
    assert drift is not None and drift.ci_low > 0
    files = write_report(data, tmp_path / "report")
    summary = files.markdown.read_text()
    assert "Difference from the control" in summary and "widedeep" in summary
    assert all(f.stat().st_size > 5000 for f in files.figures)  # real PNG plots
    assert files.figures[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<table>" in files.html.read_text()
    assert summary.index("Difference from the control") < summary.index("per-row analysis")
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


def test_control_arms_are_recognised_whatever_their_case_or_separators() -> None:
    arms = ["Random", "widedeep", "Checkin_Only", "CONTROL", "nearest", "randomised"]
    assert control_arms(arms) == ["Checkin_Only", "Random", "CONTROL"]


def write_three_arm_file(path: Path, people: int = 30, rows_each: int = 6) -> None:
    """Each person listens in every condition (SiTunes-like: 1-5 ratings, a condition column)."""
    rng = np.random.default_rng(8)
    lift = {"Random": 0, "Personalised": 1, "Popular": 0}
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["user_id", "condition", "emo_pre_valence", "emo_pre_arousal",
                         "emo_post_valence", "emo_post_arousal"])  # fmt: skip
        for person in range(people):
            for k in range(rows_each):
                arm = list(lift)[k % 3]
                pre_v, pre_a = int(rng.integers(1, 4)), int(rng.integers(1, 6))
                post_v = min(5, pre_v + lift[arm] + int(rng.integers(0, 2)))
                writer.writerow([f"u{person}", arm, pre_v, pre_a, post_v, pre_a])


def test_a_three_arm_file_has_each_row_once_and_its_control_found(tmp_path: Path) -> None:
    path = tmp_path / "three.csv"
    write_three_arm_file(path)
    out = tmp_path / "report"
    code = main(["report", "--out", str(out), "--input", str(path), "--input-format", "situnes",
                 "--scale", "1,5"])  # fmt: skip
    assert code == 0
    for name, per_key in (("changes", ("arm", "dimension")),
                          ("contrasts", ("arm", "control", "dimension")),
                          ("changes_per_row", ("arm", "dimension")),
                          ("contrasts_per_row", ("arm", "control", "dimension"))):  # fmt: skip
        rows = read_csv(out / f"{name}.csv")
        keys = [tuple(r[k] for k in per_key) for r in rows]
        assert len(keys) == len(set(keys)), f"{name}.csv repeats rows: {keys}"
    changes = read_csv(out / "changes.csv")
    assert len(changes) == 6  # 3 arms x 2 dimensions, mode "all" only
    assert all(c["mode"] == "all" and c["people"] == "30" for c in changes)
    contrasts = read_csv(out / "contrasts.csv")
    assert {(c["arm"], c["control"]) for c in contrasts} == {
        ("Personalised", "Random"),
        ("Popular", "Random"),
    }
    valence = next(
        c for c in contrasts if c["arm"] == "Personalised" and c["dimension"] == "valence"
    )
    assert float(valence["ci_low"]) > 0.3  # +1 point of 1..5 is +0.5 on [-1, 1]
    assert float(valence["p"]) <= float(valence["p_holm"]) <= 2 * float(valence["p"])
    report = (out / "report.md").read_text()
    primary = report[: report.index("per-row analysis")]
    for arm in ("Random", "Personalised", "Popular"):
        for dimension in ("valence", "arousal"):
            line = f"\n| {arm} | all | {dimension} |"
            assert primary.count(line) == 1, (line, primary.count(line))
