"""The offline evaluation: the CSV formats, the time split, the metrics, and the whole study on a
small slice of the HetRec preset (the full run is `moodwave eval-recs --preset hetrec`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.ranker_arguments import add_eval_recs_arguments
from bot.ranker_commands import eval_recs
from recommender.evaluation import (
    Interaction,
    LogFormatError,
    read_catalog,
    read_interactions,
    split_by_time,
)
from recommender.evaluation.metrics import auc, ndcg_at, recall_at
from recommender.rankers import RANKERS


def test_metrics() -> None:
    assert ndcg_at(["a", "b"], {"a"}) == 1.0
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / 1.5849625)
    assert recall_at(["a", "x"], {"a", "b"}) == 0.5
    assert auc([1.0, 2.0], [0.0]) == 1.0
    assert auc([1.0], [1.0]) == 0.5
    assert auc([], [1.0]) is None


def test_formats_and_split(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "user_id,item_id,timestamp,rating,valence_before,arousal_before\n"
        + "".join(f"u,i{n},{n},{5 if n % 2 else 1},0.1,-0.2\n" for n in range(10))
        + "v,i1,2024-01-01T00:00:00,4,,\n"
    )
    rows = read_interactions(log, positive_threshold=4)
    assert [r.reaction for r in rows[:2]] == ["dislike", "like"]
    assert rows[-1].valence_before is None and rows[-1].mood.valence == 0.0
    split = split_by_time(rows)
    assert [r.item_id for r in split.test] == ["i8", "i9"]  # u's last 20%; v has only one
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("item_id,valence,arousal,artist,genre,tempo\ni1,0.5,0.1,A,pop|rock,120\n")
    (song,) = read_catalog(catalog)
    assert song.genres == ("pop", "rock") and song.features == {"tempo": 120.0}
    log.write_text("user_id,item_id,timestamp,reaction\nu,i1,1,loved\n")
    with pytest.raises(LogFormatError, match="line 2"):
        read_interactions(log)
    assert Interaction("u", "i", 0, "played").positive


@pytest.mark.slow
def test_eval_recs_on_a_small_slice(data_dir: Path, tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_eval_recs_arguments(parser)
    out = tmp_path / "report.json"
    args = parser.parse_args(
        ["--preset", "hetrec", "--max-users", "12", "--json", str(out), "--export", str(tmp_path)]
    )
    assert eval_recs(args, data_dir) == 0
    report = json.loads(out.read_text())
    assert set(report["rankers"]) == set(RANKERS)
    for metrics in report["rankers"].values():
        assert {"ndcg@10", "recall@10", "auc", "auc_global", "mood_distance@10", "coverage"} <= set(
            metrics
        )
        assert {"top_genre_share@10", "artists_per_list@10"} <= set(metrics)
        assert set(metrics["learning_curve"]) == {"0", "5", "10", "20", "50"}
        assert 0.0 <= metrics["ndcg@10"] <= 1.0
    # The exported CSVs are a study in the documented format: they read back.
    assert (
        len(read_interactions(tmp_path / "interactions.csv"))
        == report["study"]["train_interactions"] + report["study"]["test_interactions"]
    )
