"""Research export at scale: a simulated study of N recommendations written into a fresh SQLite
database, then `export_study` to CSV (or Parquet), measuring rows/s and the peak memory of the export.

    python benchmarks/research_export.py [--recommendations 1000000] [--format csv|parquet]
        [--chunk 2000] [--keep DIR]

The export reads `chunk` recommendations at a time, so its memory should not grow with N: the peak
resident memory is measured in a fresh child process that only exports (the simulation's memory is
not counted), and reported with the file size.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECRET = "benchmark-research-secret-0001"


def _export(url: str, out: str, fmt: str, chunk: int, result: mp.Queue) -> None:  # type: ignore[type-arg]
    from storage import make_engine
    from storage.export import export_study

    before = _high_water_mib()
    start = time.perf_counter()
    summary = export_study(make_engine(url), Path(out), fmt, SECRET, chunk=chunk)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    peak = _high_water_mib()
    result.put(
        {
            "rows": summary.rows,
            "seconds": round(seconds, 1),
            "rows_per_s": round(summary.rows / seconds),
            "peak_rss_mib": round(peak, 1),
            "rss_before_export_mib": round(before, 1),
            "file_mib": round(summary.path.stat().st_size / 2**20, 1),
            "songs_and_reactions_mib": round(
                (summary.songs.stat().st_size + summary.reactions.stat().st_size) / 2**20, 1
            ),
        }
    )


def _high_water_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's ru_maxrss it does not carry
    over the parent's peak into a spawned child)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recommendations", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="keep the database and export in this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: export the study.db already there"
    )
    args = parser.parse_args()

    from research.simulate import SimulatedStudy, simulate_into
    from storage import make_engine, upgrade

    folder = args.keep or Path(tempfile.mkdtemp(prefix="moodwave-export-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'study.db'}"
    simulated = 0.0
    reuse = args.reuse and (folder / "study.db").is_file()
    engine = make_engine(url)
    upgrade(engine)  # a kept database gets the latest schema (and indexes) too
    if not reuse:
        people = max(1, args.recommendations // 20)
        start = time.perf_counter()
        simulate_into(engine, SimulatedStudy(people=people, per_person=20, seed=1), chunk=20_000)
        simulated = time.perf_counter() - start
    engine.dispose()

    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    child = ctx.Process(
        target=_export, args=(url, str(folder / "export"), args.format, args.chunk, queue)
    )
    child.start()
    figures = queue.get()
    child.join()
    figures.update(
        {
            "recommendations": args.recommendations,
            "format": args.format,
            "chunk": args.chunk,
            "simulate_seconds": round(simulated, 1),
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}",
        }
    )
    print(json.dumps(figures, indent=2))
    print(
        f"| {args.recommendations:,} | {args.format} | {figures['rows']:,} | "
        f"{figures['seconds']} s | {figures['rows_per_s']:,}/s | "
        f"{figures['peak_rss_mib']} MiB | {figures['file_mib']} MiB |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
