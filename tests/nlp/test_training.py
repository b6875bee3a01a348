"""A tiny training run end to end: it writes the artefacts, the reloaded (merged) model reproduces
the figures measured during training, and the same seed gives the same weights."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from nlp.scores import evaluate, pearson, r2
from nlp.text_model import TextMoodModel
from nlp.training import TrainConfig, load_split, train_text_model

TINY = TrainConfig(epochs=1, max_len=32, max_examples=64, targets=("V", "A", "D"))
ARTEFACTS = (
    "adapter_config.json",
    "adapter_model.safetensors",
    "head.safetensors",
    "config.json",
    "metrics.json",
)


def test_pearson_and_r2() -> None:
    gold = np.array([0.1, -0.2, 0.3, 0.0])
    assert pearson(gold, gold) == pytest.approx(1.0)
    assert r2(gold, gold) == pytest.approx(1.0)
    assert r2(np.full(4, gold.mean()), gold) == pytest.approx(0.0)
    assert pearson(np.zeros(4), gold) == 0.0
    both = evaluate(np.column_stack([gold, -gold]), np.column_stack([gold, gold]))
    assert both["r_arousal"] == pytest.approx(-1.0)
    assert both["r2_mean"] == pytest.approx((1.0 + both["r2_arousal"]) / 2)


def test_emobank_targets_in_unit_range(emobank_csv: Path) -> None:
    data_dir = emobank_csv.parents[2]
    split = load_split(data_dir, "dev", ("V", "A", "D", "reader_V", "writer_A"))
    assert split.gold.shape == (1000, 5)
    assert np.all(np.abs(split.gold) <= 1.0)


def test_tiny_run_writes_reloadable_repeatable_weights(emobank_csv: Path, tmp_path: Path) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    data_dir = emobank_csv.parents[2]
    metrics = train_text_model(data_dir, tmp_path / "a", TINY, log=lambda _: None)
    for name in ARTEFACTS:
        assert (tmp_path / "a" / name).is_file(), name
    assert json.loads((tmp_path / "a" / "metrics.json").read_text())["dev"] == metrics["dev"]

    model = TextMoodModel.load(tmp_path / "a", device="cpu")
    dev = load_split(data_dir, "dev", ("V", "A"))
    reloaded = evaluate(model.predict(dev.texts[:64]), dev.gold[:64])
    for key, value in metrics["dev"].items():
        assert reloaded[key] == pytest.approx(value, abs=1e-4), key

    train_text_model(data_dir, tmp_path / "b", TINY, log=lambda _: None)
    for name in ("adapter_model.safetensors", "head.safetensors"):
        first, second = load_file(tmp_path / "a" / name), load_file(tmp_path / "b" / name)
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])
