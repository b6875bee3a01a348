"""Real-time factor of the voice path: a 15-second voice note (espeak-ng speech as Telegram's
OGG/Opus 48 kHz mono) through `VoiceAnalyzer.analyse` (decode, VAD, faster-whisper, prosody, text
mood, fusion), after one warm-up call. RTF = analysis seconds / note seconds. Run:

    python benchmarks/voice_rtf.py --data-dir ../shared/data [--device cpu|cuda] [--repeats 5]
        [--model .cache/models/whisper-base] [--voice es]

`--model`: a faster-whisper folder (default: the bundled tiny.en); `--voice`: the note's language
(en-us, or es: a Spanish story of the same length, for a multilingual model).

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


STORIES = {
    "en-us": (STORY, 135),
    "es": (
        "Hoy empezó mal, perdí el autobús y manché mi camisa de café. Pero luego mi hermana me "
        "llamó con una gran noticia, se casa en junio, y ahora estoy emocionado y un poco nervioso.",
        120,
    ),
}


def fifteen_second_note(voice: str = "en-us") -> bytes:
    # espeak-ng at these speeds speaks each story in about 15 seconds.
    story, speed = STORIES[voice]
    return voice_samples.telegram_note(story, voice, speed=speed)


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
    parser.add_argument("--model", default=None, help="a faster-whisper folder (default tiny.en)")
    parser.add_argument("--voice", default="en-us", choices=sorted(STORIES))
    args = parser.parse_args()
    lexicon = LexiconEstimator.from_csv(args.data_dir / WARRINER.relative_path)
    # Every language is let through: the lexicon only fills in the mood here.
    languages = None if args.voice == "en-us" else (args.voice[:2], "en")
    analyzer = VoiceAnalyzer.load(lexicon, args.model, device=args.device, languages=languages)
    note = fifteen_second_note(args.voice)
    reading = analyzer.analyse(note, "audio/ogg")  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        analyzer.analyse(note, "audio/ogg")
        times.append(time.perf_counter() - start)
    stages = stage_seconds(analyzer, note)
    median = statistics.median(times)
    print(f"transcript ({reading.language}): {reading.transcript}")
    print("stages: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in stages.items()))
    print("| machine | model | note | note (s) | analyse, median of runs (s) | RTF |")
    print("|---|---|---|---|---|---|")
    machine = f"{platform.machine()} {os.cpu_count()} cores"
    print(
        f"| {machine} | {analyzer.transcriber.version} | {args.voice} | "
        f"{reading.duration_seconds:.1f} | "
        f"{median:.2f} (n={args.repeats}) | {median / reading.duration_seconds:.3f} |"
    )


if __name__ == "__main__":
    main()
