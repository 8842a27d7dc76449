"""The monthly churn rate of the customers with contracts, overall or of one group.

For a plan measure whose KPI is a monthly cancellation rate (metric
``monthly_churn``, e.g. Stadtwerke's "Monatliche Kündigungsquote
Vergleichsportal-Kunden (%)"): over the :data:`MONTHS` full calendar months
up to the data's cut-off, the customers whose contract ended in a month
among those active at its start, summed over the months:

    rate = Σ ended in month m / Σ active at the start of month m

("active at the start": started before the month, no end before it; the
customers table's ``start_date`` and ``end_date``). A customer who starts
and ends within one month is not counted (not at risk at its start). The
group is one value of a column of the customers table (``segment``,
``product``, ``region`` or ``channel``); without a group, all customers.
Interval: Wilson on the customer-months (each month of a customer one
trial), n the customers active at the start of the first month. ``active``
is the group's customers active at the cut-off: how many customers the rate
applies to in the coming year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.kpis.intervals import share_interval

#: The months the rate is counted over (the last year of the data).
MONTHS = 12


@dataclass(frozen=True)
class ChurnRate:
    """Monthly churn of a group of customers (see the module notes)."""

    #: contracts ended and customer-months at risk, summed over the months
    lost: int
    exposure: int
    #: customers at the start of the first month; active customers at the cut-off
    n: int
    active: int
    first_month: dt.date
    last_month: dt.date
    low: float = float("nan")
    high: float = float("nan")

    @property
    def rate(self) -> float:
        """Contracts ended per customer and month (a share, 0-1)."""
        return self.lost / self.exposure if self.exposure else float("nan")


def monthly_churn(
    customers: pd.DataFrame | None,
    cutoff: dt.date,
    column: str | None = None,
    value: str | None = None,
) -> ChurnRate | None:
    """The monthly churn rate of the last :data:`MONTHS` full months (module notes).

    None without a customers table with start and end dates, without the
    group's column, or without anybody at risk.
    """
    if customers is None or not {"start_date", "end_date"} <= set(customers.columns):
        return None
    frame = customers
    if column is not None:
        if column not in frame:
            return None
        frame = frame[frame[column].astype("string").eq(str(value)).fillna(False).to_numpy()]
    start = pd.to_datetime(frame["start_date"]).to_numpy(dtype="datetime64[ns]")
    end = pd.to_datetime(frame["end_date"]).to_numpy(dtype="datetime64[ns]")
    # the full months up to the cut-off: the cut-off's month if it is its last day
    cut = pd.Timestamp(cutoff)
    last = cut.to_period("M") if (cut + pd.Timedelta(days=1)).day == 1 else cut.to_period("M") - 1
    months = pd.period_range(end=last, periods=MONTHS, freq="M")
    lost = exposure = 0
    first_n = 0
    for k, month in enumerate(months):
        begin = month.start_time.to_datetime64()
        after = (month + 1).start_time.to_datetime64()
        at_risk = (start < begin) & (np.isnat(end) | (end >= begin))
        ended = at_risk & ~np.isnat(end) & (end < after)
        exposure += int(at_risk.sum())
        lost += int(ended.sum())
        if k == 0:
            first_n = int(at_risk.sum())
    if exposure == 0:
        return None
    now = pd.Timestamp(cutoff).to_datetime64()
    active = int(((start <= now) & (np.isnat(end) | (end > now))).sum())
    interval = share_interval(lost, exposure)
    return ChurnRate(
        lost=lost,
        exposure=exposure,
        n=first_n,
        active=active,
        first_month=months[0].start_time.date(),
        last_month=months[-1].start_time.date(),
        low=float(interval.low),
        high=float(interval.high),
    )
