"""How alike two songs are, for the maximal-marginal-relevance step of the re-rank: each candidate's
score loses `MMR_WEIGHT` times its similarity to the most similar song already in the list, so a
list does not fill with near copies of one song (same corner of VA space, same genre, same sound).

Similarity is in [0, 1]: the mean of three parts, each in [0, 1]:
- mood: 1 at the same valence-arousal point, falling linearly to 0 at `VA_SCALE` apart;
- genre: 1 when the main genres are the same, else 0;
- sound: 1 / (1 + the root-mean-square difference of the standardised audio features); songs with
  no audio features sit at the catalog mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from recommender.catalog import FEATURE_COLUMNS
from recommender.songs import Song

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The audio features compared: the catalog's, less energy (already the arousal) and mode (a 0/1 key).
SOUND_FEATURES = tuple(c for c in FEATURE_COLUMNS if c not in ("energy", "mode"))
# Mood similarity falls to 0 at this VA distance.
VA_SCALE = 0.5
# Score lost (in VA distance units, like every bonus) per unit of similarity to the closest pick.
# Small on purpose: closeness to the mood and taste still decide, MMR breaks near-ties toward
# variety. Chosen on SiTunes' validation slices from 0, 0.02, 0.05, 0.1 (docs/evaluation.md).
MMR_WEIGHT = 0.05


class SoundSpace:
    """Each song's standardised audio features, built once per catalog."""

    def __init__(self, songs: Sequence[Song]) -> None:
        columns = [c for c in SOUND_FEATURES if any(c in s.features for s in songs)]
        raw = np.full((len(songs), len(columns)), np.nan)
        for row, song in enumerate(songs):
            for col, name in enumerate(columns):
                value = song.features.get(name)
                if value is not None:
                    raw[row, col] = value
        present = ~np.isnan(raw)
        mean = np.nansum(raw, axis=0) / np.maximum(present.sum(axis=0), 1)
        filled = np.where(present, raw, mean)
        std = filled.std(axis=0) if len(songs) else np.ones(len(columns))
        raw = (filled - mean) / np.where(std > 0, std, 1.0)
        self.features = np.nan_to_num(raw).astype(np.float32)


def similarity_to(
    pick: int,
    pool: IntArray,
    points: FloatArray,
    genres: IntArray,
    sound: SoundSpace,
) -> FloatArray:
    """Similarity in [0, 1] of every pool position to catalog position `pick`."""
    va = np.hypot(points[pool, 0] - points[pick, 0], points[pool, 1] - points[pick, 1])
    mood = np.clip(1.0 - va / VA_SCALE, 0.0, 1.0)
    genre = (genres[pool] == genres[pick]).astype(np.float64)
    features = sound.features
    if features.shape[1]:
        diff = features[pool] - features[pick]
        audio = 1.0 / (1.0 + np.sqrt(np.mean(diff.astype(np.float64) ** 2, axis=1)))
    else:
        audio = np.ones(len(pool))
    return np.asarray((mood + genre + audio) / 3.0, dtype=np.float64).reshape(-1)
