"""Voice notes in other languages: is the mood better read from Whisper's own-language transcript by
the multilingual text estimator, or from Whisper's English translation (task="translate") by the
English model? XED subtitle lines (the language's projections, not used to train or tune either
model) labelled with one pleasant (joy, trust) or unpleasant (anger, disgust, fear, sadness)
emotion, N of each drawn with a fixed seed, spoken by espeak-ng and read three ways:

- `written`: the multilingual estimator on the subtitle as written (no speech: the ceiling);
- `transcript`: Whisper base transcribes in the language (the person's language as the hint, as
  the bot does) and the multilingual estimator reads it in that language;
- `translation`: Whisper base translates to English and the English model reads that.

Valence AUC (pleasant above unpleasant) of each. Run (after `moodwave models fetch whisper-base`,
with the multilingual text estimator installed):

    python benchmarks/voice_translate_vs_multilingual.py --data-dir ../shared/data \
        --model .cache/models/whisper-base --langs es,de,fr --per-side 30
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.factory import TextEstimatorSpec, VoiceSpec, build_text_estimator, build_voice_analyzer
from nlp.mood import LanguageAwareEstimator
from nlp.scores import auc
from nlp.voice.transcribe import WhisperTranscriber
from nlp.xed import PLEASANT, UNPLEASANT, default_path, read_single_emotion
from tests.nlp import voice_samples

MIN_WORDS, MAX_WORDS = (
    4,
    20,
)  # a line short enough to be one voice note, long enough to say something


def sample(data_dir: Path, lang: str, per_side: int, seed: int) -> list[tuple[str, bool]]:
    lines = read_single_emotion(default_path(data_dir, lang))
    pleasant: list[str] = []
    unpleasant: list[str] = []
    for text, emotion in zip(lines.texts, lines.emotions, strict=True):
        if MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            if emotion in PLEASANT:
                pleasant.append(text)
            elif emotion in UNPLEASANT:
                unpleasant.append(text)
    rng = random.Random(seed)
    chosen = [(t, True) for t in rng.sample(pleasant, per_side)]
    return chosen + [(t, False) for t in rng.sample(unpleasant, per_side)]


def valence_auc(valences: list[float], pleasant: list[bool]) -> float:
    v = np.asarray(valences, dtype=np.float64)
    p = np.asarray(pleasant)
    return auc(v[p], v[~p])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--model", default=".cache/models/whisper-base")
    parser.add_argument("--langs", default="es,de,fr")
    parser.add_argument("--per-side", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    spec = TextEstimatorSpec(kind="student", device="cpu", multilingual=True)
    estimator = build_text_estimator(spec)
    assert isinstance(estimator, LanguageAwareEstimator), "needs the multilingual text estimator"
    analyzer = build_voice_analyzer(estimator, VoiceSpec(args.model, "cpu"))
    transcriber = analyzer.transcriber
    assert isinstance(transcriber, WhisperTranscriber) and transcriber.multilingual
    print(
        "| language | lines (pleasant + unpleasant) | written | transcript (multilingual) "
        "| translation (English model) | refused or empty |"
    )
    print("|---|---|---|---|---|---|")
    for lang in args.langs.split(","):
        lines = sample(args.data_dir, lang, args.per_side, args.seed)
        written: list[float] = []
        heard: list[float] = []
        translated: list[float] = []
        kept: list[bool] = []
        lost = 0
        start = time.perf_counter()
        for text, pleasant in lines:
            # A subtitle's leading dash (a speaker change) would read as an espeak-ng option.
            spoken = text.lstrip("-–— ")
            note = analyzer.decoder.decode(voice_samples.telegram_note(spoken, lang), "audio/ogg")
            spans = analyzer.detector.find_speech(note.samples)
            speech = spans.speech_of(note.samples)
            transcript = transcriber.transcribe(speech, lang).text
            # The same loaded model, asked for an English translation.
            segments, _ = transcriber._model.transcribe(
                speech,
                language=lang,
                task="translate",
                beam_size=transcriber.beam_size,
                temperature=0.0,
                condition_on_previous_text=False,
                without_timestamps=True,
            )
            english = " ".join(s.text.strip() for s in segments).strip()
            if not transcript or not english:
                lost += 1
                continue
            written.append(estimator.estimate_in(text, lang).valence)
            heard.append(estimator.estimate_in(transcript, lang).valence)
            translated.append(estimator.estimate_in(english, "en").valence)
            kept.append(pleasant)
        print(
            f"| {lang} | {sum(kept)} + {len(kept) - sum(kept)} | "
            f"{valence_auc(written, kept):.3f} | {valence_auc(heard, kept):.3f} | "
            f"{valence_auc(translated, kept):.3f} | {lost} |",
            flush=True,
        )
        print(f"<!-- {lang}: {time.perf_counter() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
