"""Economics level: ARPU, repurchase, up-/cross-sell and customer lifetime value.

Period conventions (stated in the report's method notes):

* Contractual clients: ARPU = mean ``revenue_month`` of the customers active
  at the cut-off (euros per month). Margin per month m = ARPU × ``margin_rate``.
  The yearly churn c of the last full year is turned into a monthly churn
  c_m = 1 − (1 − c)^(1/12), retention r = 1 − c_m, and the yearly discount
  rate d into a monthly i = (1 + d)^(1/12) − 1. CLV simple = m / c_m;
  CLV discounted = m·r/(1 + i − r) (Gupta & Lehmann 2003: margin received at
  the end of each month the customer is still there).
* Non-contractual clients (repurchase view, no churn): ARPU = revenue of the
  last 12 months per customer who bought in them (euros per year);
  repurchase rate = customers with a second purchase within the window after
  their first / customers whose first purchase lies at least a window before
  the cut-off; one-time buyers = customers with exactly one purchase.
  Purchases are counted as purchase occasions: several records of one
  customer on one day (two receipts, one line per article) are one purchase,
  never a repurchase (ARPU still sums every record's revenue). The
  yearly "retention" r = share of last-but-one year's buyers who bought again
  in the last year; m = yearly margin per buyer; CLV = m·r/(1 + d − r).
* Up-/cross-sell rate: customers with an ``upgrade_date`` in the last full
  year / customers active at its start.

Intervals (95 %, :mod:`cxlib.kpis.intervals`): ARPU Student t; up-sell,
repurchase and the repurchase view's retention Wilson; CLV percentile
bootstrap over customers (fixed seed). Contractual CLV: the ARPU is
resampled from the revenues of the active customers and the yearly churn
from the customers at the start of the last year (lost* ~ Binomial(S, lost/S),
which is what resampling those S customers gives); the two are drawn
independently; the customers lost in that year are not active at the cut-off,
so the two estimates share almost no information. Repurchase view: customers
are resampled as a whole (revenue of the last year, bought in it, bought in
the year before), so ARPU and retention vary together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from cxlib.kpis.intervals import (
    DRAWS,
    MAX_RESAMPLE,
    NOT_COMPUTED,
    SEED,
    Interval,
    bootstrap_means,
    mean_interval,
    no_interval,
    percentile,
    share_interval,
)
from cxlib.kpis.retention import purchase_occasions

#: A figure or an array of figures (the bootstrap computes the CLV per replicate).
Number = TypeVar("Number", float, np.ndarray)


@dataclass(frozen=True)
class ClvDraws:
    """The bootstrap replicates behind the CLV interval, one value per resample.

    ``lost``: customers lost in the period the CLV's retention comes from (the
    count of the resample); ``clv``: the discounted CLV of the same resample.
    :mod:`cxlib.kpis.value_at_risk` multiplies them for the interval of the
    euros at risk, so that the two vary together as they do in the data.
    """

    lost: np.ndarray
    clv: np.ndarray


def clv_interval(replicates: ClvDraws | None) -> Interval:
    """The percentile interval of the CLV replicates; ``too_few`` without replicates."""
    return no_interval("too_few") if replicates is None else percentile(replicates.clv)


@dataclass(frozen=True)
class Economics:
    """The economics figures of one client (NaN where the data do not allow them)."""

    model: str
    arpu: float
    arpu_period: str  # "month" or "year"
    customers: int
    margin: float
    retention: float  # per period of the CLV (month or year)
    clv_simple: float
    clv_discounted: float
    upsell_rate: float = float("nan")
    upsell_n: int = 0
    repurchase_rate: float = float("nan")
    repurchase_n: int = 0
    repurchase_window_days: int = 0
    one_time_share: float = float("nan")
    #: the assumptions the CLV rests on (from the parameters), for the report's notes
    margin_rate: float = float("nan")
    discount_rate: float = float("nan")  # per year
    #: the revenues the ARPU is the mean of (customers without a revenue not counted)
    arpu_n: int = 0
    #: 95 % intervals (shares 0-1, money in euros) or the reason there is none
    arpu_interval: Interval = NOT_COMPUTED
    clv_interval: Interval = NOT_COMPUTED
    upsell_interval: Interval = NOT_COMPUTED
    repurchase_interval: Interval = NOT_COMPUTED
    retention_interval: Interval = NOT_COMPUTED
    #: the one definition of "lost" the CLV's retention rests on: contractual, the
    #: customers whose contract ended in the last full year ``lost_year`` of the
    #: ``lost_of`` at its start; repurchase view, the buyers of the 12 months before
    #: the last 12 who did not buy in the last 12 (``lost_year`` None)
    lost: int = 0
    lost_of: int = 0
    lost_year: int | None = None
    #: the CLV's bootstrap replicates (None where there is no interval)
    draws: ClvDraws | None = field(default=None, repr=False, compare=False)


def clv_simple(margin: float, churn: float) -> float:
    """Margin per period / churn per period."""
    return margin / churn if churn > 0 else float("nan")


def clv_discounted(margin: Number, retention: Number, rate: float) -> Number:
    """m·r/(1 + i − r) with margin m, retention r and discount rate i of the same period.

    Numbers or arrays (one CLV per bootstrap replicate).
    """
    value: Number = margin * retention / (1 + rate - retention)
    return value


def monthly_rate(yearly: float) -> float:
    """The monthly equivalent of a yearly rate: (1 + y)^(1/12) − 1."""
    return float((1 + yearly) ** (1 / 12)) - 1


def upsell_counts(customers: pd.DataFrame, year: int) -> tuple[int, int]:
    """Customers active on 01.01. of ``year`` with an upgrade in that year, and all active then."""
    if "upgrade_date" not in customers:
        return 0, 0
    jan1, dec31 = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    active = (customers["start_date"] < jan1) & (end.isna() | (end >= jan1))
    up = customers["upgrade_date"].between(jan1, dec31) & active
    return int(up.sum()), int(active.sum())


def upsell(customers: pd.DataFrame, year: int) -> tuple[float, int]:
    """Share of customers active on 01.01. of ``year`` with an upgrade in that year, and n."""
    up, n = upsell_counts(customers, year)
    return (up / n if n else float("nan")), n


def contractual_clv_draws(
    revenue: np.ndarray,
    lost: int,
    at_start: int,
    margin_rate: float,
    discount_rate: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    max_resample: int = MAX_RESAMPLE,
) -> ClvDraws | None:
    """Bootstrap replicates of the lost count and the discounted monthly CLV of a contract business.

    ``revenue``: monthly revenues of the customers active at the cut-off;
    ``lost`` of ``at_start`` customers churned in the last full year. ARPU and
    churn are resampled independently (module notes); each replicate's CLV is
    computed as :func:`contractual` does. None with fewer than two revenues.
    """
    values = np.asarray(revenue, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2 or at_start <= 0:
        return None
    arpu = bootstrap_means([values], draws, seed, max_resample)[:, 0]
    rng = np.random.default_rng(seed + 1)
    lost_draws = rng.binomial(at_start, lost / at_start, size=draws)
    retention = (1 - lost_draws / at_start) ** (1 / 12)
    clv = clv_discounted(arpu * margin_rate, retention, monthly_rate(discount_rate))
    return ClvDraws(lost_draws.astype(float), clv)


def contractual_clv_interval(
    revenue: np.ndarray,
    lost: int,
    at_start: int,
    margin_rate: float,
    discount_rate: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    max_resample: int = MAX_RESAMPLE,
) -> Interval:
    """Bootstrap interval of the discounted monthly CLV (:func:`contractual_clv_draws`)."""
    replicates = contractual_clv_draws(
        revenue,
        lost,
        at_start,
        margin_rate,
        discount_rate,
        draws=draws,
        seed=seed,
        max_resample=max_resample,
    )
    return clv_interval(replicates)


def repurchase_clv_draws(
    bought: np.ndarray,
    revenue: np.ndarray,
    previous: np.ndarray,
    margin_rate: float,
    discount_rate: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    max_resample: int = MAX_RESAMPLE,
) -> ClvDraws | None:
    """Bootstrap replicates of the lost count and the yearly CLV of the repurchase view.

    Per customer: ``bought`` in the last 12 months, its ``revenue`` there
    (0 without a purchase), and ``previous``: bought in the 12 months before.
    ARPU = Σ revenue / Σ bought, r = Σ(previous·bought) / Σ previous, as in
    :func:`non_contractual`; lost = Σ previous·(1 − bought). Customers are
    resampled as a whole. None with fewer than two buyers in either year.
    """
    b = np.asarray(bought, dtype=bool)
    prev = np.asarray(previous, dtype=bool)
    if b.sum() < 2 or prev.sum() < 2:
        return None
    columns = [b, np.asarray(revenue, dtype=float), prev, prev & b]
    means = bootstrap_means(columns, draws, seed, max_resample)
    with np.errstate(invalid="ignore", divide="ignore"):
        arpu = means[:, 1] / means[:, 0]
        retention = means[:, 3] / means[:, 2]
    clv = clv_discounted(arpu * margin_rate, retention, discount_rate)
    return ClvDraws(len(b) * (means[:, 2] - means[:, 3]), clv)


def repurchase_clv_interval(
    bought: np.ndarray,
    revenue: np.ndarray,
    previous: np.ndarray,
    margin_rate: float,
    discount_rate: float,
    *,
    draws: int = DRAWS,
    seed: int = SEED,
    max_resample: int = MAX_RESAMPLE,
) -> Interval:
    """Bootstrap interval of the repurchase view's yearly CLV (:func:`repurchase_clv_draws`)."""
    replicates = repurchase_clv_draws(
        bought,
        revenue,
        previous,
        margin_rate,
        discount_rate,
        draws=draws,
        seed=seed,
        max_resample=max_resample,
    )
    return clv_interval(replicates)


def contractual(
    customers: pd.DataFrame,
    cutoff: dt.date,
    lost: int,
    at_start: int,
    margin_rate: float,
    discount_rate: float,
    year: int | None,
) -> Economics:
    """ARPU, up-sell and monthly CLV for a contract business (see module notes).

    ``lost`` of the ``at_start`` customers at the start of the last full year
    ``year`` churned in it (the yearly table of :mod:`cxlib.kpis.retention`).
    """
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    cut = pd.Timestamp(cutoff)
    active = (customers["start_date"] <= cut) & (end.isna() | (end > cut))
    revenue = customers.loc[active, "revenue_month"] if "revenue_month" in customers else None
    arpu = float(revenue.mean()) if revenue is not None and revenue.notna().any() else np.nan
    margin = arpu * margin_rate
    yearly_churn = lost / at_start if at_start else np.nan
    churn_m = 1 - (1 - yearly_churn) ** (1 / 12) if np.isfinite(yearly_churn) else np.nan
    r = 1 - churn_m
    up_count, up_n = upsell_counts(customers, year) if year else (0, 0)
    up = up_count / up_n if up_n else float("nan")
    values = revenue.to_numpy(dtype=float, na_value=np.nan) if revenue is not None else np.empty(0)
    replicates = contractual_clv_draws(values, lost, at_start, margin_rate, discount_rate)
    return Economics(
        "contractual",
        arpu,
        "month",
        int(active.sum()),
        margin,
        r,
        clv_simple(margin, churn_m),
        clv_discounted(margin, r, monthly_rate(discount_rate)),
        up,
        up_n,
        margin_rate=margin_rate,
        discount_rate=discount_rate,
        arpu_n=int(np.isfinite(values).sum()),
        arpu_interval=mean_interval(values),
        clv_interval=clv_interval(replicates),
        upsell_interval=share_interval(up_count, up_n),
        lost=lost,
        lost_of=at_start,
        lost_year=year,
        draws=replicates,
    )


def non_contractual(
    transactions: pd.DataFrame,
    cutoff: dt.date,
    window_days: int,
    margin_rate: float,
    discount_rate: float,
) -> Economics:
    """ARPU per year, repurchase rate, one-time buyers and repurchase-based CLV.

    Vectorised over customer numbers (each customer id is hashed once; no
    per-customer Python code and no copy of the transaction table), so that
    ten million purchases take seconds.
    """
    cut = pd.Timestamp(cutoff)
    # in order of appearance (the bootstrap draws customers by position); on the
    # shared codes of the loaded tables this hashes integers, not the numbers
    codes, uniques = pd.factorize(transactions["customer_id"], use_na_sentinel=True)
    days = transactions["date"].to_numpy(dtype="datetime64[ns]")
    amount = transactions["amount"].to_numpy(dtype=float, na_value=0.0)
    keep = (codes >= 0) & (days <= cut.to_datetime64())
    codes, days, amount = codes[keep], days[keep], amount[keep]
    k = len(uniques)
    one_year, two_years = cut - pd.DateOffset(years=1), cut - pd.DateOffset(years=2)
    last_year = days > one_year.to_datetime64()
    year_before = (days > two_years.to_datetime64()) & ~last_year
    bought = np.bincount(codes[last_year], minlength=k) > 0
    revenue = np.bincount(codes[last_year], weights=amount[last_year], minlength=k)
    arpu = float(revenue[bought].mean()) if bought.any() else np.nan
    previous = np.bincount(codes[year_before], minlength=k) > 0
    retention = float(bought[previous].mean()) if previous.any() else np.nan
    replicates = repurchase_clv_draws(bought, revenue, previous, margin_rate, discount_rate)
    interval = clv_interval(replicates)
    retained = int((bought & previous).sum())
    # repurchase within the window after the first purchase, counted in purchase
    # occasions: several records of one customer on one day are one occasion (the
    # occasions early churn and the conversion read, kept per purchases table)
    occasions = purchase_occasions(transactions, cut)
    eligible = occasions["first"] <= cut - pd.Timedelta(days=window_days)
    gap = (occasions["second"] - occasions["first"]).dt.days
    repurchased = int((eligible & (gap <= window_days)).sum())
    buyers = int(bought.sum())
    eligible_n = int(eligible.sum())
    margin = arpu * margin_rate
    return Economics(
        "non_contractual",
        arpu,
        "year",
        buyers,
        margin,
        retention,
        clv_simple(margin, 1 - retention),
        clv_discounted(margin, retention, discount_rate),
        repurchase_rate=repurchased / eligible_n if eligible_n else np.nan,
        repurchase_n=eligible_n,
        repurchase_window_days=window_days,
        one_time_share=float(occasions["second"].isna().mean()) if len(occasions) else np.nan,
        margin_rate=margin_rate,
        discount_rate=discount_rate,
        arpu_n=buyers,
        arpu_interval=mean_interval(revenue[bought]),
        clv_interval=interval,
        repurchase_interval=share_interval(repurchased, eligible_n),
        retention_interval=share_interval(retained, int(previous.sum())),
        lost=int(previous.sum()) - retained,
        lost_of=int(previous.sum()),
        draws=replicates,
    )
