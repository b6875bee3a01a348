"""Throughput and latency of the text mood model: in process and over HTTP, at 1, 8 and 64
concurrent callers each sending one sentence at a time, plus plain batched throughput.

Sentences are EmoBank's test split (real text, 5 to 40 words). Run:

    python benchmarks/text_throughput.py --data-dir ../shared/data [--device cpu|cuda] [--precision auto|float32|bfloat16] [--seconds 10]

It prints a JSON object and the Markdown rows recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch
import uvicorn

from nlp.batching import BatchingEngine
from nlp.client import RemoteMoodEstimator
from nlp.emobank import load_emobank
from nlp.model_estimator import ModelMoodEstimator
from nlp.text_model import TextMoodModel
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
        "--precision", default="auto", help="auto, float32, bfloat16 or float16 (pick_dtype)"
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--callers", default="1,8,64")
    args = parser.parse_args()

    sentences, _ = load_emobank(args.data_dir / "emobank/corpus/emobank.csv", "test")
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
        "precision": str(model.dtype).removeprefix("torch."),
        "model_version": model.version,
        "batched_64_sentences_per_s": batched(model, sentences, 64, args.seconds),
        # What `moodwave analyze --jsonl` does: 256 lines at a time, sorted by length inside.
        "batched_256_sentences_per_s": batched(model, sentences, 256, args.seconds),
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
