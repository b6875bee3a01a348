"""Real-time factor of the voice path: a 15-second voice note (espeak-ng speech as Telegram's
OGG/Opus 48 kHz mono) through `VoiceAnalyzer.analyse` (decode, VAD, faster-whisper, prosody, text
mood, fusion), after one warm-up call. RTF = analysis seconds / note seconds. Run:

    python benchmarks/voice_rtf.py --data-dir ../shared/data [--device cpu|cuda] [--repeats 5]

It prints the stage timings of one call and the Markdown row recorded in docs/voice.md and
docs/benchmarks.md. The target on the 2-core development CPU: under 2 s for the 15-second note.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.lexicon import WARRINER, LexiconEstimator
from nlp.voice.analyzer import VoiceAnalyzer
from nlp.voice.prosody import measure_prosody, prosody_arousal
from tests.nlp import voice_samples

STORY = (
    "Today started badly, I missed the bus and spilled coffee on my shirt. "
    "But then my sister called with great news, she is getting married in June, "
    "and now I feel excited and a little nervous about the whole thing."
)


def fifteen_second_note() -> bytes:
    # espeak-ng at 135 words a minute speaks the story in about 15 seconds.
    return voice_samples.telegram_note(STORY, speed=135)


def stage_seconds(analyzer: VoiceAnalyzer, note: bytes) -> dict[str, float]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    audio = analyzer.decoder.decode(note, "audio/ogg")
    timings["decode"] = time.perf_counter() - start
    start = time.perf_counter()
    spans = analyzer.detector.find_speech(audio.samples)
    timings["vad"] = time.perf_counter() - start
    start = time.perf_counter()
    transcript = analyzer.transcriber.transcribe(spans.speech_of(audio.samples))
    timings["whisper"] = time.perf_counter() - start
    start = time.perf_counter()
    prosody_arousal(measure_prosody(audio.samples, spans))
    timings["prosody (beside whisper in analyse)"] = time.perf_counter() - start
    start = time.perf_counter()
    analyzer.text_estimator.estimate(transcript.text)
    timings["text mood"] = time.perf_counter() - start
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lexicon = LexiconEstimator.from_csv(args.data_dir / WARRINER.relative_path)
    analyzer = VoiceAnalyzer.load(lexicon, device=args.device)
    note = fifteen_second_note()
    reading = analyzer.analyse(note, "audio/ogg")  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        analyzer.analyse(note, "audio/ogg")
        times.append(time.perf_counter() - start)
    stages = stage_seconds(analyzer, note)
    median = statistics.median(times)
    print(f"transcript: {reading.transcript}")
    print("stages: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in stages.items()))
    print("| machine | device | note (s) | analyse, median of runs (s) | RTF |")
    print("|---|---|---|---|---|")
    machine = f"{platform.machine()} {os.cpu_count()} cores"
    print(
        f"| {machine} | {analyzer.transcriber.version} | {reading.duration_seconds:.1f} | "
        f"{median:.2f} (n={args.repeats}) | {median / reading.duration_seconds:.3f} |"
    )


if __name__ == "__main__":
    main()
