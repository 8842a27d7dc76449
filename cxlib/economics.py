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


def clv_simple(margin: float, churn: float) -> float:
    """Margin per period / churn per period."""
    return margin / churn if churn > 0 else float("nan")


def clv_discounted(margin: float, retention: float, rate: float) -> float:
    """m·r/(1 + i − r) with margin m, retention r and discount rate i of the same period."""
    return margin * retention / (1 + rate - retention)


def monthly_rate(yearly: float) -> float:
    """The monthly equivalent of a yearly rate: (1 + y)^(1/12) − 1."""
    return (1 + yearly) ** (1 / 12) - 1


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
    )


def non_contractual(
    transactions: pd.DataFrame,
    cutoff: dt.date,
    window_days: int,
    margin_rate: float,
    discount_rate: float,
) -> Economics:
    """ARPU per year, repurchase rate, one-time buyers and repurchase-based CLV."""
    cut = pd.Timestamp(cutoff)
    tx = transactions[transactions["date"] <= cut]
    last_year = tx[tx["date"] > cut - pd.DateOffset(years=1)]
    year_before = tx[
        (tx["date"] > cut - pd.DateOffset(years=2)) & (tx["date"] <= cut - pd.DateOffset(years=1))
    ]
    buyers = last_year.groupby("customer_id", observed=True)["amount"].sum()
    arpu = float(buyers.mean()) if len(buyers) else np.nan
    previous = pd.Index(year_before["customer_id"].unique())
    retention = float(previous.isin(buyers.index).mean()) if len(previous) else np.nan
    # repurchase within the window after the first purchase
    dates = tx.sort_values("date").groupby("customer_id", observed=True)["date"]
    first, counts = dates.min(), dates.size()
    second = dates.nth(1)
    second = pd.Series(second.to_numpy(), index=tx.loc[second.index, "customer_id"].to_numpy())
    eligible = first[first <= cut - pd.Timedelta(days=window_days)]
    gap = (second.reindex(eligible.index) - eligible).dt.days
    repurchased = int((gap <= window_days).sum())
    margin = arpu * margin_rate
    return Economics(
        "non_contractual",
        arpu,
        "year",
        len(buyers),
        margin,
        retention,
        clv_simple(margin, 1 - retention),
        clv_discounted(margin, retention, discount_rate),
        repurchase_rate=repurchased / len(eligible) if len(eligible) else np.nan,
        repurchase_n=len(eligible),
        repurchase_window_days=window_days,
        one_time_share=float((counts == 1).mean()) if len(counts) else np.nan,
    )
