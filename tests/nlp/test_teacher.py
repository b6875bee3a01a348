"""The teacher's code path on a tiny randomly initialised MPNet (CI never downloads the real 400 MB
one): training, loading, serving through the HTTP worker and the same client, the student fallback
when that worker dies, distillation into the MiniLM student, and the settings that choose them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from bot.app import ConfigurationError, build_estimator, build_text_model
from bot.settings import Settings
from nlp.batching import BatchingEngine
from nlp.client import FallbackMoodEstimator, RemoteMoodEstimator
from nlp.distill import distil, unlabelled_pool
from nlp.model_estimator import ModelMoodEstimator
from nlp.scores import evaluate
from nlp.text_model import TextMoodModel, default_base
from nlp.training import TrainConfig, load_split, train_text_model
from nlp.worker import create_app
from tests.nlp.worker_server import serving

TARGETS = ("V", "A", "D")
TEACHER = TrainConfig(
    epochs=1,
    max_len=32,
    max_examples=48,
    targets=TARGETS,
    lora_targets=("q", "k", "v", "o", "dense"),
    evals_per_epoch=2,
)
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
)


@pytest.fixture(scope="module")
def tiny_mpnet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer MPNet with random weights and the MiniLM tokenizer (same 30,522-word vocabulary)."""
    from transformers import MPNetConfig, MPNetModel

    folder = tmp_path_factory.mktemp("models") / "tiny-mpnet"
    torch.manual_seed(0)
    config = MPNetConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        pad_token_id=0,
    )
    MPNetModel(config, add_pooling_layer=False).save_pretrained(folder)
    for name in TOKENIZER_FILES:
        if (Path(default_base()) / name).is_file():
            shutil.copy(Path(default_base()) / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def teacher_dir(
    tiny_mpnet: Path, emobank_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    os.environ["HF_HUB_OFFLINE"] = "1"
    out = tmp_path_factory.mktemp("teacher")
    lines: list[str] = []
    train_text_model(emobank_csv.parents[2], out, TEACHER, lines.append, base=str(tiny_mpnet))
    # Dev scored twice in the epoch: half way and at the end.
    assert [line.split(":")[0] for line in lines] == ["epoch 0.5", "epoch 1"]
    return out


@pytest.fixture(scope="module")
def teacher(teacher_dir: Path, tiny_mpnet: Path) -> TextMoodModel:
    return TextMoodModel.load(teacher_dir, str(tiny_mpnet), device="cpu", precision="float32")


def test_the_teacher_trains_and_reloads_with_its_training_figures(
    teacher: TextMoodModel, teacher_dir: Path, emobank_csv: Path
) -> None:
    assert teacher.version.startswith("mpnet-lora-va-")
    assert teacher.targets == list(TARGETS)
    metrics = json.loads((teacher_dir / "metrics.json").read_text())
    dev = load_split(emobank_csv.parents[2], "dev", ("V", "A"))
    reloaded = evaluate(teacher.predict(dev.texts[:48]), dev.gold[:48])
    for key, value in metrics["dev"].items():
        assert reloaded[key] == pytest.approx(value, abs=1e-4), key
    points = teacher.predict(["I am thrilled!", "", "so tired and sad"])
    assert points.shape == (3, 2) and np.all(np.abs(points) <= 1.0)


def test_the_worker_serves_the_teacher_and_the_student_takes_over_when_it_dies(
    teacher: TextMoodModel,
) -> None:
    texts = ["what a lovely morning", "I can't sleep, deadlines everywhere"]
    engine = BatchingEngine(teacher)
    local = ModelMoodEstimator(teacher, engine)
    student = TextMoodModel.load(device="cpu", precision="float32")
    student_engine = BatchingEngine(student)
    with serving(create_app(local)) as url:
        remote = RemoteMoodEstimator(url, timeout=5.0, retries=0)
        bot_side = FallbackMoodEstimator(
            remote, lambda: ModelMoodEstimator(student, student_engine)
        )
        served = bot_side.estimate_many(texts)
        assert {m.model_version for m in served} == {teacher.version}
        for mood, expected in zip(served, local.estimate_many(texts), strict=True):
            assert mood.valence == pytest.approx(expected.valence, abs=1e-4)
            assert mood.arousal == pytest.approx(expected.arousal, abs=1e-4)
    engine.close()
    # The worker is gone: the bot answers with its in-process student.
    after = bot_side.estimate_many(texts)
    assert {m.model_version for m in after} == {student.version}
    assert student.version.startswith("minilm-lora-va-")
    student_engine.close()


def test_the_student_learns_from_the_teacher_labels(
    teacher: TextMoodModel, emobank_csv: Path, tmp_path: Path
) -> None:
    data_dir = emobank_csv.parents[2]
    pool = unlabelled_pool(data_dir, max_texts=64)
    assert len(pool) == 64 and len(set(pool)) == 64
    cache = tmp_path / "labels.npz"
    overrides = ["epochs=1", "max_len=32", "max_examples=32", "targets=V,A,D", "distill_weight=0.5"]
    lines: list[str] = []
    metrics = distil(
        data_dir, tmp_path / "student", teacher, overrides, cache, lines.append, max_texts=64
    )
    assert any(line.startswith("teacher labels: 64/64") for line in lines)
    assert metrics["n"]["fit_rows"] == 32 + 64
    saved = json.loads((tmp_path / "student" / "config.json").read_text())
    assert saved["distilled_from"] == teacher.version
    assert saved["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    labels = np.load(cache)["labels"]
    np.testing.assert_allclose(labels[:4], teacher.predict_targets(pool[:4]), atol=1e-4)
    student = TextMoodModel.load(tmp_path / "student", device="cpu", precision="float32")
    assert student.version.startswith("minilm-lora-va-")
    # A second run reads the cached labels instead of asking the teacher again.
    again: list[str] = []
    distil(data_dir, tmp_path / "student2", teacher, overrides, cache, again.append, max_texts=64)
    assert any("from" in line and str(cache) in line for line in again)
    assert not any("/64 (" in line for line in again)


def test_the_student_must_have_the_teachers_targets(teacher: TextMoodModel, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must include"):
        distil(tmp_path, tmp_path / "s", teacher, ["targets=V,A"], tmp_path / "c.npz")


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(home=tmp_path / "home", _env_file=None, **values)  # type: ignore[call-arg]


def test_settings_choose_the_teacher_and_name_the_fetch_when_it_is_missing(
    teacher_dir: Path, tiny_mpnet: Path, tmp_path: Path
) -> None:
    missing = _settings(tmp_path, text_model="teacher", device="cpu")
    with pytest.raises(ConfigurationError, match="moodwave models fetch mpnet"):
        build_text_model(missing)
    chosen = _settings(
        tmp_path,
        text_model="teacher",
        device="cpu",
        text_teacher_base=str(tiny_mpnet),
        text_teacher_weights=teacher_dir,
    )
    assert build_text_model(chosen).version.startswith("mpnet-lora-va-")
    # The same settings without a teacher choice build the student.
    assert build_text_model(chosen, "student").version.startswith("minilm-lora-va-")


def test_a_bot_configured_for_the_teacher_falls_back_to_the_student(tmp_path: Path) -> None:
    from tests.nlp.worker_server import free_port

    settings = _settings(
        tmp_path,
        text_model="teacher",
        device="cpu",
        worker_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        worker_timeout=1.0,
    )
    estimator = build_estimator(settings)
    assert isinstance(estimator, FallbackMoodEstimator)
    mood = estimator.estimate("feeling kinda flat and bored")
    assert mood.model_version.startswith("minilm-lora-va-")
