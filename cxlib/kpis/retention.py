"""Retention level: churn and retention per year, cohort retention, early churn.

Conventions (calendar years, dates inclusive):

* S = customers active at the start of the year (started before 01.01., not
  ended before 01.01.); N = customers who started in the year; E = customers
  active at its end (started by 31.12., no end date or an end date after
  31.12.); lost = customers of S whose contract ended in the year.
* Retention rate = (E − N)/S; churn rate = lost/S. Only full years inside
  the data window (``analysis.observation_start`` or the first start date,
  up to the cut-off) are computed.
* Cohort matrix: new customers (start inside the window) by start month;
  cell (cohort, k) = share still customer k full months after the start,
  only where every customer of the cohort is observable that long (right
  censoring: later cells stay empty). It is the descriptive view; the
  survival section estimates Kaplan-Meier curves.
* Early churn within k months: share of new customers whose contract ended
  within k months, counting only customers who started at least k months
  before the cut-off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _months_between(start: pd.Series, end: pd.Series | pd.Timestamp) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (a month counts once its day is reached)."""
    end_year = end.dt.year if isinstance(end, pd.Series) else end.year
    end_month = end.dt.month if isinstance(end, pd.Series) else end.month
    end_day = end.dt.day if isinstance(end, pd.Series) else end.day
    months = (end_year - start.dt.year) * 12 + (end_month - start.dt.month)
    months = months - (end_day < start.dt.day)
    return np.asarray(months, dtype=float)


def _new_customers(customers: pd.DataFrame, window_start: dt.date) -> pd.DataFrame:
    """Start and end dates of the customers who started in the window.

    Only the two date columns are copied, not a million ids and categories.
    """
    dates = customers[[c for c in ("start_date", "end_date") if c in customers]]
    return dates[dates["start_date"] >= pd.Timestamp(window_start)]


def yearly(customers: pd.DataFrame, window_start: dt.date, cutoff: dt.date) -> pd.DataFrame:
    """S, N, E, lost, retention and churn rate per full calendar year in the window.

    Columns: year, start (S), new (N), end (E), lost, retention, churn (shares 0-1).
    """
    start = customers["start_date"]
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    first = window_start.year + (0 if (window_start.month, window_start.day) == (1, 1) else 1)
    last = cutoff.year if (cutoff.month, cutoff.day) == (12, 31) else cutoff.year - 1
    rows = []
    for year in range(first, last + 1):
        jan1, dec31 = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        s_mask = (start < jan1) & (end.isna() | (end >= jan1))
        n_mask = (start >= jan1) & (start <= dec31)
        e_mask = (start <= dec31) & (end.isna() | (end > dec31))
        lost = s_mask & (end <= dec31)
        s, n, e = int(s_mask.sum()), int(n_mask.sum()), int(e_mask.sum())
        rows.append(
            {
                "year": year,
                "start": s,
                "new": n,
                "end": e,
                "lost": int(lost.sum()),
                "retention": (e - n) / s if s else np.nan,
                "churn": int(lost.sum()) / s if s else np.nan,
            }
        )
    columns = ["year", "start", "new", "end", "lost", "retention", "churn"]
    return pd.DataFrame(rows, columns=columns)


def cohort_matrix(
    customers: pd.DataFrame, window_start: dt.date, cutoff: dt.date, max_months: int = 24
) -> pd.DataFrame:
    """Share of each start-month cohort still customer after k = 1…max_months months.

    Index: cohort month (Timestamp of its first day); columns: k; NaN where
    the cohort cannot be observed k months yet.
    """
    cut = pd.Timestamp(cutoff)
    new = _new_customers(customers, window_start)
    if new.empty:
        return pd.DataFrame(columns=range(1, max_months + 1), dtype=float)
    start = new["start_date"]
    end = new["end_date"] if "end_date" in new else pd.Series(pd.NaT, new.index)
    lifetime = np.where(end.notna(), _months_between(start, end.fillna(cut)), np.inf)
    cohort = start.dt.to_period("M").dt.to_timestamp()
    ks = np.arange(1, max_months + 1)
    alive = pd.DataFrame(lifetime[:, None] >= ks[None, :], index=new.index, columns=ks)
    shares = alive.groupby(cohort.to_numpy()).mean()
    # observable: the cohort's last possible start (its month end) plus k months is on or
    # before the cut-off; in the cut-off's month the day is clipped to that month's length
    month_end = shares.index + pd.offsets.MonthEnd(0)
    target = (month_end.year * 12 + month_end.month).to_numpy()[:, None] + ks[None, :]
    cut_month = cut.year * 12 + cut.month
    day = np.minimum(month_end.day.to_numpy(), cut.days_in_month)[:, None]
    observable = (target < cut_month) | ((target == cut_month) & (day <= cut.day))
    return shares.where(observable)


@dataclass(frozen=True)
class EarlyChurn:
    """Share of new customers lost within ``months`` months, among those observable that long."""

    months: int
    lost: int
    n: int

    @property
    def share(self) -> float:
        return self.lost / self.n if self.n else float("nan")


def early_churn(
    customers: pd.DataFrame, window_start: dt.date, cutoff: dt.date, months: int
) -> EarlyChurn:
    """Customers who started in the window and ended within ``months`` months."""
    new = _new_customers(customers, window_start)
    observable = _months_between(new["start_date"], pd.Timestamp(cutoff)) >= months
    new = new[observable]
    if "end_date" not in new:
        return EarlyChurn(months, 0, len(new))
    end = new["end_date"]
    lived = _months_between(new["start_date"], end.fillna(pd.Timestamp(cutoff)))
    lost = end.notna().to_numpy() & (lived < months)
    return EarlyChurn(months, int(lost.sum()), len(new))
