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
  the cut-off; one-time buyers = customers with exactly one purchase. The
  yearly "retention" r = share of last-but-one year's buyers who bought again
  in the last year; m = yearly margin per buyer; CLV = m·r/(1 + d − r).
* Up-/cross-sell rate: customers with an ``upgrade_date`` in the last full
  year / customers active at its start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


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


def clv_simple(margin: float, churn: float) -> float:
    """Margin per period / churn per period."""
    return margin / churn if churn > 0 else float("nan")


def clv_discounted(margin: float, retention: float, rate: float) -> float:
    """m·r/(1 + i − r) with margin m, retention r and discount rate i of the same period."""
    return margin * retention / (1 + rate - retention)


def monthly_rate(yearly: float) -> float:
    """The monthly equivalent of a yearly rate: (1 + y)^(1/12) − 1."""
    return float((1 + yearly) ** (1 / 12)) - 1


def upsell(customers: pd.DataFrame, year: int) -> tuple[float, int]:
    """Share of customers active on 01.01. of ``year`` with an upgrade in that year."""
    if "upgrade_date" not in customers:
        return float("nan"), 0
    jan1, dec31 = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    active = (customers["start_date"] < jan1) & (end.isna() | (end >= jan1))
    up = customers["upgrade_date"].between(jan1, dec31) & active
    n = int(active.sum())
    return (int(up.sum()) / n if n else float("nan")), n


def contractual(
    customers: pd.DataFrame,
    cutoff: dt.date,
    yearly_churn: float,
    margin_rate: float,
    discount_rate: float,
    year: int | None,
) -> Economics:
    """ARPU, up-sell and monthly CLV for a contract business (see module notes)."""
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    cut = pd.Timestamp(cutoff)
    active = (customers["start_date"] <= cut) & (end.isna() | (end > cut))
    revenue = customers.loc[active, "revenue_month"] if "revenue_month" in customers else None
    arpu = float(revenue.mean()) if revenue is not None and revenue.notna().any() else np.nan
    margin = arpu * margin_rate
    churn_m = 1 - (1 - yearly_churn) ** (1 / 12) if np.isfinite(yearly_churn) else np.nan
    r = 1 - churn_m
    up, up_n = upsell(customers, year) if year else (float("nan"), 0)
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
    codes, uniques = pd.factorize(transactions["customer_id"], use_na_sentinel=True)
    days = transactions["date"].to_numpy(dtype="datetime64[ns]")
    amount = np.nan_to_num(transactions["amount"].to_numpy(dtype=float, na_value=np.nan))
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
    # repurchase within the window after the first purchase
    order = np.lexsort((days, codes))
    codes, days = codes[order], days[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    counts = np.diff(np.r_[starts, len(codes)])
    first = days[starts]
    has_second = counts > 1
    eligible = first <= (cut - pd.Timedelta(days=window_days)).to_datetime64()
    gap = (
        days[starts[has_second & eligible] + 1] - first[has_second & eligible]
    ) // np.timedelta64(1, "D")
    repurchased = int((gap <= window_days).sum())
    buyers = int(bought.sum())
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
        repurchase_rate=repurchased / int(eligible.sum()) if eligible.any() else np.nan,
        repurchase_n=int(eligible.sum()),
        repurchase_window_days=window_days,
        one_time_share=float((counts == 1).mean()) if len(counts) else np.nan,
        margin_rate=margin_rate,
        discount_rate=discount_rate,
    )
