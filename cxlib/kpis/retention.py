"""Retention level: churn and retention per year, cohort retention, early churn.

Conventions (calendar years, dates inclusive):

* S = customers active at the start of the year (started before 01.01., not
  ended before 01.01.); N = customers who started in the year; E = customers
  active at its end (started by 31.12., no end date or an end date after
  31.12.); lost = customers of S whose contract ended in the year; lost_new =
  customers of N whose contract ended in the same year. The flows balance
  exactly: S + N − lost − lost_new = E.
* Churn rate = lost/S; retention rate = (S − lost)/S = 1 − churn rate, the
  share of the customers of 01.01. still customer on 31.12. (the textbook
  (E − N)/S also subtracts new customers who left within their first year,
  so churn and retention would not add up to 100 %; those leavers are early
  churn). Only full years inside the data window (``analysis.observation_start``
  or the first start date, up to the cut-off) are computed.
* Cohort matrix: new customers (start inside the window) by start month;
  cell (cohort, k) = share still customer k full months after the start,
  only where every customer of the cohort is observable that long (right
  censoring: later cells stay empty). It is the descriptive view; the
  survival section estimates Kaplan-Meier curves.
* Early churn within k months (:func:`early_churn`, the one definition the
  KPI section, the journey evidence and the churn section use): customers who
  started in the data window and can be observed for the full k months; lost
  = the contract ended before the day k months after the start (an end on
  that day means k full months). Without contracts (purchases only), lost =
  no purchase on or after that day, and observable = that day plus the
  inactivity period (``analysis.survival.inactivity_days``) lies on or before
  the cut-off, so that "no purchase since" has lasted long enough to count as
  gone. A share of the customers observable that long, not a Kaplan-Meier
  estimate: it can be counted by hand from the customer file.
* Without contracts, churn is counted among the customers who came back: the
  time runs from the second purchase occasion (:func:`purchase_occasions`),
  not from the first. A one-time buyer never had a second purchase; by the
  rule "lost on the day of the last purchase" every one of them would be lost
  on the day they arrived, and the churn curve would drop by their share at
  month 0 (Café Bohnenglück: 29 %). Whether a first-time buyer comes back is a
  question of its own (conversion, :func:`first_to_second`), not of how long
  a customer stays. Counting from the first purchase but only customers who
  came back would be biased as well: they cannot be lost before their second
  purchase (time they are sure to survive). From the second purchase on, the
  rule is the same for everyone: lost on the day of the last purchase, seen
  only once the inactivity period has passed.
* First to second purchase (:func:`first_to_second`, clients without
  contracts): customers whose first purchase lies at least the inactivity
  period before the cut-off; converted = a second purchase occasion (another
  day: several records of one customer on one day are one purchase) within
  that period after the first. The others are the one-time buyers the rule
  counts as lost on the day of their first purchase; the report states them
  as this figure of their own, with a Wilson interval and n.
* Sensitivity of early churn (:func:`inactivity_sensitivity`): the same early
  churn with other inactivity periods (90, 180, 365 days and the client's own),
  each with its n: how much the headline rests on the chosen rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from cxlib.io.customer_codes import customer_codes, customer_days, join_on_customer, numbers_of
from cxlib.kpis.intervals import Interval, share_interval
from cxlib.parameters.schema import ClientParameters

#: Inactivity periods (days) of the sensitivity of early churn, besides the client's own.
SENSITIVITY_DAYS = (90, 180, 365)


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

    Columns: year, start (S), new (N), end (E), lost (of S), lost_new (of N),
    retention, churn (shares 0-1, retention = 1 − churn).
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
        lost = int((s_mask & (end <= dec31)).sum())
        lost_new = int((n_mask & (end <= dec31)).sum())
        s, n, e = int(s_mask.sum()), int(n_mask.sum()), int(e_mask.sum())
        rows.append(
            {
                "year": year,
                "start": s,
                "new": n,
                "end": e,
                "lost": lost,
                "lost_new": lost_new,
                "retention": (s - lost) / s if s else np.nan,
                "churn": lost / s if s else np.nan,
            }
        )
    columns = ["year", "start", "new", "end", "lost", "lost_new", "retention", "churn"]
    return pd.DataFrame(rows, columns=columns)


def shown_complement(share: float, decimals: int = 1) -> float:
    """1 − ``share`` as a table shows it: 100 % minus ``share`` rounded (half up) to ``decimals``.

    Shown next to ``share`` with the same decimals, the two percentages add up
    to exactly 100 % (6,85 % and 93,15 % would both round up, to 100,1 %).
    """
    if share is None or not np.isfinite(share):
        return float("nan")
    step = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(share * 100)).quantize(step, rounding=ROUND_HALF_UP)
    return float(Decimal(100) - rounded) / 100


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


#: The purchase occasions of the last frames asked about (see :func:`purchase_occasions`):
#: id of the frame -> (weak reference to it, {cut-off: occasions}).
_OCCASIONS: dict[int, tuple[weakref.ref[pd.DataFrame], dict[object, pd.DataFrame]]] = {}


def purchase_occasions(transactions: pd.DataFrame, cutoff: object = None) -> pd.DataFrame:
    """First, second and last purchase occasion (day) per customer, for clients without contracts.

    Index: customer_id; columns ``first``, ``second`` (NaT for a one-time buyer)
    and ``last`` (Timestamps at midnight). Several records of one customer on
    one day are one purchase occasion. Only purchases on or before ``cutoff``
    count (all when None).

    Early churn needs them once per number of months and inactivity period,
    in three sections: the result is kept for the frame (the same object, as
    long as it lives) and cut-off, and copied out, so that ten million
    purchases are sorted once per process instead of a dozen times.
    """
    key = None if cutoff is None else pd.Timestamp(cutoff)
    ident = id(transactions)
    held = _OCCASIONS.get(ident)
    if held is None or held[0]() is not transactions:  # a new frame (or a dead one's id)
        held = (weakref.ref(transactions, functools.partial(_forget, ident)), {})
        _OCCASIONS[ident] = held
    found = held[1].get(key)
    if found is None:
        found = held[1][key] = _occasions(transactions, key)
    return found.copy()


def _forget(ident: int, _: object) -> None:
    """Drop the occasions of a frame that is gone (called when it is garbage-collected)."""
    _OCCASIONS.pop(ident, None)


def _occasions(transactions: pd.DataFrame, cut: pd.Timestamp | None) -> pd.DataFrame:
    ids = transactions["customer_id"]
    (codes,), _ = customer_codes(ids)
    stamps = transactions["date"].to_numpy(dtype="datetime64[ns]")
    keep = (codes >= 0) & ~np.isnat(stamps)
    if cut is not None:
        keep &= stamps <= cut.to_datetime64()
    codes, days = customer_days(codes[keep], stamps[keep])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    ends = np.r_[starts[1:], len(codes)] - 1 if len(codes) else codes
    repeat = ends > starts
    second = np.full(len(starts), np.datetime64("NaT"), dtype="datetime64[D]")
    second[repeat] = days[starts[repeat] + 1]
    index = numbers_of(codes[starts], ids).rename("customer_id")
    return pd.DataFrame(
        {
            "first": pd.to_datetime(days[starts]),
            "second": pd.to_datetime(second),
            "last": pd.to_datetime(days[ends]),
        },
        index=index,
    )


def cohort_median(customers: pd.DataFrame, window_start: dt.date) -> float | None:
    """The median number of new customers per start month with any (None without any).

    A cohort chart says something only when a start month holds enough customers:
    with one or two per month every cell is 0 % or 100 %.
    """
    new = _new_customers(customers, window_start)
    if new.empty:
        return None
    return float(new["start_date"].dt.to_period("M").value_counts().median())


@dataclass(frozen=True)
class EarlyChurn:
    """Customers lost within ``months`` months of their start, among those observable that long.

    ``first_start`` and ``last_start`` bound the start dates of the customers
    counted (the stated period; None when nobody is observable that long).
    """

    months: int
    lost: int
    n: int
    first_start: dt.date | None = None
    last_start: dt.date | None = None

    @property
    def share(self) -> float:
        """lost / n (NaN without customers)."""
        return self.lost / self.n if self.n else float("nan")


def _anniversary(start: pd.Series, months: int) -> pd.Series:
    """The day ``months`` calendar months after each start (31.08. + 6 months = 28.02.)."""
    return start + pd.DateOffset(months=months)


def early_churn(
    customers: pd.DataFrame,
    window_start: dt.date,
    cutoff: dt.date,
    months: int,
    *,
    transactions: pd.DataFrame | None = None,
    inactivity_days: int | None = None,
) -> EarlyChurn:
    """Early churn: customers who started in the window and left within ``months`` months.

    The one definition of early churn (module docstring). With
    ``transactions`` and ``inactivity_days`` (clients without contracts) the
    months count from the customer's second purchase occasion (one-time buyers
    are not counted: :func:`first_to_second`), and a customer is lost when
    there is no purchase on or after the day ``months`` months after it;
    otherwise when the contract ended before the day ``months`` months after
    the start. ``first_start``/``last_start`` bound the days the months count from.
    """
    new = _new_customers(customers, window_start)
    cut = pd.Timestamp(cutoff)
    if transactions is not None and inactivity_days is not None:
        occasions = purchase_occasions(transactions, cut)[["second", "last"]]
        # matched on the shared customer codes (a map would hash every customer number)
        joined = join_on_customer(customers.loc[new.index, ["customer_id"]], occasions)
        start = joined["second"]  # counted from the second purchase occasion
        anniversary = _anniversary(start, months)
        seen = joined["last"]
        observable = start.notna() & (anniversary + pd.Timedelta(days=inactivity_days) <= cut)
        lost = seen < anniversary
    else:
        start = new["start_date"]
        anniversary = _anniversary(start, months)
        observable = anniversary <= cut
        end = new["end_date"] if "end_date" in new else pd.Series(pd.NaT, new.index)
        lost = end.notna() & (end < anniversary)
    counted = start[observable]
    first = counted.min().date() if len(counted) else None
    last_start = counted.max().date() if len(counted) else None
    return EarlyChurn(months, int((observable & lost).sum()), len(counted), first, last_start)


def window_start(params: ClientParameters, customers: pd.DataFrame | None) -> dt.date | None:
    """The data window's first day: ``analysis.observation_start``, else the first start date."""
    if params.analysis.observation_start:
        return params.analysis.observation_start
    if customers is None or "start_date" not in customers or customers["start_date"].isna().all():
        return None
    first: pd.Timestamp = customers["start_date"].min()
    return dt.date(first.year, first.month, first.day)


def client_early_churn(
    params: ClientParameters,
    customers: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    months: list[int],
) -> tuple[EarlyChurn, ...]:
    """Early churn of one client for each of ``months``: what every section reports.

    :func:`early_churn` over the data window (:func:`window_start`); without
    contracts a customer counts as lost after ``analysis.survival.inactivity_days``
    without a purchase. Empty without start dates (or purchases, without contracts).
    """
    window = window_start(params, customers)
    contractual = params.business_model == "contractual"
    if customers is None or window is None or (not contractual and transactions is None):
        return ()
    quiet = None if contractual else params.analysis.survival.inactivity_days
    return tuple(
        early_churn(
            customers,
            window,
            params.cutoff,
            m,
            transactions=None if contractual else transactions,
            inactivity_days=quiet,
        )
        for m in months
    )


@dataclass(frozen=True)
class FirstToSecond:
    """How many first-time buyers buy a second time within ``window_days`` (no contracts)."""

    window_days: int
    converted: int
    n: int
    interval: Interval

    @property
    def share(self) -> float:
        """converted / n (NaN without customers)."""
        return self.converted / self.n if self.n else float("nan")


def first_to_second(transactions: pd.DataFrame, cutoff: dt.date, window_days: int) -> FirstToSecond:
    """Conversion from the first to a second purchase occasion within ``window_days``.

    Counted among customers whose first purchase lies at least ``window_days``
    before ``cutoff`` (module docstring); records on the first day are one purchase.
    """
    cut = pd.Timestamp(cutoff)
    occasions = purchase_occasions(transactions, cut)  # kept: early churn needs them too
    eligible = occasions["first"] <= cut - pd.Timedelta(days=window_days)
    gap = (occasions["second"] - occasions["first"]).dt.days
    converted, n = int((eligible & (gap <= window_days)).sum()), int(eligible.sum())
    return FirstToSecond(window_days, converted, n, share_interval(converted, n))


def inactivity_sensitivity(
    params: ClientParameters,
    customers: pd.DataFrame | None,
    transactions: pd.DataFrame | None,
    months: int = 6,
) -> tuple[tuple[int, EarlyChurn], ...]:
    """Early churn within ``months`` for each inactivity period of :data:`SENSITIVITY_DAYS`
    and the client's own, by days; empty for a contractual client or without data."""
    window = window_start(params, customers)
    if params.business_model == "contractual" or customers is None or transactions is None:
        return ()
    if window is None:
        return ()
    own = params.analysis.survival.inactivity_days
    return tuple(
        (
            days,
            early_churn(
                customers,
                window,
                params.cutoff,
                months,
                transactions=transactions,
                inactivity_days=days,
            ),
        )
        for days in sorted({*SENSITIVITY_DAYS, own})
    )
