"""Benchmark: one client end to end, and the batch speed-up with two jobs.

Run with ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_runs.py``).
Each figure is the median of ``--repeat`` runs of the real ``cxwb`` command in
a fresh process, writing into a temporary folder. Targets on a 2-core machine:
one client under 10 s end to end; ``--jobs 2`` at least 1.6× faster than
``--jobs 1`` for all demo clients.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CXWB = Path(sys.executable).parent / "cxwb"


def timed(args: list[str]) -> float:
    """Seconds one ``cxwb`` command takes; fails loudly if the command fails."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run(
            [str(CXWB), *args, "--out", out],
            check=True,
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="stadtwerke-lindenau")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    timed(["run", args.client])  # warm-up: imports compiled, disk cache filled
    single = [timed(["run", args.client]) for _ in range(args.repeat)]
    batch1 = [
        timed(["batch", "parameters", "--jobs", "1", "--no-progress"]) for _ in range(args.repeat)
    ]
    batch2 = [
        timed(["batch", "parameters", "--jobs", "2", "--no-progress"]) for _ in range(args.repeat)
    ]
    one, b1, b2 = statistics.median(single), statistics.median(batch1), statistics.median(batch2)
    clients = len(list((PROJECT / "parameters").glob("*.yaml")))
    print(f"cxwb run {args.client}: {one:.1f} s (median of {args.repeat}; target < 10 s)")
    print(f"cxwb batch, {clients} clients, --jobs 1: {b1:.1f} s")
    print(f"cxwb batch, {clients} clients, --jobs 2: {b2:.1f} s")
    print(f"speed-up with 2 jobs: {b1 / b2:.2f}x (target >= 1.6x)")


if __name__ == "__main__":
    main()
