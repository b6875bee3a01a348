"""A music video beside each song: the data set's own link where it names one, else a video search
for artist and title.

No data set at hand names videos, so the default is a YouTube search link (`results?search_query=`),
which needs no API key, no quota and no network at playlist time, and lands on the official video as
its first result for nearly every released song. A catalog that names videos (a CSV `video_url`
column: a full http(s) URL, or a bare 11-character YouTube video id) gets those links instead. A
value that is neither is refused at import, so a reply never carries a broken or unsafe link.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus, urlsplit

from recommender.songs import Song

SEARCH_URL = "https://www.youtube.com/results?search_query="
WATCH_URL = "https://www.youtube.com/watch?v="
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
MAX_URL = 512  # the catalog column's width


def video_link(song: Song) -> str:
    """Where to watch `song`: its own video when the catalog names one, else a search for it."""
    if song.video_url:
        return song.video_url
    return search_link(song.artist, song.name)


def search_link(artist: str, title: str) -> str:
    query = " ".join(part.strip() for part in (artist, title) if part.strip())
    return SEARCH_URL + quote_plus(query)


def video_url_of(value: str) -> str | None:
    """A catalog cell as a video link: None when blank; raises ValueError when it is no link."""
    value = value.strip()
    if not value:
        return None
    if _YOUTUBE_ID.fullmatch(value):
        return WATCH_URL + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > MAX_URL:
        raise ValueError(f"video_url is not an http(s) link or a YouTube video id: {value[:40]!r}")
    return value
