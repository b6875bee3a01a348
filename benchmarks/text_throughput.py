"""Throughput and latency of the text mood model: in process and over HTTP, at 1, 8 and 64
concurrent callers each sending one sentence at a time, plus plain batched throughput.

Sentences are EmoBank's test split (real text, 5 to 40 words). Run:

    python benchmarks/text_throughput.py --data-dir ../shared/data [--model student|teacher]
        [--device cpu|cuda] [--precision auto|float32|bfloat16|float16|int8] [--seconds 10]
        [--isa avx2] [--batch-sizes 64,256]

`--model teacher` loads the teacher (nlp/weights/text-va-teacher) on the all-mpnet-base-v2 folder
given by `--teacher-base` (default: the one `moodwave models fetch mpnet` installs). `--isa avx2`
runs the CPU as one without AVX-512, bfloat16 or AMX would run: torch's own kernels, MKL and
oneDNN are capped at AVX2 through their environment switches, and the int8 kernels use oneDNN
(an emulation of, for example, an AMD EPYC of the Zen 2/3 generations; the clock and caches stay
this machine's). It prints a JSON object and the Markdown rows recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
if "--isa" in sys.argv and sys.argv[sys.argv.index("--isa") + 1].lower() == "avx2":
    # Must be set before torch loads its libraries.
    os.environ.update(
        ATEN_CPU_CAPABILITY="avx2", MKL_ENABLE_INSTRUCTIONS="AVX2", ONEDNN_MAX_CPU_ISA="AVX2"
    )

import torch
import uvicorn

from nlp import text_model
from nlp.batching import BatchingEngine
from nlp.client import RemoteMoodEstimator
from nlp.emobank import load_emobank
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TEACHER_WEIGHTS_DIR, TextMoodModel
from nlp.worker import create_app


def run_callers(
    call: Callable[[str], object], sentences: list[str], callers: int, seconds: float
) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def caller(offset: int) -> None:
        mine: list[float] = []
        i = offset
        while time.perf_counter() < stop:
            start = time.perf_counter()
            call(sentences[i % len(sentences)])
            mine.append(time.perf_counter() - start)
            i += callers
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(callers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "callers": callers,
        "sentences_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 2),
        "requests": len(latencies),
    }


def batched(model: TextMoodModel, sentences: list[str], batch: int, seconds: float) -> float:
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        chunk = sentences[done % len(sentences) :][:batch]
        model.predict(chunk)
        done += len(chunk)
    return round(done / (time.perf_counter() - began), 1)


def start_worker(estimator: ModelMoodEstimator) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(estimator), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("MOODWAVE_DATA_DIR", "../shared/data"))
    )
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--precision",
        default="auto",
        help="auto, float32, bfloat16, float16 or int8 (nlp.text_model.pick_precision)",
    )
    parser.add_argument("--model", choices=("student", "teacher"), default="student")
    parser.add_argument(
        "--teacher-base",
        default=str(Path.home() / ".local/share/moodwave/models/all-mpnet-base-v2"),
    )
    parser.add_argument("--isa", choices=("native", "avx2"), default="native")
    parser.add_argument("--batch-sizes", default="64,256", help="batched-throughput batch sizes")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--callers", default="1,8,64")
    args = parser.parse_args()

    sentences, _ = load_emobank(args.data_dir / "emobank/corpus/emobank.csv", "test")
    if args.isa == "avx2":
        torch.backends.quantized.engine = "onednn"
        # /proc/cpuinfo still lists this CPU's bfloat16 hardware; `auto` must choose as on a CPU
        # without it.
        text_model.cpu_has_native_bfloat16 = lambda *_: False
    if args.model == "teacher":
        model = TextMoodModel.load(
            TEACHER_WEIGHTS_DIR, args.teacher_base, device=args.device, precision=args.precision
        )
    else:
        model = TextMoodModel.load(device=args.device, precision=args.precision)
    engine = BatchingEngine(model)
    estimator = ModelMoodEstimator(model, engine)
    estimator.estimate_many(sentences[:64])  # warm up
    url, server = start_worker(estimator)
    remote = RemoteMoodEstimator(url, timeout=30)
    result: dict[str, object] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, threads {torch.get_num_threads()}",
        "device": str(model.device),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "precision": model.precision,
        "model_version": model.version,
        # 256 is what `moodwave analyze --jsonl` hands the model at a time (sorted by length).
        **{
            f"batched_{size}_sentences_per_s": batched(model, sentences, size, args.seconds)
            for size in (int(b) for b in args.batch_sizes.split(","))
        },
        "in_process": [],
        "http": [],
    }
    for callers in (int(c) for c in args.callers.split(",")):
        result["in_process"].append(
            run_callers(estimator.estimate, sentences, callers, args.seconds)
        )  # type: ignore[union-attr]
        result["http"].append(run_callers(remote.estimate, sentences, callers, args.seconds))  # type: ignore[union-attr]
    server.should_exit = True
    engine.close()
    print(json.dumps(result, indent=2))
    print()
    print("| path | callers | sentences/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for path in ("in_process", "http"):
        for row in result[path]:  # type: ignore[attr-defined]
            print(
                f"| {path} | {row['callers']} | {row['sentences_per_s']} | {row['p50_ms']} | {row['p99_ms']} |"
            )


if __name__ == "__main__":
    main()
