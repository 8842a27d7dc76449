"""Benchmark: one client end to end, and the batch speed-up with two jobs.

Run with ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_runs.py``).
Every figure is the median of ``--repeat`` runs of the real ``cxwb`` command in
a fresh process, writing into a temporary folder.

Targets on a 2-core machine: one client under 10 s end to end and within
1.2x the floor measured in the same run (issue 19): papermill running, in a
fresh process, a notebook that only imports pandas, seaborn and statsmodels
(the least any papermill-based report run costs). The single run and the
floor alternate, and the minimum of each is compared, because other work on a
shared machine only ever adds time. ``--jobs 2``
at least 1.6x faster than ``--jobs 1``. Note the bound on the second: three
clients of similar size on two workers cannot finish faster than two clients
one after the other, so the speed-up on the three demo clients alone is at
most 1.5x. The batch is therefore also timed on ``--copies`` copies of each
demo client (the same data under other client ids), which is what a
consultancy's batch looks like.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CXWB = Path(sys.executable).parent / "cxwb"
PAPERMILL = Path(sys.executable).parent / "papermill"
FLOOR_SOURCE = "import pandas, seaborn, statsmodels.api"


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


def floor_notebook(folder: Path) -> Path:
    """A notebook with one cell importing pandas, seaborn and statsmodels."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    notebook.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    path = folder / "floor.ipynb"
    nbformat.write(notebook, path)
    return path


def floor(notebook: Path, attempts: int = 3) -> float:
    """Seconds ``papermill`` takes for :func:`floor_notebook` in a fresh process.

    A start that fails (on a busy shared machine a kernel's TCP port can be
    taken before the kernel binds it) is tried again, up to ``attempts`` times.
    """
    command = [
        str(PAPERMILL),
        str(notebook),
        str(notebook.with_name("out.ipynb")),
        "--no-progress-bar",
        "--start-timeout",
        "120",
    ]
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return time.perf_counter() - started
        if attempt == attempts:
            raise RuntimeError(f"papermill failed {attempts} times:\n{done.stderr[-2000:]}")
    raise AssertionError("unreachable")


def against_floor(client: str, repeat: int) -> None:
    """``cxwb run`` and the floor, alternating ``repeat`` times: minima and their ratio."""
    with tempfile.TemporaryDirectory() as folder:
        notebook = floor_notebook(Path(folder))
        floor(notebook)  # warm-up
        runs, floors = [], []
        for _ in range(repeat):
            runs.append(timed(["run", client]))
            floors.append(floor(notebook))
    ratio = min(runs) / min(floors)
    print(
        f"cxwb run {client}: min {min(runs):.1f} s, median {statistics.median(runs):.1f} s "
        f"of {repeat} (target < 10 s)"
    )
    print(
        f"floor (papermill, notebook importing pandas, seaborn, statsmodels): "
        f"min {min(floors):.1f} s, median {statistics.median(floors):.1f} s"
    )
    print(
        f"ratio cxwb run / floor (minima): {ratio:.2f} "
        f"(target <= 1.20: {'met' if ratio <= 1.2 else 'MISSED'})"
    )


def copies(folder: Path, count: int) -> Path:
    """``count`` copies of every demo parameter file in ``folder`` (other ids, same data)."""
    for source in sorted((PROJECT / "parameters").glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        text = text.replace("../data/", f"{PROJECT / 'data'}/")
        for number in range(1, count + 1):
            copy = re.sub(r"(?m)^(  id: )(\S+)", rf"\g<1>\g<2>-{number}", text, count=1)
            (folder / f"{source.stem}-{number}.yaml").write_text(copy, encoding="utf-8")
    return folder


def speedup(inputs: str, repeat: int, label: str) -> None:
    one = statistics.median(
        timed(["batch", inputs, "--jobs", "1", "--no-progress"]) for _ in range(repeat)
    )
    two = statistics.median(
        timed(["batch", inputs, "--jobs", "2", "--no-progress"]) for _ in range(repeat)
    )
    print(
        f"cxwb batch, {label}: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s, "
        f"speed-up {one / two:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", default="stadtwerke-lindenau")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()

    timed(["run", args.client])  # warm-up: byte code compiled, disk cache filled
    against_floor(args.client, max(args.repeat, 5))
    speedup("parameters", args.repeat, "3 demo clients (bound 1.5x)")
    with tempfile.TemporaryDirectory() as folder:
        copies(Path(folder), args.copies)
        speedup(folder, max(1, args.repeat - 2), f"{3 * args.copies} client runs")


if __name__ == "__main__":
    main()
