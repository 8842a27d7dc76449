"""Benchmark: NPS, CSAT and CES with 95 % intervals by segment and month.

Run with ``.venv/bin/python benchmarks/bench_kpis.py`` (not part of the tests).
1,000,000 synthetic survey answers (5 segments × 36 months, 180 groups);
:func:`cxlib.kpis.survey.by_group` computes all three KPIs with their intervals in
one vectorised pass (numpy/pandas groupby, no Python loop over rows or
groups). Target on this 2-core machine: under 2 s. Prints the median of
``--repeat`` runs and checks one group against the single estimators.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from cxlib.kpis.survey import by_group, ces, csat, nps


def synthetic(rows: int, seed: int = 1) -> pd.DataFrame:
    """Survey answers with segment, date and the three KPI scores (5 % missing CES)."""
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1095, rows), unit="D")
    ces_scores = pd.array(rng.integers(1, 8, rows), dtype="Int64")
    ces_scores[rng.random(rows) < 0.05] = pd.NA
    return pd.DataFrame(
        {
            "segment": pd.Categorical(
                rng.choice(["Privat", "Gewerbe", "WEG", "Online", "Filiale"], rows)
            ),
            "date": dates,
            "nps": pd.array(rng.integers(0, 11, rows), dtype="Int64"),
            "csat": pd.array(rng.integers(1, 6, rows), dtype="Int64"),
            "ces": ces_scores,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    frame = synthetic(args.rows)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        month = frame["date"].dt.to_period("M").dt.to_timestamp()
        out = by_group(frame.assign(month=month), ["segment", "month"])
        times.append(time.perf_counter() - started)
    groups = out[["segment", "month"]].drop_duplicates().shape[0]
    # one group against the single estimators (correctness, outside the timing)
    seg, first = out["segment"].iloc[0], out["month"].iloc[0]
    part = frame[
        (frame["segment"] == seg) & (frame["date"].dt.to_period("M").dt.to_timestamp() == first)
    ]
    check = out[(out["segment"] == seg) & (out["month"] == first)].set_index("kpi")
    for kpi, fn in (("nps", nps), ("csat", csat), ("ces", ces)):
        e = fn(part[kpi])
        assert np.isclose(check.loc[kpi, "low"], e.low) and np.isclose(
            check.loc[kpi, "high"], e.high
        )
    median = statistics.median(times)
    print(
        f"NPS/CSAT/CES with 95 % intervals by segment and month: {args.rows:,} answers, "
        f"{groups} groups: median {median:.2f} s (min {min(times):.2f} s, {args.repeat} runs); "
        f"target < 2 s: {'met' if median < 2 else 'NOT met'}"
    )
    bootstrap(args.rows, args.repeat)


def bootstrap(customers: int, repeat: int) -> None:
    """The customer value's bootstrap intervals (2,000 resamples) on ``customers`` customers."""
    from cxlib.kpis.economics import contractual_clv_interval, repurchase_clv_interval

    rng = np.random.default_rng(1)
    revenue = rng.lognormal(4, 1, customers)
    previous = rng.random(customers) < 0.6
    bought = rng.random(customers) < 0.6
    for name, run in (
        ("with contracts", lambda: contractual_clv_interval(revenue, 80_000, 900_000, 0.2, 0.08)),
        (
            "without contracts",
            lambda: repurchase_clv_interval(bought, revenue * bought, previous, 0.3, 0.08),
        ),
    ):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            got = run()
            times.append(time.perf_counter() - started)
        assert got.method == "bootstrap" and got.low < got.high
        median = statistics.median(times)
        print(
            f"Customer value bootstrap interval ({name}), {customers:,} customers: "
            f"median {median:.2f} s; target < 5 s: {'met' if median < 5 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
