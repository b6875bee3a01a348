"""CPU cost of one forward pass of the text mood model by batch size: what batching saves.

One pass reads all of the model's weights whatever the batch, so on a CPU small batches cost
little more than one text; this is the figure behind `MOODWAVE_TEXT_BATCH_WAIT_MS`. The texts are
the load benchmark's short chat moods. Run:

    python benchmarks/text_batch_cost.py [--precision auto|float32|bfloat16] [--threads 1]
        [--repeats 60]

Prints, per batch size, the CPU milliseconds per pass and per text (process time, so other work on
the machine does not count), as JSON and as Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from bot.settings import Settings
from nlp.text_model import TextMoodModel

MOODS = [
    "I feel so happy today",
    "tired and a bit sad",
    "anxious about tomorrow",
    "calm and relaxed",
    "really angry right now",
    "excited for the weekend!",
    "lonely tonight",
    "content and grateful",
    "bored out of my mind",
    "stressed but hopeful",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the bot uses 1)")
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--sizes", default="1,2,4,8")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    model = TextMoodModel.load(settings.text_model_weights, None, "cpu", args.precision)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        batch = (MOODS * (size // len(MOODS) + 1))[:size]
        for _ in range(5):
            model.predict(batch)
        began = time.process_time()
        for _ in range(args.repeats):
            model.predict(batch)
        per_pass = 1000 * (time.process_time() - began) / args.repeats
        rows.append(
            {
                "batch": size,
                "cpu_ms_per_pass": round(per_pass, 2),
                "cpu_ms_per_text": round(per_pass / size, 2),
            }
        )
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
                "precision": args.precision,
                "threads": args.threads,
                "rows": rows,
            },
            indent=2,
        )
    )
    for row in rows:
        print(f"| {row['batch']} | {row['cpu_ms_per_pass']} ms | {row['cpu_ms_per_text']} ms |")


if __name__ == "__main__":
    main()
