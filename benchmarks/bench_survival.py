"""Benchmark: survival analysis on 1,000,000 synthetic customers (not a test).

Run with ``.venv/bin/python benchmarks/bench_survival.py [--n 1000000]``.
Synthetic data: daily tenure up to 10 years, 5 covariates (segment with 4
levels, 2 binary flags, 2 continuous), exponential churn with known effects,
administrative censoring and 30 % delayed entry.

Targets (issue 7): Kaplan-Meier per segment plus the log-rank test under 2 s;
the Cox fit (Efron ties) at least as fast as lifelines on the same data in
the same run. Printed: seconds for each step (best of ``--repeat``), and the
largest coefficient difference between cxlib, statsmodels (only for
``--n`` ≤ 200,000: it loops in Python) and lifelines.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` customers with daily tenure, 5 covariates and delayed entry."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["A", "B", "C", "D"], n, p=[0.4, 0.3, 0.2, 0.1])
    flag1 = rng.uniform(size=n) < 0.3
    flag2 = rng.uniform(size=n) < 0.5
    x1 = rng.normal(size=n)
    x2 = rng.gamma(2.0, 1.0, n)
    seg_effect = pd.Series({"A": 0.0, "B": 0.3, "C": -0.2, "D": 0.5})[segment].to_numpy()
    eta = seg_effect + 0.7 * flag1 - 0.3 * flag2 + 0.2 * x1 + 0.1 * x2
    tenure = np.ceil(rng.exponential(1500 / np.exp(eta)))
    censor = np.ceil(rng.uniform(30, 3650, n))
    duration = np.minimum(tenure, censor)
    entry = np.where(rng.uniform(size=n) < 0.3, np.floor(duration * rng.uniform(size=n)), 0.0)
    return pd.DataFrame(
        {
            "duration": duration,
            "event": tenure <= censor,
            "entry": np.minimum(entry, duration - 1),
            "segment": segment,
            "flag1": flag1.astype(float),
            "flag2": flag2.astype(float),
            "x1": x1,
            "x2": x2,
        }
    )


def best(func, repeat: int) -> tuple[float, object]:
    """Fastest of ``repeat`` runs in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from cxlib.cox import fit
    from cxlib.survival import kaplan_meier, logrank

    data = synthetic(args.n)
    print(
        f"{args.n:,} customers, {int(data['event'].sum()):,} churns, "
        f"{data['duration'].nunique():,} distinct days"
    )
    covariates = ["segment", "flag1", "flag2", "x1", "x2"]

    def km_and_logrank():
        curves = kaplan_meier(
            data["duration"], data["event"], entry=data["entry"], groups=data["segment"]
        )
        test = logrank(data["duration"], data["event"], data["segment"], entry=data["entry"])
        return curves, test

    seconds, (_curves, test) = best(km_and_logrank, args.repeat)
    print(
        f"KM per segment + log-rank (delayed entry): {seconds:.2f} s "
        f"(target < 2 s; chi² {test.statistic:,.0f}, df {test.df})"
    )

    seconds, model = best(lambda: fit(data, "duration", "event", covariates), args.repeat)
    print(f"Cox, cxlib Efron solver: {seconds:.2f} s (incl. concordance and PH test)")

    from cxlib.efron import fit_efron

    x = model.design.matrix(data)
    x = x - x.mean(0)
    d, e = data["duration"].to_numpy(float), data["event"].to_numpy(bool)
    seconds, _ = best(lambda: fit_efron(x, d, e), args.repeat)
    print(f"Cox, cxlib Efron solver alone (Newton iterations only): {seconds:.2f} s")

    from lifelines import CoxPHFitter

    dummies = pd.get_dummies(data["segment"], prefix="segment", dtype=float)
    order = [f"segment_{lvl}" for lvl in model.design.levels["segment"][1:]]
    frame = pd.concat(
        [data[["duration", "event", "flag1", "flag2", "x1", "x2"]], dummies[order]], axis=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds_ll, ref = best(lambda: CoxPHFitter().fit(frame, "duration", "event"), args.repeat)
    print(f"Cox, lifelines: {seconds_ll:.2f} s")
    ours = model.hazard_ratios["coef"].to_numpy()
    theirs = ref.params_[[*order, "flag1", "flag2", "x1", "x2"]].to_numpy()
    print(f"max |coef difference| cxlib vs lifelines: {np.abs(ours - theirs).max():.2e}")
    if args.n <= 200_000:
        seconds_sm, sm = best(
            lambda: fit(data, "duration", "event", covariates, engine="statsmodels"), 1
        )
        diff = np.abs(sm.hazard_ratios["coef"].to_numpy() - ours).max()
        print(f"Cox, statsmodels PHReg: {seconds_sm:.2f} s (max |coef difference| {diff:.2e})")
    else:
        print("Cox, statsmodels PHReg: skipped above 200,000 rows (Python loops; see CX_METHOD)")


if __name__ == "__main__":
    main()
