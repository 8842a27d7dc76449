"""Benchmark: BG/NBD and Gamma-Gamma fitted on 1,000,000 customers.

Run with ``.venv/bin/python benchmarks/bench_clv.py`` (not part of the tests).
Generates purchase histories from the BG/NBD model with CDNOW-like
parameters (r 0.243, α 4.414, a 0.793, b 2.426; weeks) on whole days
(recency and T in days / 7, first purchases spread over 78 weeks) and spend
from Gamma-Gamma (p 6.25, q 3.74, γ 15.44), then times
:func:`cxlib.clv.bgnbd.bgnbd` and :func:`cxlib.clv.gamma_gamma.gamma_gamma`
(each including its observed information), and prints the fit times, the
distinct histories the BG/NBD fits on and the estimates next to the truth.
Target: seconds on this 2-core machine. ``--customer-base`` also writes the
histories as a purchases table (first and last purchase on their days, the
repeat purchases between them) and times what the KPI analysis runs:
:func:`cxlib.clv.customer_base.customer_base` (histories, both fits, the
figures of every customer and their intervals).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from cxlib.clv.bgnbd import bgnbd
from cxlib.clv.customer_base import customer_base
from cxlib.clv.gamma_gamma import gamma_gamma

TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "gamma": 15.44}


def generate(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, t_x, T (weeks on whole days) and the mean repeat spend of n BG/NBD customers."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], n)
    drop = rng.beta(TRUTH["a"], TRUTH["b"], n)
    big_t = rng.integers(1, 547, n) / 7
    x = np.zeros(n)
    t_x = np.zeros(n)
    clock = np.zeros(n)
    open_ = np.ones(n, dtype=bool)  # still buying and inside the window
    while open_.any():
        idx = np.flatnonzero(open_)
        clock[idx] += rng.exponential(1 / lam[idx])
        inside = clock[idx] <= big_t[idx]
        bought = idx[inside]
        x[bought] += 1
        t_x[bought] = np.floor(clock[bought] * 7) / 7
        gone = bought[rng.random(len(bought)) < drop[bought]]
        open_[idx[~inside]] = False
        open_[gone] = False
    nu = rng.gamma(TRUTH["q"], 1 / TRUTH["gamma"], n)
    mean = np.where(x > 0, rng.gamma(TRUTH["p"] * np.maximum(x, 1), 1 / nu) / np.maximum(x, 1), 0)
    return x, t_x, big_t, mean


def purchases(
    x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, spend: np.ndarray, cutoff: dt.date
) -> pd.DataFrame:
    """A purchases table with these histories (x + 1 purchase days per customer)."""
    rng = np.random.default_rng(2)
    n = len(x)
    first = np.round(big_t * 7).astype(int)  # days before the cut-off
    last = first - np.round(t_x * 7).astype(int)
    count = x.astype(int) + 1
    customer = np.repeat(np.arange(n), count)
    k = np.arange(len(customer)) - np.repeat(np.cumsum(count) - count, count)
    between = first[customer] - rng.integers(0, 10**9, len(customer)) % np.maximum(
        first[customer] - last[customer], 1
    )
    days_before = np.where(k == 0, first[customer], np.where(k == 1, last[customer], between))
    date = pd.Timestamp(cutoff) - pd.to_timedelta(days_before, unit="D")
    amount = np.where(k == 0, 20.0, spend[customer])
    return pd.DataFrame({"customer_id": customer, "date": date, "amount": amount})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--customer-base", action="store_true")
    args = parser.parse_args()
    x, t_x, big_t, spend = generate(args.customers)
    started = time.perf_counter()
    bg = bgnbd(x, t_x, big_t)
    bg_seconds = time.perf_counter() - started
    started = time.perf_counter()
    gg = gamma_gamma(x, spend)
    gg_seconds = time.perf_counter() - started
    print(f"customers: {args.customers:,}; distinct (x, t_x, T): {len(bg.data.counts):,}")
    print(f"repeat buyers (Gamma-Gamma): {gg.n:,}")
    print(f"BG/NBD fit: {bg_seconds:.1f} s; Gamma-Gamma fit: {gg_seconds:.1f} s")
    print(f"together: {bg_seconds + gg_seconds:.1f} s")
    for name, value in {**bg.params, **gg.params}.items():
        print(f"  {name:>6} {value:8.3f} (truth {TRUTH[name]})")
    if args.customer_base:
        cutoff = dt.date(2025, 12, 31)
        table = purchases(x, t_x, big_t, spend, cutoff)
        started = time.perf_counter()
        base = customer_base(table, cutoff, 0.3, 0.08)
        seconds = time.perf_counter() - started
        assert base is not None
        print(f"customer_base on {len(table):,} purchases: {seconds:.1f} s")


if __name__ == "__main__":
    main()
