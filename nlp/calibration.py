"""A linear recalibration of a trained model's valence and arousal, fitted on EmoBank dev.

A fine-tuned regressor's predictions tend to be spread a little more (or less) than the gold ratings
(see MODEL_CARD.md: R² peaks before r does). Fitting `gold = a * predicted + b` per target on the dev
split, the split that makes every choice, and folding `a` and `b` into the head's output scale
(`target_std`, `target_mean`) corrects that without changing the ranking of any two texts (r stays
the same; R² can only rise on dev). The test split is never looked at. The fitted numbers are
written into the weights' `config.json` (`calibration`), so a rebuild can check them.

Run: `python -m nlp.calibration --weights nlp/weights/text-va-teacher --base PATH --data-dir ../shared/data`
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import load_file, save_file

from nlp.scores import evaluate
from nlp.text_model import CONFIG_FILE, HEAD_FILE, MODEL_FILES, VALENCE_AROUSAL, TextMoodModel
from nlp.training import load_split
from nlp.weight_sums import write_sums


def fit_line(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Least-squares `a`, `b` of gold ~ a * predicted + b."""
    a, b = np.polyfit(predicted.astype(np.float64), gold.astype(np.float64), 1)
    return float(a), float(b)


def calibrate(weights_dir: Path, base: str | None, data_dir: Path) -> dict[str, Any]:
    """Fit the line on dev (float32, unclipped outputs), fold it into the head, record it; the dev
    figures before and after."""
    model = TextMoodModel.load(weights_dir, base, device="cpu", precision="float32")
    dev = load_split(data_dir, "dev", VALENCE_AROUSAL)
    raw = model.predict_targets(dev.texts)
    columns = [model.targets.index(name) for name in VALENCE_AROUSAL]
    before = evaluate(np.clip(raw[:, columns], -1, 1).astype(np.float64), dev.gold)
    head = load_file(str(weights_dir / HEAD_FILE))
    lines = {}
    for k, (name, column) in enumerate(zip(VALENCE_AROUSAL, columns, strict=True)):
        a, b = fit_line(raw[:, column], dev.gold[:, k])
        # prediction = z * std + mean, so a * prediction + b = z * (a * std) + (a * mean + b).
        head["target_std"][column] = head["target_std"][column] * a
        head["target_mean"][column] = head["target_mean"][column] * a + b
        raw[:, column] = a * raw[:, column] + b
        lines[name] = {"scale": round(a, 6), "shift": round(b, 6)}
    after = evaluate(np.clip(raw[:, columns], -1, 1).astype(np.float64), dev.gold)
    save_file({n: t.contiguous() for n, t in head.items()}, str(weights_dir / HEAD_FILE))
    config = json.loads((weights_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    config["calibration"] = {"fitted_on": "emobank dev", **lines}
    (weights_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    write_sums(weights_dir, MODEL_FILES)  # the head and config changed
    return {"calibration": lines, "dev_before": before, "dev_after": after}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Recalibrate V and A on EmoBank dev.")
    parser.add_argument("--weights", type=Path, required=True)
    parser.add_argument("--base", default=None, help="the encoder (default: installed MiniLM)")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(json.dumps(calibrate(args.weights, args.base, args.data_dir), indent=2))


if __name__ == "__main__":
    main()
