"""A song's mood from its audio: librosa features (tempo, loudness, spectral shape, mode from chroma,
onset density) and a linear rule from features to valence and arousal.

The rule reads only the features that mean the same thing in librosa and in the Spotify data set
(tempo in BPM, loudness in dB of full scale, mode major/minor), so it is fitted and measured there:
on 28k songs, 5-fold cross-validated Pearson r is 0.69 for arousal (mostly loudness) and 0.05 for
valence (none of the three predicts it). DEAM's openSMILE song means show spectral shape does carry
valence (r 0.34 from loudness alone, 0.51 with centroid and roll-off), but openSMILE's spectral units
differ from librosa's and DEAM's audio is not here, so those weights cannot be carried over or
checked; the spectral features are stored for a later model. `python -m recommender.audio_moods
--data-dir ../shared/data` reruns every figure. Audio moods therefore get a low confidence.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from recommender.songs import Song

MOOD_SOURCE = "audio-librosa"
# Valence is barely predicted (r 0.05) and arousal fairly (r 0.69): below tags' cap would be wrong
# for arousal, above a data set's 1.0 wrong for valence.
MOOD_CONFIDENCE = 0.35
SAMPLE_RATE = 22_050
HOP = 512
# Analyse at most this much from the middle of a song: the mood of a minute is the song's, and it
# bounds the cost of a long file.
MAX_SECONDS = 60.0
# Linear rule over (1, (tempo - 120) / 30, (loudness + 8) / 4, mode), fitted by least squares on
# the Spotify songs data set (`fit_rule`; a test checks these still match a refit).
VALENCE_WEIGHTS = (0.0126, -0.0158, 0.0323, -0.0016)
AROUSAL_WEIGHTS = (0.2965, 0.0353, 0.3264, 0.0046)
# Krumhansl-Kessler key profiles (C major, C minor): chroma correlated with each rotation.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)

FloatArray = npt.NDArray[np.float64]


class AudioUnreadable(ValueError):
    """The file is not audio soundfile can decode, or holds no sound; the message says which."""


@dataclass(frozen=True)
class AudioFeatures:
    """Song-level audio features; names shared with the Spotify data set mean the same thing."""

    tempo: float  # beats per minute
    loudness: float  # RMS level in dB of full scale
    mode: float  # 1 major, 0 minor
    key: float  # 0 = C ... 11 = B
    mode_strength: float  # best major minus best minor profile correlation
    spectral_centroid: float  # Hz
    spectral_rolloff: float  # Hz below which 85% of the energy lies
    spectral_flatness: float  # 0 tonal ... 1 noise
    onset_density: float  # onsets per second
    duration_s: float

    def as_features(self) -> dict[str, float]:
        return {name: float(value) for name, value in asdict(self).items()}


def require_audio_libraries() -> None:
    """Raise a `ModuleNotFoundError` that names the part to install when soundfile or librosa
    (moodwave's optional voice part) is missing."""
    try:
        import librosa  # noqa: F401
        import soundfile  # noqa: F401
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"Analysing audio files needs {exc.name}, an optional part of moodwave: "
            "pip install 'moodwave[voice]'",
            name=exc.name,
        ) from exc


def read_audio(path: Path) -> tuple[FloatArray, int]:
    """Mono samples in [-1, 1] and their rate; raises `AudioUnreadable`."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        start = max(0, int((info.duration - MAX_SECONDS) / 2 * info.samplerate))
        frames = int(MAX_SECONDS * info.samplerate)
        samples, rate = soundfile.read(str(path), start=start, frames=frames, always_2d=True)
    except (RuntimeError, TypeError, ValueError, soundfile.LibsndfileError) as exc:
        raise AudioUnreadable(f"not readable as audio ({exc})") from None
    mono = np.asarray(samples, dtype=np.float64).mean(axis=1)
    if len(mono) < rate // 2 or not np.any(mono):
        raise AudioUnreadable("shorter than half a second or silent")
    return mono, int(rate)


def analyse(samples: FloatArray, rate: int) -> AudioFeatures:
    """The features of a mono signal."""
    import librosa

    loudness = 20.0 * math.log10(max(float(np.sqrt(np.mean(samples**2))), 1e-10))
    y = (
        librosa.resample(samples, orig_sr=rate, target_sr=SAMPLE_RATE)
        if rate != SAMPLE_RATE
        else samples
    )
    y = y.astype(np.float32)
    envelope = librosa.onset.onset_strength(y=y, sr=SAMPLE_RATE, hop_length=HOP)
    onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=HOP)
    duration = len(y) / SAMPLE_RATE
    spectrum = np.abs(librosa.stft(y, hop_length=HOP))
    key, mode, strength = _key_and_mode(librosa.feature.chroma_stft(S=spectrum**2, sr=SAMPLE_RATE))
    return AudioFeatures(
        tempo=_tempo(envelope),
        loudness=loudness,
        mode=mode,
        key=key,
        mode_strength=strength,
        spectral_centroid=float(
            librosa.feature.spectral_centroid(S=spectrum, sr=SAMPLE_RATE).mean()
        ),
        spectral_rolloff=float(librosa.feature.spectral_rolloff(S=spectrum, sr=SAMPLE_RATE).mean()),
        spectral_flatness=float(librosa.feature.spectral_flatness(S=spectrum).mean()),
        onset_density=len(onsets) / duration,
        duration_s=duration,
    )


def _tempo(envelope: FloatArray) -> float:
    """librosa's tempo (its prior settles octave errors), refined to a fraction of a frame.

    librosa answers in whole frames of lag (117.5 or 123.0 BPM for a 120 BPM click), so the
    autocorrelation peak nearest its lag is interpolated with a parabola.
    """
    import librosa

    estimate = float(
        librosa.feature.tempo(onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=HOP)[0]
    )
    if estimate <= 0:
        return 0.0
    frames_per_minute = 60.0 * SAMPLE_RATE / HOP
    lag = round(frames_per_minute / estimate)
    centred = envelope - envelope.mean()
    correlation = np.correlate(centred, centred, mode="full")[len(centred) - 1 :]
    if not 2 <= lag < len(correlation) - 2:
        return estimate
    peak = lag - 1 + int(np.argmax(correlation[lag - 1 : lag + 2]))
    before, at, after = correlation[peak - 1 : peak + 2]
    bend = before - 2 * at + after
    shift = 0.5 * (before - after) / bend if bend < 0 else 0.0
    return frames_per_minute / (peak + shift)


def _key_and_mode(chroma: FloatArray) -> tuple[float, float, float]:
    profile = chroma.mean(axis=1)
    if not np.any(profile):
        return 0.0, 1.0, 0.0
    major = [_correlation(profile, np.roll(MAJOR_PROFILE, k)) for k in range(12)]
    minor = [_correlation(profile, np.roll(MINOR_PROFILE, k)) for k in range(12)]
    if max(major) >= max(minor):
        return float(np.argmax(major)), 1.0, max(major) - max(minor)
    return float(np.argmax(minor)), 0.0, max(minor) - max(major)


def _correlation(a: FloatArray, b: FloatArray) -> float:
    value = np.corrcoef(a, b)[0, 1]
    return float(value) if np.isfinite(value) else 0.0


def mood_of(tempo: float, loudness: float, mode: float) -> tuple[float, float]:
    """(valence, arousal) in [-1, 1] by the linear rule."""
    row = _design(np.asarray([[tempo, loudness, mode]], dtype=np.float64))[0]
    valence = float(row @ np.asarray(VALENCE_WEIGHTS))
    arousal = float(row @ np.asarray(AROUSAL_WEIGHTS))
    return max(-1.0, min(1.0, valence)), max(-1.0, min(1.0, arousal))


def song_from_audio(track_id: str, name: str, artist: str, features: AudioFeatures) -> Song:
    valence, arousal = mood_of(features.tempo, features.loudness, features.mode)
    return Song(
        track_id=track_id,
        name=name,
        artist=artist,
        valence=valence,
        arousal=arousal,
        duration_ms=int(features.duration_s * 1000),
        mood_source=MOOD_SOURCE,
        mood_confidence=MOOD_CONFIDENCE,
        features=features.as_features(),
    )


def _design(rows: FloatArray) -> FloatArray:
    """(tempo, loudness, mode) rows -> the rule's inputs; clipped so odd files stay in range."""
    tempo = np.clip(rows[:, 0], 40.0, 220.0)
    loudness = np.clip(rows[:, 1], -40.0, 0.0)
    return np.column_stack(
        [np.ones(len(rows)), (tempo - 120.0) / 30.0, (loudness + 8.0) / 4.0, rows[:, 2]]
    )


@dataclass(frozen=True)
class RuleFit:
    """Weights fitted on all songs and the cross-validated agreement of the rule."""

    songs: int
    valence_weights: tuple[float, ...]
    arousal_weights: tuple[float, ...]
    valence_r: float
    arousal_r: float


def fit_rule(songs: Sequence[Song], folds: int = 5) -> RuleFit:
    """Fit the rule on songs with Spotify features and measure it by k-fold cross-validation."""
    rows = np.asarray(
        [[s.features["tempo"], s.features["loudness"], s.features["mode"]] for s in songs]
    )
    design, target = _design(rows), np.asarray([(s.valence, s.arousal) for s in songs])
    predicted = _cross_validated(design, target, folds)
    weights = np.linalg.lstsq(design, target, rcond=None)[0]
    return RuleFit(
        len(songs),
        tuple(round(float(w), 4) for w in weights[:, 0]),
        tuple(round(float(w), 4) for w in weights[:, 1]),
        _correlation(predicted[:, 0], target[:, 0]),
        _correlation(predicted[:, 1], target[:, 1]),
    )


def _cross_validated(design: FloatArray, target: FloatArray, folds: int) -> FloatArray:
    order = np.random.default_rng(0).permutation(len(design))
    predicted = np.zeros_like(target)
    for fold in range(folds):
        test = order[fold::folds]
        train = np.setdiff1d(order, test)
        weights = np.linalg.lstsq(design[train], target[train], rcond=None)[0]
        predicted[test] = design[test] @ weights
    return predicted


DEAM_COLUMNS = {
    "loudness": "pcm_RMSenergy_sma_amean",
    "centroid": "pcm_fftMag_spectralCentroid_sma_amean",
    "rolloff": "pcm_fftMag_spectralRollOff90.0_sma_amean",
}


def deam_agreement(data_dir: Path) -> dict[str, dict[str, float]]:
    """5-fold CV Pearson r of linear models on DEAM's openSMILE song means vs its annotations."""
    annotations: dict[str, tuple[float, float]] = {}
    for name in ("1_2000", "2000_2058"):
        path = data_dir / f"deam/static_annotations_averaged_songs_{name}.csv"
        with path.open(newline="") as f:
            for row in csv.DictReader(f, skipinitialspace=True):
                annotations[row["song_id"].strip()] = (
                    float(row["valence_mean"]),
                    float(row["arousal_mean"]),
                )
    with (data_dir / "deam/specteral_data.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["song_id"].strip() in annotations]
    values = np.asarray([[float(r[c]) for c in DEAM_COLUMNS.values()] for r in rows])
    values[:, 0] = 20.0 * np.log10(np.maximum(values[:, 0], 1e-9))  # RMS -> dB, as ours
    standard = (values - values.mean(axis=0)) / values.std(axis=0)
    target = np.asarray([annotations[r["song_id"].strip()] for r in rows])
    results = {}
    for label, columns in (("loudness", [0]), ("loudness+centroid+rolloff", [0, 1, 2])):
        design = np.column_stack([np.ones(len(rows)), standard[:, columns]])
        predicted = _cross_validated(design, target, 5)
        results[label] = {
            "songs": float(len(rows)),
            "valence_r": _correlation(predicted[:, 0], target[:, 0]),
            "arousal_r": _correlation(predicted[:, 1], target[:, 1]),
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    from recommender.catalog import SPOTIFY_SONGS, load_spotify_songs

    parser = argparse.ArgumentParser(description="Fit and measure the audio-features-to-mood rule.")
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    fit = fit_rule(load_spotify_songs(args.data_dir / SPOTIFY_SONGS.relative_path))
    print(
        json.dumps(
            {"spotify_rule": asdict(fit), "deam_opensmile": deam_agreement(args.data_dir)}, indent=2
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
