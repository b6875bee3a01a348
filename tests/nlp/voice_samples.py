"""Voice notes made offline for the voice tests: espeak-ng speaks a sentence (any of its languages,
at a chosen speed, pitch and loudness), ffmpeg encodes it as Telegram sends voice messages (OGG/Opus,
48 kHz mono) or as MP3, M4A or WAV. `missing_tools()` names what is not installed, so the tests can
skip with a reason that says how to install it.
"""

from __future__ import annotations

import shutil
import subprocess

TOOLS = ("espeak-ng", "ffmpeg")
INSTALL_HINT = (
    "run scripts/install-system-packages.sh (as root) or apt-get install espeak-ng ffmpeg"
)
ENCODERS = {
    "ogg": ["-c:a", "libopus", "-b:a", "32k", "-ar", "48000", "-f", "ogg"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"],
    "wav": ["-c:a", "pcm_s16le", "-ar", "44100", "-f", "wav"],
}


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def speak(
    text: str, voice: str = "en-us", speed: int = 175, pitch: int = 50, amplitude: int = 100
) -> bytes:
    """WAV bytes of espeak-ng saying `text` (speed in words per minute, pitch and amplitude 0-99/200)."""
    command = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-a", str(amplitude)]
    return subprocess.run([*command, "--stdout", text], capture_output=True, check=True).stdout


def encode(audio: bytes, container: str = "ogg", input_args: tuple[str, ...] = ()) -> bytes:
    """`audio` (anything ffmpeg reads, or a lavfi source given in `input_args`) as mono `container`."""
    source = list(input_args) or ["-i", "pipe:0"]
    command = ["ffmpeg", "-loglevel", "error", "-nostdin", *source, "-ac", "1"]
    if container == "m4a":  # the MP4 muxer seeks back to write its index, so it cannot write a pipe
        command += [*ENCODERS[container], "-movflags", "frag_keyframe+empty_moov"]
    else:
        command += ENCODERS[container]
    result = subprocess.run([*command, "pipe:1"], input=audio, capture_output=True, check=True)
    return result.stdout


def telegram_note(text: str, voice: str = "en-us", **manner: int) -> bytes:
    """What a Telegram voice message of `text` looks like: OGG/Opus, 48 kHz, mono."""
    return encode(speak(text, voice, **manner), "ogg")


def silent_note(seconds: float) -> bytes:
    return encode(b"", "ogg", ("-f", "lavfi", "-i", f"anullsrc=r=48000:cl=mono:d={seconds}"))


def tone_note(seconds: float, container: str = "ogg") -> bytes:
    return encode(b"", container, ("-f", "lavfi", "-i", f"sine=f=220:r=16000:d={seconds}"))
