"""What the Wide & Deep model reads, as arrays: hashed keys of users, songs, artists and genres (so a
new person or song needs no vocabulary and no re-allocation, just a bucket), the hashed cross ids of
the wide part, and the dense inputs of the deep part (the mood, the song's mood, how far apart they
are, and the song's audio features standardised with statistics saved beside the model).

Keys come from blake2b, never Python's `hash` (salted per process), so a bucket is the same in every
process and after every restart. Crosses mix keys with a splitmix64 finaliser in vectorised numpy.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import torch

from recommender.songs import Song
from recommender.widedeep.config import AUDIO_FEATURES, WideDeepConfig

U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]

# The catalog's audio features the model reads by default; `WideDeepConfig.song_features` chooses.
AUDIO_COLUMNS = AUDIO_FEATURES
GENRE_SLOTS = 2  # a song's first genres that the model reads; most songs have one or two
# Wide columns: the first USER_COLUMNS involve the user (online learning may move them only).
USER_COLUMNS = 1 + 1 + 2 * GENRE_SLOTS
WIDE_COLUMNS = USER_COLUMNS + 2 * GENRE_SLOTS + 1
DENSE_MOOD = 7  # mood VA, song VA, |difference| per axis, distance
DAYPART_COUNT = 3  # one-hot width of the part of the day (`recommender.ranking.DAYPARTS`)
NEUTRAL_BAND = 0.15

_FIELDS = np.asarray(
    [int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little") for f in (
        "user*quadrant", "user*artist", "user*genre", "user*quadrant*genre", "quadrant*genre",
        "song", "daypart*genre",
    )],
    dtype=np.uint64,
)  # fmt: skip


def stable_key(text: str) -> int:
    """A 63-bit key for a name; 0 is kept for "none" (anonymous user, missing genre)."""
    if not text:
        return 0
    value = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return (value >> 1) or 1


def mix(a: U64, b: U64) -> U64:
    """A well-spread 64-bit combination of two key arrays (splitmix64 finaliser over a ^ b*phi)."""
    with np.errstate(over="ignore"):
        x = a ^ (b * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019))
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def quadrant(valence: npt.NDArray[np.float64], arousal: npt.NDArray[np.float64]) -> U64:
    """Russell's quadrant of each mood (1..4), 5 for the neutral middle."""
    q = 1 + (valence < 0).astype(np.uint64) + 2 * (arousal < 0).astype(np.uint64)
    neutral = (np.abs(valence) < NEUTRAL_BAND) & (np.abs(arousal) < NEUTRAL_BAND)
    return np.where(neutral, np.uint64(5), q).astype(np.uint64)


@dataclass(frozen=True)
class AudioScale:
    """Per-feature mean and spread of the training catalog, saved with the model."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def of(cls, songs: Sequence[Song], columns: Sequence[str] = AUDIO_COLUMNS) -> AudioScale:
        raw = _raw_audio(songs, columns)
        with warnings.catch_warnings():  # a column no song has is all NaN: it reads as 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(raw, axis=0) if len(raw) else np.zeros(len(columns))
            std = np.nanstd(raw, axis=0) if len(raw) else np.ones(len(columns))
        mean = np.nan_to_num(mean)
        std = np.where(np.isfinite(std) & (std > 1e-6), std, 1.0)
        return cls(tuple(float(m) for m in mean), tuple(float(s) for s in std))


@dataclass(frozen=True)
class SongTable:
    """Per catalog position: keys, genre keys (0: none), mood and standardised audio features."""

    song: U64
    artist: U64
    genres: U64  # (n, GENRE_SLOTS)
    va: F32  # (n, 2)
    audio: F32  # (n, number of song features), standardised
    raw_audio: npt.NDArray[np.float64]  # as read, NaN where missing: rescaled per model version

    @classmethod
    def of(
        cls, songs: Sequence[Song], scale: AudioScale, columns: Sequence[str] = AUDIO_COLUMNS
    ) -> SongTable:
        genres = np.zeros((len(songs), GENRE_SLOTS), dtype=np.uint64)
        for row, song in enumerate(songs):
            for slot, genre in enumerate(song.genres[:GENRE_SLOTS]):
                genres[row, slot] = stable_key(genre)
        raw = _raw_audio(songs, columns)
        return cls(
            song=np.asarray([stable_key(s.track_id) for s in songs], dtype=np.uint64),
            artist=np.asarray([stable_key(s.artist.casefold()) for s in songs], dtype=np.uint64),
            genres=genres,
            va=np.asarray([(s.valence, s.arousal) for s in songs], dtype=np.float32).reshape(-1, 2),
            audio=_standardised(raw, scale),
            raw_audio=raw,
        )

    def rescaled(self, scale: AudioScale) -> SongTable:
        """The same songs with audio features standardised by another version's scale."""
        return replace(self, audio=_standardised(self.raw_audio, scale))


@dataclass(frozen=True)
class Batch:
    """Model inputs for B (user, mood, song) rows."""

    wide: torch.Tensor  # (B, WIDE_COLUMNS) bucket ids, 0 = padding
    user: torch.Tensor  # (B,)
    song: torch.Tensor
    artist: torch.Tensor
    genre: torch.Tensor  # (B, GENRE_SLOTS), 0 = padding
    dense: torch.Tensor  # (B, DENSE_MOOD + audio [+ text])

    def __len__(self) -> int:
        return int(self.user.shape[0])


def batch_for(
    table: SongTable,
    positions: npt.NDArray[np.int64],
    users: U64,
    moods: npt.NDArray[np.float64],
    config: WideDeepConfig,
    text: F32 | None = None,
    dayparts: npt.NDArray[np.int64] | None = None,
) -> Batch:
    """Rows for songs at `positions`, each with its user key (0: anonymous), mood (B, 2) and, when
    the config reads it, part of the day (0: unknown)."""
    genres = table.genres[positions]
    artist = table.artist[positions]
    q = quadrant(moods[:, 0], moods[:, 1])
    columns = [
        _cross(0, users, q),
        _cross(1, users, artist),
        *(_cross(2, users, genres[:, s]) for s in range(GENRE_SLOTS)),
        *(_cross(3, mix(users, q), genres[:, s]) for s in range(GENRE_SLOTS)),
        *(_cross(4, q, genres[:, s], genres[:, s] == 0) for s in range(GENRE_SLOTS)),
        _cross(5, table.song[positions], np.zeros(len(positions), dtype=np.uint64)),
    ]
    part = np.zeros(0, dtype=np.int64)
    if config.time_of_day:
        part = (
            np.zeros(len(positions), dtype=np.int64)
            if dayparts is None
            else np.asarray(dayparts, dtype=np.int64).reshape(-1)
        )
        unknown = (part <= 0) | (part > DAYPART_COUNT)
        columns += [
            _cross(6, part.astype(np.uint64), genres[:, s], unknown | (genres[:, s] == 0))
            for s in range(GENRE_SLOTS)
        ]
    wide = np.concatenate(columns, axis=1)
    wide[:, :USER_COLUMNS][users == 0] = 0  # anonymous: no personal crosses
    song_va = table.va[positions]
    gap = np.abs(song_va - moods.astype(np.float32))
    dense = [moods.astype(np.float32), song_va, gap, np.hypot(gap[:, :1], gap[:, 1:])]
    audio = table.audio[positions]
    dense.append(audio)
    if config.mood_crosses:
        mood32 = moods.astype(np.float32)
        dense += [mood32[:, :1] * audio, mood32[:, 1:] * audio]
    if config.time_of_day:
        one_hot = np.zeros((len(positions), DAYPART_COUNT), dtype=np.float32)
        known = np.flatnonzero((part >= 1) & (part <= DAYPART_COUNT))
        one_hot[known, part[known] - 1] = 1.0
        dense.append(one_hot)
    if config.text_dim:
        dense.append(
            text if text is not None else np.zeros((len(positions), config.text_dim), np.float32)
        )
    return Batch(
        wide=torch.from_numpy(_buckets(wide, config.wide_buckets)),
        user=torch.from_numpy(_buckets(users, config.user_buckets, users == 0)),
        song=torch.from_numpy(_buckets(table.song[positions], config.song_buckets)),
        artist=torch.from_numpy(_buckets(artist, config.artist_buckets)),
        genre=torch.from_numpy(_buckets(genres, config.genre_buckets, genres == 0)),
        dense=torch.from_numpy(np.concatenate(dense, axis=1).astype(np.float32)),
    )


def user_keys(user_key: str | None, n: int) -> U64:
    return np.full(n, stable_key(user_key or ""), dtype=np.uint64)


def dense_width(config: WideDeepConfig) -> int:
    features = len(config.song_features) * (3 if config.mood_crosses else 1)
    return DENSE_MOOD + features + (DAYPART_COUNT if config.time_of_day else 0) + config.text_dim


def _cross(field: int, a: U64, b: U64, missing: npt.NDArray[np.bool_] | None = None) -> U64:
    """One wide column; rows whose genre is missing get key 0 (padding)."""
    keys = mix(mix(np.full(len(b), _FIELDS[field], dtype=np.uint64), a), b)
    if missing is None and field in (2, 3):
        missing = b == 0
    if missing is not None:
        keys = np.where(missing, np.uint64(0), keys)
    return keys.reshape(-1, 1)


def _buckets(
    keys: U64, size: int, padding: npt.NDArray[np.bool_] | None = None
) -> npt.NDArray[np.int64]:
    """Bucket 1..size-1 of each key; 0 is the padding row (zero, never trained)."""
    ids = (keys % np.uint64(size - 1)).astype(np.int64) + 1
    if padding is None:
        padding = keys == 0
    return np.where(padding, 0, ids).astype(np.int64)


def _standardised(raw: npt.NDArray[np.float64], scale: AudioScale) -> F32:
    audio = (raw - np.asarray(scale.mean)) / np.asarray(scale.std)
    return np.nan_to_num(audio).astype(np.float32).reshape(raw.shape)


def _raw_audio(songs: Sequence[Song], columns: Sequence[str]) -> npt.NDArray[np.float64]:
    return np.asarray([[_feature(s, c) for c in columns] for s in songs], dtype=np.float64).reshape(
        len(songs), len(columns)
    )


def _feature(song: Song, column: str) -> float:
    value = song.features.get(column)
    if value is None and column == "popularity" and song.popularity:
        return float(song.popularity)
    return float("nan") if value is None else value
