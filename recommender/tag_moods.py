"""Song and artist moods from Last.fm-style tags, the MuSe way: each tag's words are looked up in the
Warriner et al. (2013) norms and a song's (or artist's) valence and arousal are the tag moods
averaged, weighted by how often each tag was given.

Plain MuSe reads every tag, but on Last.fm the most frequent tags name a genre ("rock", "metal") or
the tagger's liking ("awesome", "favorites"), and the norms rate those words as words ("metal": calm,
"awesome": pleasant), not as music. Measured on HetRec artists against the Spotify data set that gave
Pearson r of 0.15 (valence) and 0.01 (arousal) over 1,578 artists; leaving out genre and liking tags
and keeping only clearly emotional words gave 0.16 and 0.25 over 662 (`python -m recommender.tag_moods
--data-dir ../shared/data`; docs/catalog.md has the table). That is weak evidence, so a tag mood is
stored with a low confidence (at most `MAX_CONFIDENCE`) and only fills in songs with no better mood.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nlp.lexicon import WARRINER, LexiconEstimator
from recommender.songs import Song

MOOD_SOURCE = "lastfm-tags"
HETREC_FOLDER = "hetrec2011-lastfm-2k"
# Tags whose words name a style of music: the genres and subgenres of the Spotify data set and the
# common Last.fm genre tags. Their norms describe the word, not the sound.
GENRE_WORDS = frozenset(
    [
        "acoustic",
        "alternative",
        "ambient",
        "blues",
        "britpop",
        "chillout",
        "christian",
        "classical",
        "country",
        "dance",
        "disco",
        "downtempo",
        "dubstep",
        "edm",
        "electro",
        "electronic",
        "electronica",
        "electropop",
        "emo",
        "experimental",
        "folk",
        "funk",
        "gangster",
        "gospel",
        "gothic",
        "grunge",
        "hardcore",
        "hip",
        "hop",
        "house",
        "idm",
        "indie",
        "industrial",
        "instrumental",
        "jazz",
        "latin",
        "lounge",
        "metal",
        "metalcore",
        "pop",
        "rap",
        "reggae",
        "reggaeton",
        "rock",
        "screamo",
        "ska",
        "soul",
        "soundtrack",
        "swing",
        "synthpop",
        "techno",
        "trance",
        "trap",
        "trip",
        "tropical",
        "wave",
        "punk",
        "noise",
        "psychedelic",
        "drone",
        "club",
        "bass",
        "drum",
        "kei",
        "visual",
        "world",
        "polish",
        "vocal",
        "vocals",
        "vocalist",
        "vocalists",
        "singer",
        "songwriter",
        "piano",
        "guitar",
    ]
)
# Tags that say the tagger likes the artist, which says nothing about the music's mood.
LIKING_WORDS = frozenset(
    [
        "awesome",
        "amazing",
        "beautiful",
        "best",
        "brilliant",
        "cool",
        "excellent",
        "fantastic",
        "fav",
        "favorite",
        "favorites",
        "favourite",
        "favourites",
        "fucking",
        "genius",
        "good",
        "great",
        "guilty",
        "hot",
        "incredible",
        "legend",
        "legendary",
        "like",
        "love",
        "loved",
        "lovely",
        "masterpiece",
        "nice",
        "perfect",
        "pleasure",
        "pleasures",
        "seen",
        "sexy",
        "wonderful",
    ]
)
# A tag counts when its mood lies this far from a neutral word on either axis (as in nlp.lexicon,
# but stricter: tag words are rarely mood words, and the strict cut measured best).
EMOTIONAL_VALENCE = 0.3
EMOTIONAL_AROUSAL = 0.35
AROUSAL_REST = -0.2
# Fewer matched tag assignments than this and the mood is not given at all.
MIN_ASSIGNMENTS = 3
# Confidence grows with matched assignments (1 - exp(-n / scale)) up to a cap that reflects the
# measured agreement (r about 0.1-0.3): a tag mood never outranks measured audio features.
CONFIDENCE_SCALE = 10.0
MAX_CONFIDENCE = 0.3
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class TagMood:
    """A mood read from tags: VA in [-1, 1], a confidence, and how many tag assignments it used."""

    valence: float
    arousal: float
    confidence: float
    assignments: int


class TagMoodEstimator:
    """Tags -> VA through word norms; immutable, safe to share. `filtered=False` is plain MuSe
    (every tag the norms know), kept to measure what the filters buy."""

    def __init__(self, lexicon: LexiconEstimator, filtered: bool = True) -> None:
        self._lexicon = lexicon
        self._filtered = filtered

    @classmethod
    def from_data_dir(cls, data_dir: Path, filtered: bool = True) -> TagMoodEstimator:
        return cls(LexiconEstimator.from_csv(data_dir / WARRINER.relative_path), filtered)

    def tag_mood(self, tag: str) -> tuple[float, float] | None:
        """The (valence, arousal) of one tag, or None for genre, liking and neutral tags."""
        words = _WORD.findall(tag.casefold())
        if not words:
            return None
        if self._filtered and any(w in GENRE_WORDS or w in LIKING_WORDS for w in words):
            return None
        norms = [n for n in map(self._lexicon.lookup, words) if n is not None]
        if not norms:
            return None
        valence = sum(n[0] for n in norms) / len(norms)
        arousal = sum(n[1] for n in norms) / len(norms)
        emotional = (
            abs(valence) >= EMOTIONAL_VALENCE or abs(arousal - AROUSAL_REST) >= EMOTIONAL_AROUSAL
        )
        return (valence, arousal) if emotional or not self._filtered else None

    def mood(self, tag_counts: Mapping[str, int]) -> TagMood | None:
        """The count-weighted mood of a song's or artist's tags; None when too few tags match."""
        total = valence = arousal = 0.0
        for tag, count in tag_counts.items():
            found = self.tag_mood(tag)
            if found is not None and count > 0:
                total += count
                valence += count * found[0]
                arousal += count * found[1]
        if total < MIN_ASSIGNMENTS:
            return None
        confidence = MAX_CONFIDENCE * (1.0 - math.exp(-total / CONFIDENCE_SCALE))
        return TagMood(valence / total, arousal / total, confidence, int(total))


def artist_key(name: str) -> str:
    """An artist name folded for joining data sets: accents, case, punctuation and "The" dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = _WORD.findall(ascii_name.casefold().replace("&", " and "))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def load_hetrec_artist_tags(folder: Path) -> dict[str, Counter[str]]:
    """HetRec 2011 Last.fm: artist name -> tag -> how many users gave it."""
    tags = {row[0]: row[1].strip() for row in _tsv(folder / "tags.dat")}
    artists = {row[0]: row[1].strip() for row in _tsv(folder / "artists.dat")}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _tsv(folder / "user_taggedartists.dat"):
        artist, tag = artists.get(row[1]), tags.get(row[2])
        if artist and tag:
            counts[artist][tag] += 1
    return dict(counts)


def artist_moods(
    estimator: TagMoodEstimator, tags_by_artist: Mapping[str, Mapping[str, int]]
) -> dict[str, TagMood]:
    """Folded artist name (`artist_key`) -> tag mood, for the artists whose tags give one."""
    moods: dict[str, TagMood] = {}
    for artist, tags in tags_by_artist.items():
        mood = estimator.mood(tags)
        if mood is not None:
            moods[artist_key(artist)] = mood
    return moods


def with_tag_moods(songs: Iterable[Song], moods: Mapping[str, TagMood]) -> list[Song]:
    """The songs, those with a less trusted mood than their artist's tags given the tag mood."""
    result = []
    for song in songs:
        mood = moods.get(artist_key(song.artist))
        if mood is not None and song.mood_confidence < mood.confidence:
            song = replace(
                song,
                valence=mood.valence,
                arousal=mood.arousal,
                mood_source=MOOD_SOURCE,
                mood_confidence=mood.confidence,
            )
        result.append(song)
    return result


@dataclass(frozen=True)
class Agreement:
    """Pearson r between tag moods and reference moods over the items found in both."""

    items: int
    valence_r: float
    arousal_r: float


def agreement(moods: Mapping[str, TagMood], reference: Mapping[str, Sequence[float]]) -> Agreement:
    """Correlate tag moods with reference (valence, arousal) keyed the same way."""
    shared = sorted(set(moods) & set(reference))
    if len(shared) < 3:
        return Agreement(len(shared), float("nan"), float("nan"))
    tagged = np.asarray([(moods[k].valence, moods[k].arousal) for k in shared])
    known = np.asarray([reference[k][:2] for k in shared], dtype=np.float64)
    r = [float(np.corrcoef(tagged[:, i], known[:, i])[0, 1]) for i in (0, 1)]
    return Agreement(len(shared), r[0], r[1])


def artist_reference(songs: Iterable[Song]) -> dict[str, tuple[float, float]]:
    """Folded artist name -> mean (valence, arousal) of the artist's songs."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for song in songs:
        points[artist_key(song.artist)].append((song.valence, song.arousal))
    return {
        k: (float(np.mean([p[0] for p in v])), float(np.mean([p[1] for p in v])))
        for k, v in points.items()
    }


def _tsv(path: Path) -> list[list[str]]:
    """Rows of a HetRec .dat file after its header; tags.dat is Latin-1, artists.dat UTF-8."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return [line.split("\t") for line in text.splitlines()[1:] if line.strip()]


def _deam_song_tags(
    data_dir: Path,
) -> tuple[dict[str, Counter[str]], dict[str, tuple[float, float]]]:
    """DEAM 2014 songs' free-form Last.fm tags, and their annotated VA mapped from 1-9 to [-1, 1]."""
    reference: dict[str, tuple[float, float]] = {}
    with (data_dir / "deam/static_annotations_averaged_songs_1_2000.csv").open(newline="") as f:
        for row in csv.DictReader(f, skipinitialspace=True):
            reference[row["song_id"]] = (
                (float(row["valence_mean"]) - 5.0) / 4.0,
                (float(row["arousal_mean"]) - 5.0) / 4.0,
            )
    tags: dict[str, Counter[str]] = {}
    text = (data_dir / "deam/metadata_2014.csv").read_bytes().decode("utf-8", errors="replace")
    for fields in list(csv.reader(text.splitlines()))[1:]:
        if fields:
            tags[fields[0].strip()] = Counter(t.strip() for t in fields[5:] if t.strip())
    return tags, reference


def measure(data_dir: Path) -> dict[str, Agreement]:
    """The agreements docs/catalog.md reports, filtered and plain MuSe: HetRec artists' tags vs the
    Spotify data set's artist means, and DEAM 2014 songs' tags vs DEAM's annotations."""
    from recommender.catalog import SPOTIFY_SONGS, load_spotify_songs

    hetrec = load_hetrec_artist_tags(data_dir / HETREC_FOLDER)
    spotify = artist_reference(load_spotify_songs(data_dir / SPOTIFY_SONGS.relative_path))
    song_tags, deam = _deam_song_tags(data_dir)
    results = {}
    for name, filtered in (("filtered", True), ("plain_muse", False)):
        estimator = TagMoodEstimator.from_data_dir(data_dir, filtered)
        artists = artist_moods(estimator, hetrec)
        songs = {k: m for k, tags in song_tags.items() if (m := estimator.mood(tags)) is not None}
        results[f"{name}:hetrec_artists_vs_spotify"] = agreement(artists, spotify)
        results[f"{name}:deam_song_tags_vs_deam_annotations"] = agreement(songs, deam)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Agreement of tag moods with labelled moods.")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    results = measure(args.data_dir)
    print(json.dumps({k: vars(v) for k, v in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
