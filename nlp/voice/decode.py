"""Voice-note bytes to 16 kHz mono float32 samples, with PyAV (FFmpeg's libraries, in memory, no
subprocess and no temporary file). Accepted: OGG/Opus (Telegram and Discord voice messages), MP3,
M4A/MP4 (AAC), WAV, and also WebM and FLAC. The container is recognised from its first bytes, not
from the declared MIME type, because chat platforms label files loosely; bytes that are no audio
container at all are an unsupported format, bytes that look like one but do not decode are corrupt.
The length limit is checked on the container's declared duration before anything is decoded, and
again on the samples while decoding, which stops as soon as the limit is passed: an hour-long file
costs one header read (or at most the limit's worth of decoding), and a note over the limit is
refused with a message, never cut short silently.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from nlp.voice.rejected import RejectReason, VoiceRejected

SAMPLE_RATE = 16_000
DEFAULT_MAX_SECONDS = 120.0
# A 2-minute WAV at 48 kHz stereo is about 23 MB; Telegram bots cannot download files over 20 MB.
MAX_AUDIO_BYTES = 25_000_000
# Encoders pad a note by a few tens of milliseconds; a 2:00.3 note is not "over 2 minutes" to a person.
LENGTH_TOLERANCE_SECONDS = 0.5
FORMATS_FOR_PEOPLE = "OGG/Opus voice messages, MP3, M4A, WAV, WebM or FLAC"
AUDIO_MIME_TYPES = frozenset(
    {
        "audio/ogg",
        "audio/opus",
        "audio/mpeg",
        "audio/mp3",
        "audio/mp4",
        "audio/m4a",
        "audio/x-m4a",
        "audio/aac",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/webm",
        "audio/flac",
        "audio/x-flac",
        "video/mp4",
        "video/webm",
        "application/ogg",
    }
)

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DecodedAudio:
    """A whole note as 16 kHz mono samples in [-1, 1] and the container it came in."""

    samples: Samples
    container: str

    @property
    def duration_seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def sniff_container(audio: bytes) -> str | None:
    """The audio container these bytes start with, or None when they are no audio we read."""
    head = audio[:16]
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _base_mime(mime_type: str) -> str:
    return mime_type.split(";", 1)[0].strip().lower()


class AudioDecoder:
    """Stateless, so one instance serves every thread."""

    def __init__(self, max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        self.max_seconds = max_seconds

    def decode(self, audio: bytes, mime_type: str = "audio/ogg") -> DecodedAudio:
        container = self._recognise(audio, mime_type)
        try:
            samples = self._decode(audio)
        except VoiceRejected:
            raise
        except (av.FFmpegError, ValueError, IndexError, MemoryError) as exc:
            raise _corrupt(container) from exc
        if samples.size == 0:
            raise VoiceRejected(
                RejectReason.EMPTY,
                "Your voice note has no sound in it. Record it again and hold the button while "
                "you speak.",
            )
        return DecodedAudio(samples, container)

    def _recognise(self, audio: bytes, mime_type: str) -> str:
        if not audio:
            raise VoiceRejected(
                RejectReason.EMPTY, "Your voice note arrived empty. Please record it again."
            )
        if len(audio) > MAX_AUDIO_BYTES:
            raise VoiceRejected(
                RejectReason.TOO_LARGE,
                f"That file is too big for me ({len(audio) / 1e6:.0f} MB; at most "
                f"{MAX_AUDIO_BYTES / 1e6:.0f} MB). A voice note of up to {self.limit_words} works.",
            )
        container = sniff_container(audio)
        if container is not None:
            return container
        if _base_mime(mime_type) in AUDIO_MIME_TYPES:
            raise _corrupt(_base_mime(mime_type).split("/")[1])
        raise VoiceRejected(
            RejectReason.UNSUPPORTED_FORMAT,
            f"I can't listen to that kind of file ({_base_mime(mime_type) or 'unknown type'}). "
            f"Send a voice message, or audio as {FORMATS_FOR_PEOPLE}.",
        )

    def _decode(self, audio: bytes) -> Samples:
        with av.open(io.BytesIO(audio), mode="r") as source:
            if not source.streams.audio:
                raise VoiceRejected(
                    RejectReason.UNSUPPORTED_FORMAT,
                    "That file has no sound track. Send a voice message or an audio file.",
                )
            self._check_declared_length(source)
            return self._read_samples(source)

    def _check_declared_length(self, source: av.container.InputContainer) -> None:
        # FFmpeg reads the duration from the header (WAV, M4A, MP3 with a Xing/VBRI frame) or the
        # last OGG page; it is in microseconds, and absent for some streams (then decoding guards).
        if source.duration is not None:
            self._check_length(source.duration / 1_000_000)

    def _read_samples(self, source: av.container.InputContainer) -> Samples:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[Samples] = []
        decoded = 0
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                chunks.append(_as_samples(chunk))
                decoded += chunks[-1].size
            self._check_length(decoded / SAMPLE_RATE)
        for chunk in resampler.resample(None):
            chunks.append(_as_samples(chunk))
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return np.clip(samples, -1.0, 1.0).astype(np.float32, copy=False)

    def _check_length(self, seconds: float) -> None:
        if seconds > self.max_seconds + LENGTH_TOLERANCE_SECONDS:
            raise VoiceRejected(
                RejectReason.TOO_LONG,
                f"Your voice note is longer than I can listen to (at most {self.limit_words}). "
                "Please send a shorter one; a few sentences about how you feel are plenty.",
            )

    @property
    def limit_words(self) -> str:
        seconds = round(self.max_seconds)
        if seconds % 60 == 0:
            minutes = seconds // 60
            return f"{minutes} minute" + ("s" if minutes != 1 else "")
        return f"{seconds} seconds"


def _as_samples(frame: av.AudioFrame) -> Samples:
    # The resampler was asked for packed float32 mono, so this is a view, not a conversion.
    return np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)


def _corrupt(container: str) -> VoiceRejected:
    return VoiceRejected(
        RejectReason.CORRUPT,
        f"I couldn't play that {container.upper()} file; it seems damaged or incomplete. "
        "Please record or send it again.",
    )
