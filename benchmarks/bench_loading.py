"""Benchmark: loading a big German CSV export with the project's loader.

Run with ``.venv/bin/python benchmarks/bench_loading.py`` (not part of the tests).
Writes a transactions file of ``--rows`` rows (default 5,000,000) the way German
tools export it: Windows-1252 (or UTF-8 with BOM, ``--encoding utf-8-sig``),
``;`` as separator, decimal comma with thousands dot (1.234,56), dates like
31.12.2025, a personal-data column (never loaded) and a few bad cells (reported
with file, row, header, value and expectation under ``invalid_rows: skip``).
Each measurement loads it with :func:`cxlib.io.loading.read_table` in a fresh
subprocess and reports seconds, rows/s and the peak resident memory of that
process (``VmHWM``, which includes the interpreter and the libraries,
about 150 MB). ``--profile`` prints the cProfile top functions of one load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = ["Belegnummer", "Kundennummer", "Kundenname", "Datum", "Betrag", "Warengruppe", "Filiale"]
CATEGORIES = np.array(["Getränk", "Gebäck", "Bohnen", "Zubehör", "Geschenk"])
STORES = np.array(["Altstadt", "Südstadt", "Bahnhof", "Universität", "Online-Shop"])
#: Bad cells written on purpose: (row offset, column, value).
BAD_CELLS = ((10, "Betrag", "12,3,4"), (20, "Datum", "31.02.2025"), (30, "Betrag", "-5,00"))


def german_amounts(cents: np.ndarray) -> np.ndarray:
    """Amounts in cents as German text: 1.234,56 (thousands dot, decimal comma)."""
    euros, rest = np.divmod(cents, 100)
    thousands, units = np.divmod(euros, 1000)
    units_text = units.astype(str)
    grouped = np.char.add(np.char.add(thousands.astype(str), "."), np.char.zfill(units_text, 3))
    whole = np.where(thousands > 0, grouped, units_text)
    return np.char.add(np.char.add(whole, ","), np.char.zfill(rest.astype(str), 2))


def write_file(path: Path, rows: int, encoding: str, seed: int = 1) -> None:
    """The synthetic export (written in chunks of one million rows)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-01", "2025-12-31").strftime("%d.%m.%Y").to_numpy(str)
    chunk = 1_000_000
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(";".join(HEADER) + "\r\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            numbers = np.arange(start + 1, start + n + 1)
            customer = rng.integers(1, max(rows // 10, 2), n)
            cents = np.where(rng.random(n) < 0.02, rng.integers(100_000, 500_000, n), 0)
            cents = cents + rng.integers(150, 9_000, n)
            frame = pd.DataFrame(
                {
                    "Belegnummer": np.char.add("B", np.char.zfill(numbers.astype(str), 8)),
                    "Kundennummer": np.char.add("K", np.char.zfill(customer.astype(str), 7)),
                    "Kundenname": np.char.add("Kunde ", customer.astype(str)),
                    "Datum": days[np.sort(rng.integers(0, len(days), n))],
                    "Betrag": german_amounts(cents),
                    "Warengruppe": CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
                    "Filiale": STORES[rng.integers(0, len(STORES), n)],
                }
            )
            if start == 0:
                for offset, column, value in BAD_CELLS:
                    frame.loc[offset, column] = value
            frame.to_csv(handle, sep=";", header=False, index=False, lineterminator="\r\n")


_CHILD = """
import json, sys, time
from pathlib import Path

def peak_mb():
    # VmHWM: this process's peak resident memory (ru_maxrss would include the
    # parent's peak from before exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

started = time.perf_counter()
from cxlib.io.loading import read_table
from cxlib.parameters.schema import DataFile
imported = time.perf_counter()
source = DataFile(file=sys.argv[1], invalid_rows="skip")
table = read_table("transactions", source, Path("."))
done = time.perf_counter()
q = table.quality
print(json.dumps({
    "seconds": done - imported,
    "import_seconds": imported - started,
    "peak_mb": peak_mb(),
    "rows": len(table.frame),
    "rejected": q.rows_rejected,
    "problems": [str(p) for p in q.problems[:5]],
    "dtypes": {k: str(v) for k, v in table.frame.dtypes.items()},
    "frame_mb": table.frame.memory_usage(deep=True).sum() / 2**20,
    "ignored": list(q.ignored_columns),
    "encoding": q.encoding,
}))
"""

_PROFILE = """
import cProfile, pstats, sys
from pathlib import Path
from cxlib.io.loading import read_table
from cxlib.parameters.schema import DataFile
source = DataFile(file=sys.argv[1], invalid_rows="skip")
cProfile.run('read_table("transactions", source, Path("."))', "/tmp/_bench_loading.prof")
pstats.Stats("/tmp/_bench_loading.prof").sort_stats("cumulative").print_stats(30)
"""


def measure(path: Path) -> dict:
    """One load in a fresh interpreter: seconds, peak RSS and what was loaded."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--encoding", default="cp1252", choices=["cp1252", "utf-8-sig"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kassenexport.csv"
        started = time.perf_counter()
        write_file(path, args.rows, args.encoding)
        size_mb = path.stat().st_size / 2**20
        print(
            f"wrote {args.rows:,} rows ({size_mb:.0f} MB, {args.encoding}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if args.profile:
            subprocess.run([sys.executable, "-c", _PROFILE, str(path)], check=True)
            return
        for run in range(1, args.repeat + 1):
            result = measure(path)
            print(
                f"run {run}: {result['seconds']:.1f} s, "
                f"{result['rows'] / result['seconds'] / 1e6:.2f} M rows/s, "
                f"peak RSS {result['peak_mb']:.0f} MB "
                f"({result['peak_mb'] / size_mb:.1f}x file), "
                f"frame {result['frame_mb']:.0f} MB, {result['rows']:,} rows kept, "
                f"{result['rejected']} rejected"
            )
        print("dtypes:", result["dtypes"])
        print("not loaded:", result["ignored"], "encoding:", result["encoding"])
        print("first problems:", *result["problems"], sep="\n  ")


if __name__ == "__main__":
    main()
