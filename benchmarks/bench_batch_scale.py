"""Benchmark: a batch of many small clients, three ways, and the incremental re-run.

Run with ``.venv/bin/python benchmarks/bench_batch_scale.py [--clients 100]``.
The clients are copies of the small demo client (Berger Haustechnik) under
other ids, all reading the same data files, written into a temporary folder.
Every figure comes from the real ``cxwb batch`` command in a fresh process:

* ``sequential``: ``--jobs 1`` (one process, one client after the other);
* ``jobs2``: ``--jobs 2`` (the local process pool);
* ``dask2``: ``--jobs 2 --scheduler local`` (a 2-worker Dask LocalCluster);
* ``unchanged``: the sequential batch once more on the same output folder:
  every client is "unverändert" (target: under 5 % of the first run).

Per mode: total seconds (including start-up), throughput per core (clients
per core and minute), the mean run time of one client inside its worker
(from each client's ``run.log``) and the overhead per client: the core
seconds not spent inside a client's run (start-up, cluster, scheduling,
shipping reports, idle cores at the end), divided by the number of clients.

cxlib's source and the notebooks are part of every client's input hash, so
the benchmark runs ``cxwb`` from a snapshot of both (copied into the
temporary folder, first on ``PYTHONPATH``): edits to the working tree while
it runs change nothing. ``--no-snapshot`` runs the working tree itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CXWB = Path(sys.executable).parent / "cxwb"
SOURCE = PROJECT / "parameters" / "berger-haustechnik.yaml"
WRITTEN = re.compile(r"report written after ([0-9.]+) s")
MODES = {
    "sequential": (["--jobs", "1"], 1),
    "jobs2": (["--jobs", "2"], 2),
    "dask2": (["--jobs", "2", "--scheduler", "local"], 2),
}


def make_clients(folder: Path, count: int) -> Path:
    """``count`` parameter files: the small demo client under ids bench-001, bench-002, …"""
    folder.mkdir(parents=True, exist_ok=True)
    text = SOURCE.read_text(encoding="utf-8").replace("../data/", f"{PROJECT / 'data'}/")
    for number in range(1, count + 1):
        client = f"bench-{number:03d}"
        copy = re.sub(r"(?m)^(  id: )(\S+)", rf"\g<1>{client}", text, count=1)
        (folder / f"{client}.yaml").write_text(copy, encoding="utf-8")
    return folder


def snapshot(root: Path) -> dict[str, str]:
    """Copy cxlib and the notebooks under ``root``; the environment that runs the copy."""
    source = root / "src"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT / "cxlib", source / "cxlib", ignore=ignore)
    shutil.copytree(PROJECT / "notebooks", source / "notebooks", ignore=ignore)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{path}" if path else str(source)}


def batch(
    params: Path, out: Path, options: list[str], env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Seconds of one ``cxwb batch`` and its summary line; fails loudly if a client fails."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(CXWB), "batch", str(params), "--out", str(out), "--no-progress", *options],
        capture_output=True,
        text=True,
        check=False,
        cwd=out.parent,
        env=env,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"cxwb batch {' '.join(options)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def run_seconds(out: Path) -> list[float]:
    """Each client's run time inside its worker, from the ``run.log`` files."""
    found = []
    for log in sorted(out.glob("*/run.log")):
        match = WRITTEN.search(log.read_text(encoding="utf-8"))
        if match:
            found.append(float(match.group(1)))
    return found


def measure(params: Path, root: Path, mode: str, count: int, env: dict | None) -> dict:
    options, cores = MODES[mode]
    out = root / f"out-{mode}"
    seconds, summary = batch(params, out, options, env)
    inside = run_seconds(out)
    assert len(inside) == count, f"{mode}: {len(inside)} of {count} run logs"
    return {
        "mode": mode,
        "clients": count,
        "cores": cores,
        "seconds": round(seconds, 1),
        "clients_per_core_minute": round(count / (seconds * cores / 60), 2),
        "run_seconds_mean": round(sum(inside) / count, 2),
        "overhead_per_client": round((seconds * cores - sum(inside)) / count, 2),
        "summary": summary,
    }


def measure_unchanged(
    params: Path, root: Path, mode: str, first: float, count: int, env: dict | None
) -> dict:
    """The same batch again on the same output folder: every client "unverändert".

    cxlib's own source is part of every client's input hash, so an edit to
    cxlib during the first batch (a shared working tree) makes some clients
    run again; then it is repeated (at most twice) until nothing runs, and the
    re-runs are reported.
    """
    options, _ = MODES[mode]
    reruns = []
    for _ in range(3):
        seconds, summary = batch(params, root / f"out-{mode}", options, env)
        written = int(summary.split(" von ")[0])
        if written == 0:
            break
        reruns.append(summary)
    return {
        "mode": f"unchanged (after {mode})",
        "clients": count,
        "seconds": round(seconds, 2),
        "per_client_ms": round(seconds / count * 1000, 1),
        "share_of_first": round(seconds / first, 4),
        "summary": summary,
        "earlier_attempts_with_reruns": reruns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100, help="number of clients (100)")
    parser.add_argument(
        "--modes", nargs="+", choices=list(MODES), default=list(MODES), help="which batches"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--no-snapshot", action="store_true", help="run the working tree, not a copy of cxlib"
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="cxwb-bench-batch-") as tmp:
        root = Path(tmp)
        params = make_clients(root / "parameters", args.clients)
        env = None if args.no_snapshot else snapshot(root)
        print(f"{args.clients} clients, load average {os.getloadavg()[0]:.1f}", flush=True)
        for mode in args.modes:
            row = measure(params, root, mode, args.clients, env)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            if mode == args.modes[0]:
                unchanged = measure_unchanged(params, root, mode, row["seconds"], args.clients, env)
                rows.append(unchanged)
                print(json.dumps(unchanged, ensure_ascii=False), flush=True)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    seconds = {row["mode"]: row["seconds"] for row in rows}
    if "jobs2" in seconds and "dask2" in seconds:
        ratio = seconds["dask2"] / seconds["jobs2"]
        print(
            f"ratio Dask LocalCluster (2 workers) / process pool (--jobs 2): {ratio:.2f} "
            f"(target <= 1.10: {'met' if ratio <= 1.1 else 'MISSED'})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
