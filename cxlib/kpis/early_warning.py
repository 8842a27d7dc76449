"""Early-warning signals (seed 003) counted per month.

From the ``signals`` table (one row per customer and month) and, where
present, the ``tickets`` table. The rules (choices, documented defaults):

* falling usage: usage below 80 % of the customer's usage three months
  earlier, after dividing by the median of that ratio over all customers in
  the month (so that seasons do not count as signals);
* repeated tickets: ≥ 2 tickets in the month and the two months before;
* longer payment times: days to pay ≥ the median of the customer's own earlier
  months (at least three of them) + 5 days; only the past counts, so that a
  month's flag never depends on what the customer did later;
* frequent queries: ≥ 2 contacts in the month;
* silent withdrawal: no usage and no contact in the month.

Only the counts reach the report. The customers with two or more signals in
the latest month (:attr:`EarlyWarning.latest_flags`) go, by pseudonymous id
only, onto the team's one call list ``rueckrufliste.csv`` next to the report
(:mod:`cxlib.survival.team_list`), never into the HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.io.loading import ClientData

SIGNALS = ("usage_drop", "repeated_tickets", "slow_payment", "frequent_queries", "silent")
USAGE_DROP = 0.80
PAYMENT_DAYS = 5
PAYMENT_HISTORY = 3  # earlier months with days to pay before the payment rule applies
QUERIES = 2
TICKETS = 2


@dataclass(frozen=True)
class EarlyWarning:
    """Customers showing each signal per month, and who shows ≥ 2 in the latest month."""

    monthly: pd.DataFrame  # month, customers, one count column per available signal
    latest_month: pd.Timestamp
    flagged: tuple[str, ...]  # pseudonymous ids with ≥ 2 signals in the latest month
    available: tuple[str, ...]
    #: customer_id and one bool column per signal, for the flagged customers
    latest_flags: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: customer_id, month and one bool column per available signal, every customer-month
    flags: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Customers showing each signal, per month."""
        return self.monthly.copy()


def early_warning(
    signals: pd.DataFrame,
    tickets: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
) -> EarlyWarning:
    """Flag every customer-month with the available signals and count them.

    With ``customers`` the usage ratio is compared within the same product
    (electricity and gas have different seasons).
    """
    frame = signals.sort_values(["customer_id", "month"]).reset_index(drop=True)
    peer = pd.Series("all", index=frame.index)
    if customers is not None and "product" in customers:
        products = customers.set_index("customer_id")["product"]
        peer = frame["customer_id"].map(products).astype("string").fillna("all")
    flags = pd.DataFrame(index=frame.index)
    customer = frame["customer_id"]
    codes = pd.Series(pd.factorize(customer)[0], index=frame.index)  # group once by integers
    if "usage" in frame and frame["usage"].notna().any():
        earlier = frame.groupby(codes)["usage"].shift(3)
        gap = frame["month"].dt.to_period("M").astype("int64") - frame.groupby(
            "customer_id", observed=True
        )["month"].shift(3).dt.to_period("M").astype("int64")
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (frame["usage"] / earlier).where(gap == 3)
        ratio = ratio.replace([np.inf, -np.inf], np.nan)
        relative = ratio / ratio.groupby([frame["month"], peer]).transform("median")
        flags["usage_drop"] = relative < USAGE_DROP
    if "days_to_pay" in frame and frame["days_to_pay"].notna().any():
        usual = (
            frame.groupby(codes)["days_to_pay"]
            .expanding(min_periods=PAYMENT_HISTORY)
            .median()
            .groupby(level=0)
            .shift(1)  # months before this one only
            .reset_index(level=0, drop=True)
        )
        flags["slow_payment"] = frame["days_to_pay"] >= usual + PAYMENT_DAYS
    if "contacts" in frame and frame["contacts"].notna().any():
        flags["frequent_queries"] = frame["contacts"] >= QUERIES
    if {"usage", "contacts"} <= set(frame.columns):
        flags["silent"] = (frame["usage"] == 0) & (frame["contacts"] == 0)
    if tickets is not None and len(tickets):
        month = tickets["opened"].dt.to_period("M")
        counts = tickets.groupby([tickets["customer_id"], month], observed=True).size()
        periods = frame["month"].dt.to_period("M")
        total = sum(
            counts.reindex(pd.MultiIndex.from_arrays([customer, periods - lag]))
            .fillna(0)
            .to_numpy()
            for lag in range(3)
        )
        flags["repeated_tickets"] = np.asarray(total) >= TICKETS
    flags = flags.fillna(False).astype(bool)
    available = tuple(s for s in SIGNALS if s in flags)
    monthly = flags.groupby(frame["month"]).sum()
    monthly.insert(0, "customers", frame.groupby("month").size())
    monthly["two_or_more"] = (flags.sum(axis=1) >= 2).groupby(frame["month"]).sum()
    latest = frame["month"].max()
    last = (frame["month"] == latest) & (flags.sum(axis=1) >= 2)
    flagged = tuple(sorted(customer[last].astype(str)))
    latest_flags = pd.concat([customer[last].astype(str), flags.loc[last, list(available)]], axis=1)
    latest_flags = latest_flags.sort_values("customer_id").reset_index(drop=True)
    every = pd.concat([frame[["customer_id", "month"]], flags[list(available)]], axis=1)
    return EarlyWarning(monthly.reset_index(), latest, flagged, available, latest_flags, every)


def client_warning(data: ClientData | Mapping[str, pd.DataFrame]) -> EarlyWarning | None:
    """:func:`early_warning` of the client's ``signals``, ``tickets`` and ``customers`` tables.

    None without signals. With a :class:`~cxlib.io.loading.ClientData` it is
    computed once and kept in its memo: the churn model's signals (testing
    family, before the notebooks) and the KPI section count the same flags.
    """
    signals = data.get("signals")
    if signals is None or not len(signals):
        return None

    def compute() -> EarlyWarning:
        return early_warning(signals, data.get("tickets"), data.get("customers"))

    if isinstance(data, ClientData):
        return data.remembered("kpis.early_warning", compute)
    return compute()


def customer_months(
    customers: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp
) -> pd.DataFrame:
    """The customer-months (``customer_id``, ``month``) of running contracts, ``first``-``last``.

    For clients without a ``signals`` table: the grid on which
    :func:`early_warning` counts the ticket signal from the ``tickets`` table.
    """
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    start = customers["start_date"]
    end = customers["end_date"] if "end_date" in customers else pd.Series(pd.NaT, customers.index)
    frames = [pd.DataFrame({"customer_id": pd.Series(dtype=object), "month": pd.NaT})]
    for month in months:
        active = (start <= month + pd.offsets.MonthEnd(0)) & (end.isna() | (end >= month))
        ids = customers.loc[active, "customer_id"]
        frames.append(pd.DataFrame({"customer_id": ids.to_numpy(), "month": month}))
    return pd.concat(frames, ignore_index=True)


def visibility(warning: EarlyWarning, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Per signal: how often it showed in the month before leaving, against all other months.

    The seed's question "does the signal show in the data?" answered on the
    same customer-month flags the monthly table counts. Leavers are the
    customers whose contract ends in a month of the table and whose month
    before is in the table too; their flag in that month before is compared
    with the flags of all other customer-months. Index: signal; columns:
    ``flagged`` (customer-months with the signal, the monthly table's total),
    ``leavers``, ``leavers_flagged``, ``share_leavers``, ``other_months``,
    ``share_other`` and ``ratio`` (share_leavers / share_other; NaN when the
    signal was never counted, inf when only leavers showed it).
    """
    flags = warning.flags
    columns = ["flagged", "leavers", "leavers_flagged", "share_leavers", "other_months"]
    columns += ["share_other", "ratio"]
    if customers is None or "end_date" not in customers or flags.empty:
        before = pd.Series(False, index=flags.index)
    else:
        ends = customers.drop_duplicates("customer_id").set_index("customer_id")["end_date"]
        end_month = flags["customer_id"].map(ends).dt.to_period("M")
        month = flags["month"].dt.to_period("M")
        before = (end_month.notna() & (month == end_month - 1)).astype(bool)
    rows = []
    for signal in warning.available:
        on = flags[signal].to_numpy(dtype=bool)
        at, other = on[before.to_numpy()], on[~before.to_numpy()]
        share_leavers = float(at.mean()) if at.size else np.nan
        share_other = float(other.mean()) if other.size else np.nan
        if not on.any() or np.isnan(share_leavers) or np.isnan(share_other):
            ratio = np.nan
        elif share_other == 0:
            ratio = np.inf
        else:
            ratio = share_leavers / share_other
        rows.append(
            {
                "signal": signal,
                "flagged": int(on.sum()),
                "leavers": int(at.size),
                "leavers_flagged": int(at.sum()),
                "share_leavers": share_leavers,
                "other_months": int(other.size),
                "share_other": share_other,
                "ratio": ratio,
            }
        )
    return pd.DataFrame(rows, columns=["signal", *columns]).set_index("signal")
