"""A tiny training run end to end: it writes the artefacts, the reloaded (merged) model reproduces
the figures measured during training, and the same seed gives the same weights."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from nlp.emobank import load_split
from nlp.goemotions import GOEMOTIONS_DIR, load_goemotions
from nlp.scores import evaluate, pearson, r2
from nlp.text_model import TextMoodModel
from nlp.training import TrainConfig, parse_overrides, train_text_model

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

    # Training scores in float32; served on a CPU with bfloat16 hardware the model would round
    # differently (this barely trained 64-sentence model moved 2.5e-3 in R²), so compare in float32.
    model = TextMoodModel.load(tmp_path / "a", device="cpu", precision="float32")
    dev = load_split(data_dir, "dev", ("V", "A"))
    reloaded = evaluate(model.predict(dev.texts[:64]), dev.gold[:64])
    for key, value in metrics["dev"].items():
        assert reloaded[key] == pytest.approx(value, abs=1e-4), key

    train_text_model(data_dir, tmp_path / "b", TINY, log=lambda _: None)
    for name in ("adapter_model.safetensors", "head.safetensors"):
        first, second = load_file(tmp_path / "a" / name), load_file(tmp_path / "b" / name)
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])


def _goemotions_data_dir(emobank_csv: Path) -> Path:
    data_dir = emobank_csv.parents[2]
    if not (data_dir / GOEMOTIONS_DIR / "train.tsv").is_file():
        pytest.skip(f"{data_dir / GOEMOTIONS_DIR} not found")
    return data_dir


def test_goemotions_multi_hot_and_seeded_subset(emobank_csv: Path) -> None:
    data_dir = _goemotions_data_dir(emobank_csv)
    dev = load_goemotions(data_dir, "dev")
    assert len(dev.names) == 28 and dev.names[0] == "admiration" and dev.names[-1] == "neutral"
    assert len(dev.texts) == dev.labels.shape[0] == 5426
    assert dev.labels.shape[1] == 28
    assert set(np.unique(dev.labels)) == {0.0, 1.0}
    assert np.all(dev.labels.sum(axis=1) >= 1)
    # The first dev line: "Is this in New Orleans?? ..." labelled 27 (neutral) only.
    assert dev.texts[0].startswith("Is this in New Orleans??") and dev.labels[0, 27] == 1.0
    assert dev.labels[0].sum() == 1.0
    first, second = (load_goemotions(data_dir, "dev", 100, seed=3) for _ in range(2))
    assert len(first.texts) == 100 and first.texts == second.texts
    assert load_goemotions(data_dir, "dev", 100, seed=4).texts != first.texts
    assert set(first.texts) <= set(dev.texts)


def test_goemotions_settings_parse() -> None:
    config = parse_overrides(["goemotions=intermediate", "goemotions_examples=none"])
    assert config.goemotions == "intermediate" and config.goemotions_examples is None
    assert parse_overrides(["goemotions_examples=8000"]).goemotions_examples == 8000


@pytest.mark.parametrize("mode", ["intermediate", "multitask"])
def test_tiny_run_with_goemotions(emobank_csv: Path, tmp_path: Path, mode: str) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    data_dir = _goemotions_data_dir(emobank_csv)
    config = TrainConfig(
        epochs=1,
        max_len=32,
        max_examples=32,
        targets=("V", "A"),
        goemotions=mode,
        goemotions_examples=32,
    )
    lines: list[str] = []
    metrics = train_text_model(data_dir, tmp_path, config, log=lines.append)
    assert any(line.startswith("goemotions epoch 1") for line in lines) == (mode == "intermediate")
    # The GoEmotions head is not part of the served model.
    head = load_file(tmp_path / "head.safetensors")
    assert {key.split(".")[0] for key in head} == {"out", "target_mean", "target_std"}
    model = TextMoodModel.load(tmp_path, device="cpu", precision="float32")
    dev = load_split(data_dir, "dev", ("V", "A"))
    reloaded = evaluate(model.predict(dev.texts[:32]), dev.gold[:32])
    assert reloaded["r2_mean"] == pytest.approx(metrics["dev"]["r2_mean"], abs=1e-4)


def test_unknown_goemotions_mode_is_refused(emobank_csv: Path, tmp_path: Path) -> None:
    config = TrainConfig(max_examples=8, goemotions="stacked")
    with pytest.raises(ValueError, match="goemotions must be one of"):
        train_text_model(emobank_csv.parents[2], tmp_path, config, log=lambda _: None)


def test_goemotions_quadrant_comments_carry_one_listed_emotion(emobank_csv: Path) -> None:
    from nlp.goemotions import HIGH_AROUSAL, LOW_AROUSAL, NEGATIVE, POSITIVE, quadrant_comments

    texts, emotions = quadrant_comments(_goemotions_data_dir(emobank_csv), "test")
    assert len(texts) == len(emotions) == 1209
    assert set(emotions) <= set(POSITIVE + NEGATIVE + HIGH_AROUSAL + LOW_AROUSAL)
    # "neutral" or a second emotion disqualifies a comment; every listed emotion occurs.
    assert set(emotions) == set(POSITIVE + NEGATIVE + HIGH_AROUSAL + LOW_AROUSAL)


def test_auc_counts_ties_as_half() -> None:
    from nlp.scores import auc

    assert auc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auc(np.array([0.1]), np.array([0.9])) == 0.0
    assert auc(np.array([0.5]), np.array([0.5])) == 0.5
    assert np.isnan(auc(np.array([]), np.array([0.5])))


def test_chat_targets_come_from_the_label_words_and_train_beside_emobank(
    emobank_csv: Path, tmp_path: Path
) -> None:
    from nlp.goemotions import chat_rows, label_moods

    data_dir = _goemotions_data_dir(emobank_csv)
    moods = label_moods(data_dir, ("joy", "sadness", "caring", "neutral"))
    assert moods[0, 0] > 0.5 and moods[1, 0] < -0.5  # joy pleasant, sadness not
    assert moods[0, 1] > moods[1, 1]  # and joy livelier
    targets = ("V", "A", "chat_V", "chat_A")
    texts, gold = chat_rows(data_dir, targets, 16, seed=1)
    assert len(texts) == 16 and np.isnan(gold[:, :2]).all() and not np.isnan(gold[:, 2:]).any()
    config = TrainConfig(epochs=1, max_len=32, max_examples=16, targets=targets, chat_examples=16)
    metrics = train_text_model(data_dir, tmp_path, config, log=lambda _: None)
    assert metrics["n"]["fit_rows"] == 32 and np.isfinite(metrics["dev"]["r2_mean"])
    model = TextMoodModel.load(tmp_path, device="cpu", precision="float32")
    assert model.targets == list(targets) and model.predict(["yay"]).shape == (1, 2)
