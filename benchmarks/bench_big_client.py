"""Benchmark: one big non-contractual client end to end (1 M customers, 10 M purchases).

Run with ``.venv/bin/python benchmarks/bench_big_client.py`` (not part of the tests).
Generates a client like the café demo (loyalty cards, receipts, a modest
receipt survey, the café's maturity answers and workshop) as a German export:
UTF-8 with BOM, ``;`` as separator, decimal comma with thousands dot, dates like
31.12.2025. Then, in a fresh process, :func:`cxlib.runner.run.run_client` produces the
report; printed are the seconds per stage (loading until the first line of
``run.log``, notebooks, report) and the peak resident memory of that process
(``VmHWM``) and of the notebook kernel (``RUSAGE_CHILDREN``), each against the
target of issue 19: end to end under 30 s, under 2 GB peak per process.

``--analyses`` instead times, in this process, the analysis functions the
notebooks call on the same data (baseline, journey evidence, survival, data
overview), with the peak memory of each (``--profile`` adds cProfile's top
functions).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

PROJECT = Path(__file__).resolve().parent.parent
CAFE = PROJECT / "parameters" / "cafe-bohnenglueck.yaml"
START, END = np.datetime64("2023-03-01"), np.datetime64("2025-12-31")
STORES = np.array(["Altstadt", "Südstadt", "Bahnhof", "Universität", "Online-Shop"])
STORE_MIX = np.array([0.30, 0.22, 0.18, 0.18, 0.12])
CATEGORIES = np.array(["Getränk", "Gebäck", "Bohnen", "Zubehör", "Geschenk"])
TARGET_SECONDS, TARGET_MB = 30.0, 2048.0  # issue 19: under 30 s and 2 GB per process


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _german_dates(days: np.ndarray) -> pa.Array:
    return pc.strftime(pa.array(days.astype("datetime64[s]")), format="%d.%m.%Y")


def _german_amounts(cents: np.ndarray) -> pa.Array:
    euros, rest = np.divmod(cents, 100)
    high, low = np.divmod(euros, 1000)
    plain = pc.cast(pa.array(euros), pa.string())
    grouped = pc.binary_join_element_wise(
        pc.cast(pa.array(high), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(low), pa.string()), 3, "0"),
        ".",
    )
    whole = pc.if_else(pa.array(high > 0), grouped, plain)
    return pc.binary_join_element_wise(
        whole, pc.utf8_lpad(pc.cast(pa.array(rest), pa.string()), 2, "0"), ","
    )


def _write(path: Path, columns: dict[str, pa.Array]) -> None:
    """A ;-separated UTF-8 file with BOM, without quotes (as Excel writes it)."""
    table = pa.table(columns)
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf" + ";".join(columns).encode() + b"\r\n")
        options = pacsv.WriteOptions(
            include_header=False, delimiter=";", quoting_style="none", batch_size=1 << 16
        )
        pacsv.write_csv(table, handle, options)


def generate(folder: Path, customers: int, purchases: int, answers: int, seed: int = 1) -> Path:
    """Write the client's files and parameter file into ``folder``; returns the latter."""
    rng = np.random.default_rng(seed)
    span = int((END - START).astype(int))
    issued = START + np.sort(rng.integers(0, span, customers)).astype("timedelta64[D]")
    store = rng.choice(len(STORES), customers, p=STORE_MIX)
    firm = rng.random(customers) < 0.07
    _write(
        folder / "kundenkarten.csv",
        {
            "Kartennummer": _ids("K", np.arange(1, customers + 1), 7),
            "Ausgabe": _german_dates(issued),
            "Segment": pa.array(np.where(firm, "Firmenkunde", "Privat")),
            "Stammfiliale": pa.array(STORES[store]),
            "Kanal": pa.array(np.where(store == 4, "Online-Shop", "Filiale")),
        },
    )
    # purchases per card: the first on the issue day, then gamma-distributed gaps
    mean = 2.0 * max(purchases / customers - 1, 0.1)  # many fall after the cut-off
    extra = rng.negative_binomial(1.2, 1.2 / (1.2 + mean), customers)
    count = 1 + extra
    owner = np.repeat(np.arange(customers), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    gaps = rng.exponential(1.0, len(owner)) * np.repeat(rng.gamma(2.0, 20.0, customers), count)
    gaps[first] = 0.0
    offset = np.cumsum(gaps)
    offset -= np.repeat(offset[first], count)
    day = issued[owner] + offset.astype(np.int64).astype("timedelta64[D]")
    keep = np.flatnonzero(day <= END)
    if len(keep) > purchases:  # exactly ``purchases`` receipts
        keep = np.sort(rng.choice(keep, purchases, replace=False))
    owner, day = owner[keep], day[keep]
    order = np.lexsort((owner, day))
    owner, day = owner[order], day[order]
    n = len(owner)
    cents = rng.choice([320, 360, 390, 430, 480, 290, 890, 1250, 2990, 3490], n)
    cents = np.where(rng.random(n) < 0.002, rng.integers(100_000, 250_000, n), cents)
    _write(
        folder / "kassenbons.csv",
        {
            "Bonnummer": _ids("B", np.arange(1, n + 1), 9),
            "Kartennummer": _ids("K", owner + 1, 7),
            "Datum": _german_dates(day),
            "Betrag": _german_amounts(cents),
            "Warengruppe": pa.array(CATEGORIES[rng.integers(0, len(CATEGORIES), n)]),
            "Filiale": pa.array(STORES[store[owner]]),
        },
    )
    pick = np.sort(rng.choice(np.flatnonzero(day >= np.datetime64("2024-01-01")), answers, False))
    common = rng.normal(0.0, 1.0, answers) - 0.9 * (store[owner[pick]] == 2)

    def likert(low: int, high: int, mean: float, sd: float) -> pa.Array:
        z = 0.8 * common + 0.6 * rng.normal(0.0, 1.0, answers)
        return pa.array(np.clip(np.rint(mean + sd * z), low, high).astype(int).astype(str))

    _write(
        folder / "umfrage.csv",
        {
            "Antwort-ID": _ids("R", np.arange(1, answers + 1), 6),
            "Kartennummer": _ids("K", owner[pick] + 1, 7),
            "Datum": _german_dates(day[pick]),
            "Filiale": pa.array(STORES[store[owner[pick]]]),
            "Phase": pa.array(np.where(rng.random(answers) < 0.2, "Kauf/Abschluss", "Nutzung")),
            "NPS": likert(0, 10, 8.2, 1.8),
            "CSAT": likert(1, 5, 4.1, 0.85),
            "item_geschmack": likert(1, 5, 4.0, 0.8),
            "item_wartezeit": likert(1, 5, 3.6, 0.9),
            "item_freundlichkeit": likert(1, 5, 3.9, 0.8),
        },
    )
    maturity = PROJECT / "data" / "cafe-bohnenglueck" / "maturity.csv"
    (folder / "maturity.csv").write_bytes(maturity.read_bytes())
    text = CAFE.read_text(encoding="utf-8")
    data = """data:
  customers:
    file: kundenkarten.csv
    columns: {Kartennummer: customer_id, Ausgabe: start_date, Stammfiliale: region}
  transactions:
    file: kassenbons.csv
    columns: {Bonnummer: transaction_id, Kartennummer: customer_id}
  survey:
    file: umfrage.csv
    columns: {Kartennummer: customer_id, Filiale: touchpoint}
  maturity:
    file: maturity.csv

"""
    text = re.sub(r"(?ms)^data:\n.*?(?=^workshop:)", data, text)
    text = re.sub(r"(?m)^  id: .*$", "  id: big-client", text)
    text = re.sub(r"(?ms)^branding:\n.*?(?=^analysis:)", "", text)
    params = folder / "big-client.yaml"
    params.write_text(text, encoding="utf-8")
    return params


_RUN = """
import json, resource, sys, time
started = time.perf_counter()
from cxlib.runner.startup import process_defaults
process_defaults()  # as cxwb does
from cxlib.runner.run import run_client
result = run_client(sys.argv[1], sys.argv[2])
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "peak_mb": hwm(),
    "kernel_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    "kernel_cpu": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]),
    "log": str(result.log),
}))
"""


def _stages(log: Path, started: float) -> dict[str, float]:
    """Seconds of loading (until the first log line), notebooks and report from run.log."""
    text = log.read_text(encoding="utf-8")
    first = re.search(r"^(\S+ \S+),(\d+) INFO client", text, re.M)
    notebooks = re.search(r"notebooks executed after ([\d.]+) s", text)
    report = re.search(r"report written after ([\d.]+) s", text)
    out: dict[str, float] = {}
    if first:
        stamp = time.mktime(time.strptime(first.group(1), "%Y-%m-%d %H:%M:%S"))
        out["load"] = stamp + int(first.group(2)) / 1000 - started
    if notebooks and report:
        out["notebooks"] = float(notebooks.group(1)) - out.get("load", 0.0)
        out["report"] = float(report.group(1)) - float(notebooks.group(1))
    return out


def end_to_end(params: Path, out: Path) -> None:
    """run_client in a fresh process: stages, total, peak memory."""
    started = time.time()
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, str(params), str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-4000:])
        raise SystemExit("run failed")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    stages = _stages(Path(result["log"]), started)
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stages.items())
    print(
        f"end to end {result['seconds']:.1f} s ({parts}); peak RSS cxwb process "
        f"{result['peak_mb']:.0f} MB, kernel {result['kernel_peak_mb']:.0f} MB; "
        f"CPU seconds (not slowed by other load) cxwb {result['cpu']:.1f} s, "
        f"kernels {result['kernel_cpu']:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    checks = {
        f"time {result['seconds']:.1f} / {TARGET_SECONDS:.0f} s": result["seconds"]
        / TARGET_SECONDS,
        f"cxwb {result['peak_mb']:.0f} / {TARGET_MB:.0f} MB": result["peak_mb"] / TARGET_MB,
        f"kernel {result['kernel_peak_mb']:.0f} / {TARGET_MB:.0f} MB": result["kernel_peak_mb"]
        / TARGET_MB,
    }
    print(
        "against the targets: "
        + ", ".join(f"{label} = {ratio:.2f}x" for label, ratio in checks.items())
        + ("; met" if max(checks.values()) <= 1 else "; MISSED")
    )


def analyses(params_file: Path, profile: bool) -> None:
    """Time the notebooks' analysis functions in this process."""
    import cProfile
    import pstats
    import resource

    from cxlib.io import overview
    from cxlib.journeys import analysis as journey_analysis
    from cxlib.kpis.analysis import analyse as kpi_analyse
    from cxlib.kpis.view import figures as kpi_figures
    from cxlib.runner.run import prepare
    from cxlib.survival import analysis as survival_report

    def step(label: str, call: Callable[[], Any]) -> Any:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        profiler = cProfile.Profile() if profile else None
        started, cpu = time.perf_counter(), time.process_time()
        value = profiler.runcall(call) if profiler else call()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label:<28} {wall:7.1f} s wall {cpu:7.1f} s cpu  peak {peak:6.0f} MB "
            f"(+{max(peak - before, 0):.0f})",
            flush=True,
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return value

    params, data = step("load (prepare)", lambda: prepare(params_file))
    for name, table in data.tables.items():
        print(f"  {name}: {len(table.frame):,} rows")
    base = step("kpis.analyse", lambda: kpi_analyse(params, data))
    step("kpis.section figures", lambda: kpi_figures(base))
    step("journey_analysis.analyse", lambda: journey_analysis.analyse(params, data))
    step("survival_report.analyse", lambda: survival_report.analyse(params, data))
    step("overview.describe", lambda: overview.describe(data, list(data.tables), "kpi"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--analyses", action="store_true", help="time the analyses in-process")
    parser.add_argument("--profile", action="store_true", help="with --analyses: cProfile")
    parser.add_argument("--keep", type=Path, help="write the client here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        params = folder / "big-client.yaml"
        if not params.exists():
            started = time.perf_counter()
            params = generate(folder, args.customers, args.purchases, args.answers)
            sizes = {p.name: p.stat().st_size / 2**20 for p in folder.glob("*.csv")}
            print(
                f"generated in {time.perf_counter() - started:.1f} s: "
                + ", ".join(f"{name} {mb:.0f} MB" for name, mb in sizes.items())
            )
        if args.analyses:
            analyses(params, args.profile)
            return
        for _ in range(args.repeat):
            end_to_end(params, Path(tmp) / "reports")


if __name__ == "__main__":
    main()
