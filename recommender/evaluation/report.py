"""The evaluation report as a table a person reads (the JSON is the report itself)."""

from __future__ import annotations

from typing import Any


def format_table(report: dict[str, Any]) -> str:
    k = report["study"]["k"]
    metrics = [
        f"ndcg@{k}",
        f"recall@{k}",
        "auc",
        "auc_global",
        f"mood_distance@{k}",
        f"top_genre_share@{k}",
        f"artists_per_list@{k}",
        "coverage",
    ]
    rankers: dict[str, dict[str, Any]] = report["rankers"]
    curve_points = sorted({int(n) for r in rankers.values() for n in r.get("learning_curve", {})})
    header = ["ranker", *metrics, *(f"ndcg@{k} after {n}" for n in curve_points)]
    rows = [header, ["---"] * len(header)]
    for name, values in rankers.items():
        curve = values.get("learning_curve", {})
        rows.append(
            [
                name,
                *(f"{values[m]:.4f}" for m in metrics),
                *(f"{curve[str(n)]:.4f}" if str(n) in curve else "" for n in curve_points),
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
