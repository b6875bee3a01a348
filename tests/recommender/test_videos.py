"""The video beside each song: the catalog's own link, else a search for artist and title."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from recommender.songs import Song
from recommender.videos import SEARCH_URL, video_link, video_url_of


def _song(**extra: object) -> Song:
    return Song("t1", "Don't Stop Me Now", "Queen & Friends", 0.8, 0.7, **extra)  # type: ignore[arg-type]


def test_a_song_without_its_own_video_gets_a_search_for_artist_and_title() -> None:
    link = video_link(_song())
    assert link.startswith(SEARCH_URL)
    query = parse_qs(urlsplit(link).query)["search_query"]
    assert query == ["Queen & Friends Don't Stop Me Now"]  # encoded, so "&" stays in the query


def test_the_catalogs_own_video_wins() -> None:
    own = "https://vimeo.com/123"
    assert video_link(_song(video_url=own)) == own


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", None),
        ("  ", None),
        ("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
    ],
)
def test_catalog_cells_become_links(cell: str, expected: str | None) -> None:
    assert video_url_of(cell) == expected


@pytest.mark.parametrize("cell", ["javascript:alert(1)", "ftp://x/y", "not a link", "https://"])
def test_anything_else_is_refused(cell: str) -> None:
    with pytest.raises(ValueError, match="video_url"):
        video_url_of(cell)
