"""The built-in study (`moodwave eval-recs --preset hetrec`): real listening tastes from HetRec 2011
Last.fm (1,892 people, their most played artists with play counts) joined by artist name
(case-folded) to the Spotify songs catalog, with moods and reactions attached by a documented,
seeded simulation, because no public data set has both a person's taste and their mood at the time.

The simulation, per person (its random generator seeded with `SEED` and the Last.fm user id):
- Their mood centre is uniform in [-0.5, 0.5]^2; each of `SESSIONS` sessions (one a day) draws the
  mood before from the centre plus Gaussian noise (sd 0.35), clipped to [-1, 1].
- Each session is one playlist of `TASTE_PICKS + EXPOSURE_PICKS` songs, oldest first:
  - taste picks: an artist the person plays (probability proportional to the square root of the
    play count), and that artist's song nearest the session mood not heard yet; liked with
    probability sigmoid((0.5 - distance to the mood) / 0.1), else skipped (right artist, wrong mood);
  - exposure picks: a random song among the 100 nearest the mood by an artist they do not play;
    played with probability 0.5 if its genre is one of the two genres most of their artists' songs
    have, else disliked with probability 0.6, else skipped.
So a good ranker must learn each person's artists and genres and keep to the mood; a mood-only
ranker finds the mood but not the person. People with fewer than `MIN_ARTISTS` catalog artists are
left out.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.catalog import SPOTIFY_SONGS, load_spotify_songs
from recommender.evaluation.logs import Interaction
from recommender.index import MoodIndex
from recommender.songs import Song
from recommender.study_names import HETREC_SEED

SEED = HETREC_SEED
SESSIONS = 12
TASTE_PICKS = 3
EXPOSURE_PICKS = 2
MIN_ARTISTS = 5
MOOD_CENTRE = 0.5
MOOD_NOISE = 0.35
LIKE_DISTANCE = 0.5
LIKE_SOFTNESS = 0.1
EXPOSURE_POOL = 100
HETREC = "hetrec2011-lastfm-2k"
DAY = 86_400.0
START = 1_300_000_000.0


@dataclass(frozen=True)
class Study:
    songs: list[Song]
    interactions: list[Interaction]


def build_hetrec_study(
    data_dir: Path,
    seed: int = SEED,
    max_users: int | None = None,
    songs: Sequence[Song] | None = None,
) -> Study:
    """The simulated study; `max_users` keeps the first people by Last.fm id (a small slice)."""
    catalog = (
        list(songs)
        if songs is not None
        else load_spotify_songs(data_dir / SPOTIFY_SONGS.relative_path)
    )
    by_artist: dict[str, list[int]] = defaultdict(list)
    for position, song in enumerate(catalog):
        by_artist[song.artist.casefold()].append(position)
    plays = _plays(data_dir / HETREC, by_artist)
    users = sorted((u for u, a in plays.items() if len(a) >= MIN_ARTISTS), key=int)
    if max_users is not None:
        users = users[:max_users]
    index = MoodIndex(catalog)
    interactions: list[Interaction] = []
    for user in users:
        rng = np.random.default_rng([seed, int(user)])
        interactions += _simulate(user, plays[user], catalog, by_artist, index, rng)
    return Study(catalog, interactions)


def _plays(folder: Path, by_artist: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    """Each person's play counts by catalog artist (case-folded name)."""
    with (folder / "artists.dat").open(encoding="utf-8", errors="replace") as f:
        names = {row[0]: row[1].casefold() for row in csv.reader(f, delimiter="\t") if len(row) > 1}
    plays: dict[str, dict[str, float]] = defaultdict(dict)
    with (folder / "user_artists.dat").open(encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        for user, artist, weight in rows:
            name = names.get(artist)
            if name in by_artist:
                plays[user][name] = float(weight)
    return plays


def _simulate(
    user: str,
    plays: dict[str, float],
    catalog: Sequence[Song],
    by_artist: dict[str, list[int]],
    index: MoodIndex,
    rng: np.random.Generator,
) -> list[Interaction]:
    artists = sorted(plays)
    chance = np.sqrt([plays[a] for a in artists])
    chance /= chance.sum()
    top_genres = _top_genres(artists, catalog, by_artist)
    centre = rng.uniform(-MOOD_CENTRE, MOOD_CENTRE, 2)
    heard: set[int] = set()
    out: list[Interaction] = []
    for session in range(SESSIONS):
        mood = np.clip(centre + rng.normal(0, MOOD_NOISE, 2), -1, 1)
        at = START + session * DAY
        for pick in range(TASTE_PICKS + EXPOSURE_PICKS):
            if pick < TASTE_PICKS:
                found = _taste_pick(artists, chance, by_artist, catalog, mood, heard, rng)
            else:
                found = _exposure_pick(plays, index, catalog, mood, heard, top_genres, rng)
            if found is None:
                continue
            position, reaction = found
            heard.add(position)
            valence, arousal = (round(float(x), 3) for x in mood)
            out.append(
                Interaction(user, catalog[position].track_id, at + pick, reaction, valence, arousal)
            )
    return out


def _taste_pick(
    artists: list[str],
    chance: np.ndarray,
    by_artist: dict[str, list[int]],
    catalog: Sequence[Song],
    mood: np.ndarray,
    heard: set[int],
    rng: np.random.Generator,
) -> tuple[int, str] | None:
    artist = artists[int(rng.choice(len(artists), p=chance))]
    fresh = [p for p in by_artist[artist] if p not in heard]
    if not fresh:
        return None
    distance = [
        math.hypot(catalog[p].valence - mood[0], catalog[p].arousal - mood[1]) for p in fresh
    ]
    nearest = int(np.argmin(distance))
    liked = rng.random() < 1 / (1 + math.exp(-(LIKE_DISTANCE - distance[nearest]) / LIKE_SOFTNESS))
    return fresh[nearest], "like" if liked else "skip"


def _exposure_pick(
    plays: dict[str, float],
    index: MoodIndex,
    catalog: Sequence[Song],
    mood: np.ndarray,
    heard: set[int],
    top_genres: set[str],
    rng: np.random.Generator,
) -> tuple[int, str] | None:
    near = [
        p
        for p, _ in index.nearest(float(mood[0]), float(mood[1]), EXPOSURE_POOL)
        if p not in heard and catalog[p].artist.casefold() not in plays
    ]
    if not near:
        return None
    position = near[int(rng.integers(len(near)))]
    genres = set(catalog[position].genres[:1])
    if genres & top_genres and rng.random() < 0.5:
        return position, "played"
    return position, "dislike" if rng.random() < 0.6 else "skip"


def _top_genres(
    artists: list[str], catalog: Sequence[Song], by_artist: dict[str, list[int]]
) -> set[str]:
    counts = Counter(g for a in artists for p in by_artist[a] for g in catalog[p].genres[:1])
    return {g for g, _ in counts.most_common(2)}
