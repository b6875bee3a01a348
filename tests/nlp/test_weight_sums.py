"""Weight files are checked by sha256 when they load: the committed folders carry SHA256SUMS in
sha256sum's format, the packaged bases match the sums pinned with their versions, and a damaged or
unlisted file is refused with a message that names it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nlp.factory import TextEstimatorSpec, TextModelUnavailable, load_text_model
from nlp.text_model import (
    HEAD_FILE,
    MODEL_FILES,
    TEACHER_WEIGHTS_DIR,
    WEIGHTS_DIR,
    TextMoodModel,
    default_base,
)
from nlp.weight_sums import (
    MINILM_SHA256,
    SUMS_FILE,
    WHISPER_TINY_EN_SHA256,
    WeightsCorrupted,
    model_files,
    read_sums,
    verify_folder,
    write_sums,
)


@pytest.mark.parametrize("folder", [WEIGHTS_DIR, TEACHER_WEIGHTS_DIR], ids=["student", "teacher"])
def test_committed_weights_carry_sums_that_sha256sum_accepts(folder: Path) -> None:
    assert set(read_sums(folder)) == set(MODEL_FILES) == set(model_files(folder))
    verify_folder(folder)
    checked = subprocess.run(
        ["sha256sum", "--check", "--strict", SUMS_FILE], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_packaged_bases_match_the_pinned_sums() -> None:
    verify_folder(Path(default_base()), MINILM_SHA256)
    from nlp.voice.transcribe import default_model_path  # checks the Whisper files itself

    assert set(WHISPER_TINY_EN_SHA256) <= {p.name for p in default_model_path().iterdir()}


def damaged_copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "text-va"
    shutil.copytree(WEIGHTS_DIR, folder)
    data = bytearray((folder / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / name).write_bytes(bytes(data))
    return folder


def test_a_damaged_weight_file_is_refused_by_name(tmp_path: Path) -> None:
    folder = damaged_copy(tmp_path, HEAD_FILE)
    with pytest.raises(WeightsCorrupted, match=rf"{HEAD_FILE} has sha256 [0-9a-f]{{64}}, not"):
        TextMoodModel.load(folder, device="cpu")
    # The bot's path: a model that cannot load, named in a configuration error, not a traceback.
    with pytest.raises(TextModelUnavailable, match=HEAD_FILE):
        load_text_model(TextEstimatorSpec(weights=folder, device="cpu"))


def test_weights_without_sums_are_refused_with_the_command_that_writes_them(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "text-va"
    shutil.copytree(WEIGHTS_DIR, folder)
    (folder / SUMS_FILE).unlink()
    with pytest.raises(WeightsCorrupted, match=r"python -m nlp\.weight_sums"):
        TextMoodModel.load(folder, device="cpu")
    write_sums(folder, MODEL_FILES)
    assert read_sums(folder) == read_sums(WEIGHTS_DIR)


def test_a_damaged_base_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(default_base(), base)
    (base / "vocab.txt").unlink()
    with pytest.raises(WeightsCorrupted, match=r"vocab\.txt is missing"):
        verify_folder(base, MINILM_SHA256, "the base encoder")
    with (base / "model.safetensors").open("r+b") as f:
        f.truncate(1000)
    with pytest.raises(WeightsCorrupted, match=r"model\.safetensors has sha256"):
        verify_folder(base, MINILM_SHA256, "the base encoder")
