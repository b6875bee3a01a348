"""Public data files Moodwave reads: from the data directory when it has them, else downloaded once
from their canonical address into a cache folder and checked against a pinned sha256.

Data sets are never committed to the repository; this is the one place that knows where they live.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class DatasetUnavailable(RuntimeError):
    """A data file is neither in the data directory nor downloadable; the message says what to do."""


@dataclass(frozen=True)
class DataFile:
    relative_path: str  # where it lies inside MOODWAVE_DATA_DIR
    url: str  # canonical public address
    sha256: str
    licence: str

    def resolve(self, data_dir: Path | None, cache_dir: Path, timeout: float = 60.0) -> Path:
        """Return a local path to the file, downloading and verifying it if needed."""
        if data_dir is not None:
            local = data_dir / self.relative_path
            if local.is_file():
                return local
        cached = cache_dir / self.relative_path
        if cached.is_file() and _sha256(cached) == self.sha256:
            return cached
        return self._download(cached, data_dir, timeout)

    def _download(self, target: Path, data_dir: Path | None, timeout: float) -> Path:
        where = f"{data_dir / self.relative_path} does not exist and " if data_dir else ""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(self.url, timeout=timeout) as r:
                while chunk := r.read(1 << 16):
                    out.write(chunk)
            digest = _sha256(tmp)
            if digest != self.sha256:
                raise DatasetUnavailable(
                    f"{self.url} downloaded, but its sha256 is {digest}, not the expected "
                    f"{self.sha256}: the file changed upstream or the download was corrupted. "
                    "Nothing was kept."
                )
            os.replace(tmp, target)
            return target
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DatasetUnavailable(
                f"{where}downloading {self.url} failed ({exc}). Set MOODWAVE_DATA_DIR to a folder "
                f"holding {self.relative_path}, or connect to the internet and try again."
            ) from exc
        finally:
            tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
