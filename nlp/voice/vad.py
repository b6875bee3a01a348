"""Where the speech is in a note, with silero-vad (its weights ship inside the PyPI package, so this
works offline). The analyzer keeps only the speech for speech to text and pitch, and uses the gaps
between speech spans as the pauses of the prosody. A note with no speech at all (an empty recording,
a pocket recording, a few breaths) is refused here with a kind message instead of being transcribed
into whatever Whisper imagines in silence.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from nlp.voice.decode import SAMPLE_RATE, Samples
from nlp.voice.rejected import RejectReason, VoiceRejected

# Below this peak amplitude (-80 dBFS) a note is digital silence: no need to run the model.
SILENCE_PEAK = 1e-4
# Less speech than this is a cough or a click, not something said.
MIN_SPEECH_SECONDS = 0.3
SILENT_MESSAGE = (
    "I couldn't hear anyone speaking in your voice note. Try again a little closer to the "
    "microphone, or just type how you feel."
)


@dataclass(frozen=True)
class SpeechSpans:
    """Speech intervals of a note, in samples at 16 kHz, in order and not overlapping."""

    spans: tuple[tuple[int, int], ...]

    @property
    def speech_seconds(self) -> float:
        return sum(end - start for start, end in self.spans) / SAMPLE_RATE

    @property
    def pause_seconds(self) -> float:
        """Silence between the first and the last word; silence before and after does not count."""
        if not self.spans:
            return 0.0
        spoken = (self.spans[-1][1] - self.spans[0][0]) / SAMPLE_RATE
        return max(0.0, spoken - self.speech_seconds)

    def speech_of(self, samples: Samples) -> Samples:
        return np.concatenate([samples[start:end] for start, end in self.spans])


def _load_silero() -> Any:
    # Importing silero_vad sets torch's global thread count to 1 as a side effect, which would
    # slow every other torch model in the process (the text mood model); put it back.
    threads = torch.get_num_threads()
    from silero_vad import load_silero_vad

    torch.set_num_threads(threads)
    with warnings.catch_warnings():  # silero's own use of a deprecated importlib API
        warnings.simplefilter("ignore", DeprecationWarning)
        return load_silero_vad(onnx=True)


class SpeechDetector:
    """silero-vad over a whole note. The model keeps state between chunks, so calls are serialised
    with a lock; it reads a minute of audio in well under a second, so the lock is not a bottleneck.
    """

    def __init__(self, threshold: float = 0.5, min_silence_ms: int = 150, pad_ms: int = 30) -> None:
        self.threshold = threshold
        self.min_silence_ms = min_silence_ms
        self.pad_ms = pad_ms
        self._model = _load_silero()
        self._lock = threading.Lock()

    def find_speech(self, samples: Samples) -> SpeechSpans:
        """The speech in `samples`; VoiceRejected when there is none worth reading."""
        if samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_PEAK:
            raise VoiceRejected(RejectReason.SILENT, SILENT_MESSAGE)
        spans = SpeechSpans(tuple(self._timestamps(samples)))
        if spans.speech_seconds < MIN_SPEECH_SECONDS:
            raise VoiceRejected(RejectReason.SILENT, SILENT_MESSAGE)
        return spans

    def _timestamps(self, samples: Samples) -> list[tuple[int, int]]:
        from silero_vad import get_speech_timestamps

        with self._lock:
            found = get_speech_timestamps(
                torch.from_numpy(samples),
                self._model,
                threshold=self.threshold,
                sampling_rate=SAMPLE_RATE,
                min_silence_duration_ms=self.min_silence_ms,
                speech_pad_ms=self.pad_ms,
            )
        return [(int(span["start"]), int(span["end"])) for span in found]
