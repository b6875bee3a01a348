"""Data files: read from the data directory, else downloaded from a (loopback) server and checked
against their sha256; every failure says what to do."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from datafiles import DataFile, DatasetUnavailable

BODY = b"track_id,valence\nabc,0.5\n"


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/songs.csv":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def data_file(url: str, digest: str | None = None) -> DataFile:
    return DataFile("songs/songs.csv", url, digest or hashlib.sha256(BODY).hexdigest(), "test")


def test_data_directory_wins(tmp_path: Path) -> None:
    (tmp_path / "data" / "songs").mkdir(parents=True)
    (tmp_path / "data" / "songs" / "songs.csv").write_bytes(b"local")
    path = data_file("http://127.0.0.1:9/never").resolve(tmp_path / "data", tmp_path / "cache")
    assert path.read_bytes() == b"local"


def test_download_is_verified_and_cached(tmp_path: Path, server: str) -> None:
    file = data_file(f"{server}/songs.csv")
    path = file.resolve(None, tmp_path / "cache")
    assert path.read_bytes() == BODY
    # A second resolve uses the verified cache, even with the server gone.
    offline = data_file("http://127.0.0.1:9/gone")
    assert offline.resolve(None, tmp_path / "cache") == path


def test_checksum_mismatch_keeps_nothing(tmp_path: Path, server: str) -> None:
    file = data_file(f"{server}/songs.csv", digest="0" * 64)
    with pytest.raises(DatasetUnavailable, match="sha256"):
        file.resolve(None, tmp_path / "cache")
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_unreachable_source_explains_what_to_do(tmp_path: Path, server: str) -> None:
    file = data_file(f"{server}/missing.csv")
    with pytest.raises(DatasetUnavailable, match="MOODWAVE_DATA_DIR"):
        file.resolve(tmp_path / "nodata", tmp_path / "cache")
    assert not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))


def test_every_download_names_a_commit_not_a_branch() -> None:
    """A branch moves: the file behind it can change (or vanish) while the pinned sha256 stays,
    and every first start would then fail. Each canonical address names a commit."""
    from nlp.lexicon import WARRINER
    from recommender.catalog import SPOTIFY_SONGS

    for file in (WARRINER, SPOTIFY_SONGS):
        parts = urlsplit(file.url).path.split("/")
        assert any(re.fullmatch(r"[0-9a-f]{40}", part) for part in parts), file.url
        assert not {"master", "main", "HEAD"} & set(parts), file.url
