"""Purchase histories and the customer-base figures of a client without contracts.

The figures are checked against customers simulated from the BG/NBD and
Gamma-Gamma models with known parameters: the fit must find the parameters
it was given, and the number of customers really still active (known in a
simulation) must lie in the interval of the model's expected count.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxlib.clv.customer_base import customer_base
from cxlib.clv.histories import histories

CUTOFF = dt.date(2025, 12, 31)


def test_histories_count_purchase_days_and_leave_out_the_first_purchase_amount() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C"],
            "date": pd.to_datetime(
                ["2025-01-01", "2025-01-01", "2025-01-15", "2025-03-01", "2025-12-03", "2026-01-05"]
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 8.0, 99.0],
        }
    )
    out = histories(tx, CUTOFF)
    # A: three purchase days (two receipts on 01.01. are one occasion), 2 repeat purchases,
    # last 59 days and cut-off 364 days after the first; repeat mean (20 + 40) / 2
    a = out.loc["A"]
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(59 / 7)
    assert a["T"] == pytest.approx(364 / 7)
    assert a["monetary_value"] == pytest.approx(30.0)
    assert a["revenue_year"] == pytest.approx(75.0)
    b = out.loc["B"]
    assert (b["frequency"], b["recency"], b["monetary_value"]) == (0, 0, 0)
    assert b["T"] == pytest.approx(28 / 7)
    assert "C" not in out.index  # first purchase after the cut-off


def simulate(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Purchases of n customers from BG/NBD (r 2, α 32, a 0.8, b 4, weeks) and Gamma-Gamma.

    Returns the purchases, a customers table with two segments, and how many
    customers are really still active at the cut-off.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(2.0, 1 / 32.0, n)  # purchases per week
    drop = rng.beta(0.8, 4.0, n)
    nu = rng.gamma(4.0, 1 / 60.0, n)  # Gamma-Gamma: p = 6, q = 4, γ = 60
    start = rng.integers(0, 365, n)  # first purchase, days before 2025-01-01 + ...
    first = pd.Timestamp("2024-01-01") + pd.to_timedelta(start, unit="D")
    horizon = (pd.Timestamp(CUTOFF) - first).days.to_numpy() / 7
    rows: list[tuple[int, pd.Timestamp, float]] = []
    alive_count = 0
    for i in range(n):
        rows.append((i, first[i], float(rng.gamma(6.0, 1 / nu[i]))))
        t, alive = 0.0, True
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon[i]:
                break
            day = first[i] + pd.Timedelta(days=int(t * 7))
            rows.append((i, day, float(rng.gamma(6.0, 1 / nu[i]))))
            if rng.random() < drop[i]:
                alive = False
                break
        alive_count += alive
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    tx["customer_id"] = "K" + tx["customer_id"].astype(str)
    customers = pd.DataFrame(
        {
            "customer_id": "K" + pd.Series(range(n)).astype(str),
            "segment": np.where(np.arange(n) % 3 == 0, "Gewerbe", "Privat"),
        }
    )
    return tx, customers, alive_count


def test_customer_base_finds_the_simulated_parameters_and_active_customers() -> None:
    tx, customers, alive = simulate(4000, seed=7)
    base = customer_base(tx, CUTOFF, 0.3, 0.08, customers)
    assert base is not None
    # the mean purchase rate r/α (0.0625 a week) and the mean spend γp/(q − 1) (120 €)
    assert base.params["r"] / base.params["alpha"] == pytest.approx(2 / 32, rel=0.1)
    mean_spend = base.params["gamma"] * base.params["p"] / (base.params["q"] - 1)
    assert mean_spend == pytest.approx(60 * 6 / 3, rel=0.1)
    # the customers really still active (known in a simulation) lie in the interval
    # of the model's count; the rate's spread is small enough that purchases on the
    # same day (merged into one occasion) are rare
    assert base.active.low <= alive <= base.active.high
    assert base.active.low < base.active.value < base.active.high
    assert base.customers == 4000
    # the lost: p_alive < 0.5, their yearly revenue had they stayed, positive, with an interval
    frame = base.per_customer
    assert base.lost == int((frame["p_alive"] < 0.5).sum())
    assert base.lost_revenue.low < base.lost_revenue.value < base.lost_revenue.high
    # segments partition the customers, and the mean value is the customer-weighted mean
    seg = base.segments.set_index("segment")
    assert seg["customers"].sum() == 4000
    assert seg.loc["Gewerbe", "customers"] == 1334
    weighted = (seg["value"] * seg["customers"]).sum() / 4000
    assert weighted == pytest.approx(base.value.value)
    assert (seg["low"] < seg["value"]).all() and (seg["value"] < seg["high"]).all()


def test_customer_value_is_margin_times_spend_times_discounted_purchases() -> None:
    tx, customers, _ = simulate(800, seed=3)
    base = customer_base(tx, CUTOFF, 0.3, 0.0, customers)
    higher = customer_base(tx, CUTOFF, 0.6, 0.0, customers)
    discounted = customer_base(tx, CUTOFF, 0.3, 0.2, customers)
    assert base is not None and higher is not None and discounted is not None
    # the value is linear in the margin rate and lower with a discount rate
    assert higher.value.value == pytest.approx(2 * base.value.value)
    assert discounted.value.value < base.value.value
    # without discount: margin × spend × all purchases of three years (no discount)
    one = base.per_customer.iloc[0]
    assert one["value"] > 0.3 * one["spend"] * one["purchases_year"]


def test_too_few_customers_give_no_model() -> None:
    tx, customers, _ = simulate(30, seed=1)
    assert customer_base(tx, CUTOFF, 0.3, 0.08, customers) is None


def test_repeat_purchases_without_amounts_give_no_model() -> None:
    tx, customers, _ = simulate(300, seed=2)
    free = tx.assign(amount=0.0)
    assert customer_base(free, CUTOFF, 0.3, 0.08, customers) is None


def test_lost_revenue_per_segment_adds_up_and_matches_the_published_formulas() -> None:
    """Each segment's lost revenue by hand (Fader, Hardie & Lee 2005, eq. 10 and the
    Gamma-Gamma conditional mean, Fader & Hardie 2013, eq. 5) from the fitted parameters."""
    from scipy.special import hyp2f1

    tx, customers, _ = simulate(1500, seed=5)
    base = customer_base(tx, CUTOFF, 0.3, 0.08, customers)
    assert base is not None
    hist = histories(tx, CUTOFF)
    x, t_x, big_t = (hist[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    zbar = hist["monetary_value"].to_numpy(float)
    r, alpha, a, b = (base.params[k] for k in ("r", "alpha", "a", "b"))
    p, q, gamma = (base.params[k] for k in ("p", "q", "gamma"))
    t = 365.25 / 7  # a year in weeks
    odds = np.where(x > 0, a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x), 0.0)
    alive = 1 / (1 + odds)
    tail = ((alpha + big_t) / (alpha + big_t + t)) ** (r + x)
    tail = tail * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
    expected = (a + b + x - 1) / (a - 1) * (1 - tail) * alive
    spend = np.where(x > 0, p * (gamma + x * np.nan_to_num(zbar)) / (p * x + q - 1), 0.0)
    spend = np.where(x > 0, spend, gamma * p / (q - 1))
    revenue = np.where(alive < 0.5, spend * expected / alive, 0.0)
    segment = customers.set_index("customer_id")["segment"].reindex(hist.index)
    by_hand = pd.Series(revenue, index=hist.index).groupby(segment.to_numpy()).sum()
    lost = pd.Series(alive < 0.5, index=hist.index).groupby(segment.to_numpy()).sum()

    seg = base.segments.set_index("segment")
    assert seg["lost_revenue"].to_dict() == pytest.approx(by_hand.to_dict(), rel=1e-6)
    assert seg["lost"].to_dict() == lost.to_dict()
    # the segments partition the customers: their sums are the overall figures
    assert seg["lost_revenue"].sum() == pytest.approx(base.lost_revenue.value)
    assert seg["lost"].sum() == base.lost
    assert (seg["lost_low"] < seg["lost_revenue"]).all()
    assert (seg["lost_revenue"] < seg["lost_high"]).all()
    # a part's interval is narrower than the whole's (the intervals do not add up)
    assert (seg["lost_high"] - seg["lost_low"]).max() < (
        base.lost_revenue.high - base.lost_revenue.low
    )
