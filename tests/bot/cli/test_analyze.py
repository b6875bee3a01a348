"""`moodwave analyze`: one text, and JSON lines streamed in batches with order and count kept."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.cli.analyze import analyze_jsonl
from nlp.lexicon import LexiconEstimator


def test_jsonl_keeps_order_and_count_and_reports_bad_lines(data_dir: Path) -> None:
    estimator = LexiconEstimator.from_csv(
        data_dir / "warriner_xanew" / "Ratings_Warriner_et_al.csv"
    )
    lines = [
        json.dumps({"id": i, "text": f"line {i}: {'happy' if i % 2 else 'sad'}"})
        for i in range(1000)
    ]
    lines[500] = "{broken"
    lines[501] = json.dumps({"id": 501})
    out = io.StringIO()
    assert analyze_jsonl(estimator, iter(lines), out, batch=64) == 1000
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 1000
    assert (
        rows[500] == {"line": 501, "error": rows[500]["error"]} and "not JSON" in rows[500]["error"]
    )
    assert "error" in rows[501]
    good = [r for r in rows if "error" not in r]
    assert [r["id"] for r in good] == [i for i in range(1000) if i not in (500, 501)]
    assert all(r["valence"] > 0 for r in good if r["id"] % 2)
    assert all(r["valence"] < 0 for r in good if r["id"] % 2 == 0)
    assert {"arousal", "confidence", "model_version", "truncated"} <= set(good[0])


def test_cli_scores_a_file_with_the_trained_model(tmp_path: Path, data_dir: Path) -> None:
    texts = ["I love this so much", "I am miserable", "calm and relaxed", "furious!!!"] * 250
    payload = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOODWAVE_")}
    env.update(MOODWAVE_HOME=str(tmp_path), MOODWAVE_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1")
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "analyze", "--jsonl"],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == texts
    love, miserable = rows[0], rows[1]
    assert love["valence"] > miserable["valence"]
    assert love["model_version"].startswith("minilm")
