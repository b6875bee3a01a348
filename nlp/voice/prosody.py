"""How a note was said, with librosa, and the arousal that follows from it. Speech arousal shows in
five cues (Scherer 2003; Juslin & Laukka 2003): excited speech is higher, more varied in pitch,
louder, faster and less broken by pauses; calm speech the opposite. We measure each on the speech
the VAD found: pitch level (median pyin F0 of voiced frames) and pitch range (10th to 90th
percentile, in semitones), loudness (median frame RMS in dBFS), speaking rate (syllable nuclei per
second of speech: peaks of the loudness envelope in voiced frames, after de Jong & Wempe 2009) and
the pause ratio (silence between the first and last word). Each cue becomes a score in [-1, 1] with
`tanh((value - neutral) / spread)` against the neutral values of conversational speech in the table
below; prosody arousal is their weighted mean. Confidence grows with the seconds of speech and never
exceeds 0.8, because without a speaker's own baseline a naturally high voice reads as more aroused
than it is (hence the small weight of pitch level).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType

import librosa
import numpy as np
from scipy.signal import find_peaks, resample_poly

from nlp.voice.decode import SAMPLE_RATE, Samples
from nlp.voice.vad import SpeechSpans

VERSION = "prosody-v1"


@dataclass(frozen=True)
class Cue:
    """One prosodic cue's neutral value, spread and weight; `rises` is False for pauses."""

    neutral: float
    spread: float
    weight: float
    rises: bool = True

    def score(self, value: float) -> float:
        signed = (value - self.neutral) / self.spread
        return math.tanh(signed if self.rises else -signed)


# Neutral values: conversational speech of adults (pitch level midway between typical male ~110 Hz
# and female ~200 Hz, in semitones re 140 Hz; ~4 syllables/s; about a fifth of the time in pauses).
# Rate and pitch range carry most weight: they depend least on the microphone and the speaker.
CUES: Mapping[str, Cue] = MappingProxyType(
    {
        "pitch_level": Cue(neutral=0.0, spread=6.0, weight=0.15),
        "pitch_range": Cue(neutral=4.0, spread=3.0, weight=0.2),
        "loudness": Cue(neutral=-26.0, spread=8.0, weight=0.15),
        "speaking_rate": Cue(neutral=4.0, spread=1.5, weight=0.35),
        "pause_ratio": Cue(neutral=0.2, spread=0.15, weight=0.15, rises=False),
    }
)
PITCH_REFERENCE_HZ = 140.0
MAX_CONFIDENCE = 0.8
CONFIDENCE_SECONDS = 2.0  # confidence reaches 63% of the maximum after this much speech
MIN_VOICED_SECONDS = 0.3  # less voicing than this gives no trustworthy pitch

# pyin at 8 kHz with 30 ms hops, 60-400 Hz: speech pitch only, and about 4x cheaper than pyin's
# defaults at 16 kHz (15 s of speech in about 0.4 s on one core).
PITCH_RATE = 8_000
PITCH_FRAME = 512
PITCH_HOP = 240
PITCH_MIN_HZ = 60.0
PITCH_MAX_HZ = 400.0
ENVELOPE_FRAME = 400  # 25 ms at 16 kHz
ENVELOPE_HOP = 160  # 10 ms
NUCLEUS_DIP_DB = 2.0  # de Jong & Wempe: a syllable is a loudness peak with a 2 dB dip around it
NUCLEUS_FLOOR_DB = 25.0  # peaks this far under the loudest frames are background, not syllables
NUCLEUS_MIN_GAP_S = 0.08  # no one says more than ~12 syllables a second


@dataclass(frozen=True)
class ProsodyFeatures:
    pitch_hz: float | None  # None when too little of the note was voiced to measure pitch
    pitch_range_semitones: float | None
    loudness_dbfs: float
    speaking_rate: float  # syllable nuclei per second of speech
    pause_ratio: float
    speech_seconds: float
    voiced_seconds: float

    def to_dict(self) -> dict[str, float | None]:
        return asdict(self)


@dataclass(frozen=True)
class ProsodyReading:
    arousal: float
    confidence: float
    features: ProsodyFeatures
    cues: Mapping[str, float]  # each cue's score in [-1, 1], for explanations and research logs

    def to_dict(self) -> dict[str, object]:
        return {
            "arousal": self.arousal,
            "confidence": self.confidence,
            "features": self.features.to_dict(),
            "cues": dict(self.cues),
            "version": VERSION,
        }


def measure_prosody(samples: Samples, spans: SpeechSpans) -> ProsodyFeatures:
    """The prosodic features of the speech in `samples` (16 kHz mono)."""
    speech = spans.speech_of(samples)
    f0, voiced = _pitch_track(speech)
    envelope_db = _loudness_envelope(speech)
    pitch_hz, pitch_range = _pitch_level_and_range(f0[voiced])
    speech_seconds = spans.speech_seconds
    return ProsodyFeatures(
        pitch_hz=pitch_hz,
        pitch_range_semitones=pitch_range,
        loudness_dbfs=float(np.median(envelope_db)),
        speaking_rate=_syllable_nuclei(envelope_db, voiced) / speech_seconds,
        pause_ratio=spans.pause_seconds / (spans.pause_seconds + speech_seconds),
        speech_seconds=speech_seconds,
        voiced_seconds=float(np.count_nonzero(voiced)) * PITCH_HOP / PITCH_RATE,
    )


def prosody_arousal(features: ProsodyFeatures) -> ProsodyReading:
    """The documented rule: weighted mean of the cue scores, weights renormalised over the cues
    that could be measured; confidence from the seconds of speech and the share of cues measured."""
    values = _cue_values(features)
    scores = {name: CUES[name].score(value) for name, value in values.items()}
    weight = sum(CUES[name].weight for name in scores)
    arousal = sum(CUES[name].weight * score for name, score in scores.items()) / weight
    coverage = weight / sum(cue.weight for cue in CUES.values())
    certainty = 1.0 - math.exp(-features.speech_seconds / CONFIDENCE_SECONDS)
    return ProsodyReading(
        arousal=round(arousal, 4),
        confidence=round(MAX_CONFIDENCE * certainty * coverage, 4),
        features=features,
        cues=MappingProxyType({name: round(score, 4) for name, score in scores.items()}),
    )


def warm_up() -> None:
    """Compile librosa's numba kernels now (about 2 s), so the first voice note does not pay it."""
    seconds = np.arange(SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
    vowel = (0.3 * np.sin(2 * np.pi * 150.0 * seconds)).astype(np.float32)
    measure_prosody(vowel, SpeechSpans(((0, len(vowel)),)))


def _cue_values(features: ProsodyFeatures) -> dict[str, float]:
    values = {
        "loudness": features.loudness_dbfs,
        "speaking_rate": features.speaking_rate,
        "pause_ratio": features.pause_ratio,
    }
    if features.pitch_hz is not None and features.pitch_range_semitones is not None:
        values["pitch_level"] = 12.0 * math.log2(features.pitch_hz / PITCH_REFERENCE_HZ)
        values["pitch_range"] = features.pitch_range_semitones
    return values


def _pitch_track(speech: Samples) -> tuple[np.ndarray, np.ndarray]:
    """pyin F0 (Hz, NaN where unvoiced) and the voiced flags, one per 30 ms."""
    low_rate = resample_poly(speech, PITCH_RATE, SAMPLE_RATE).astype(np.float32)
    f0, voiced, _ = librosa.pyin(
        low_rate,
        fmin=PITCH_MIN_HZ,
        fmax=PITCH_MAX_HZ,
        sr=PITCH_RATE,
        frame_length=PITCH_FRAME,
        hop_length=PITCH_HOP,
    )
    return f0, voiced.astype(bool)


def _pitch_level_and_range(voiced_f0: np.ndarray) -> tuple[float | None, float | None]:
    if len(voiced_f0) * PITCH_HOP / PITCH_RATE < MIN_VOICED_SECONDS:
        return None, None
    semitones = 12.0 * np.log2(voiced_f0 / PITCH_REFERENCE_HZ)
    low, high = np.percentile(semitones, [10, 90])
    return float(np.median(voiced_f0)), float(high - low)


def _loudness_envelope(speech: Samples) -> np.ndarray:
    """Frame RMS in dB re full scale, every 10 ms, lightly smoothed so one syllable is one peak."""
    rms = librosa.feature.rms(y=speech, frame_length=ENVELOPE_FRAME, hop_length=ENVELOPE_HOP)[0]
    smooth = np.convolve(rms, np.ones(3) / 3.0, mode="same")
    return 20.0 * np.log10(np.maximum(smooth, 1e-6))


def _syllable_nuclei(envelope_db: np.ndarray, voiced: np.ndarray) -> int:
    floor = float(np.percentile(envelope_db, 99)) - NUCLEUS_FLOOR_DB
    frame_seconds = ENVELOPE_HOP / SAMPLE_RATE
    peaks, _ = find_peaks(
        envelope_db,
        height=floor,
        prominence=NUCLEUS_DIP_DB,
        distance=max(1, round(NUCLEUS_MIN_GAP_S / frame_seconds)),
    )
    # A nucleus is a vowel: keep peaks that fall in a voiced pitch frame.
    pitch_frames = np.minimum(
        (peaks * frame_seconds * PITCH_RATE / PITCH_HOP).astype(int), len(voiced) - 1
    )
    return int(np.count_nonzero(voiced[pitch_frames])) if len(voiced) else 0
