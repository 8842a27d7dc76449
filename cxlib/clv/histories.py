"""Purchase histories for the customer-base models: x, t_x, T and mean spend per customer.

From a purchases table (``customer_id``, ``date``, ``amount``; see
:data:`cxlib.io.tables.TRANSACTIONS`) and the data cut-off:

* A purchase occasion is a customer's day with at least one purchase: several
  records of one customer on one day (receipt split, return and new
  receipt, several order lines) count as one occasion with their summed
  amount, so they do not count as a repeat purchase.
* ``frequency`` x: occasions after the first (repeat purchases);
  ``recency`` t_x: time from the first to the last occasion; ``T``: time from
  the first occasion to the cut-off; in ``unit_days`` (7: weeks, as in the
  literature). Purchases after the cut-off are ignored.
* ``monetary_value``: the mean amount of the repeat occasions (the first
  purchase is left out, as in the Gamma-Gamma literature); 0 for x = 0.
* ``revenue_year``: the amount of the 365 days up to the cut-off.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cxlib.io.customer_codes import customer_codes, group_sums, numbers_of, stable_order

COLUMNS = ("frequency", "recency", "T", "monetary_value", "revenue_year")


def histories(transactions: pd.DataFrame, cutoff: dt.date, unit_days: float = 7.0) -> pd.DataFrame:
    """One row per customer (index ``customer_id``) with the columns in :data:`COLUMNS`.

    Customers whose first purchase is on the cut-off day itself are left out
    (T = 0 says nothing about their buying yet).
    """
    cut = pd.Timestamp(cutoff)
    ids = transactions["customer_id"]
    (codes,), _ = customer_codes(ids)  # integer codes: no hashing of the numbers
    stamps = transactions["date"].to_numpy(dtype="datetime64[ns]")
    keep = (codes >= 0) & (stamps <= cut.to_datetime64())  # NaT is never before the cut
    day = stamps[keep].astype("datetime64[D]").view(np.int64)
    amount = transactions["amount"].to_numpy(dtype=float, na_value=np.nan)[keep]
    low = int(day.min()) if len(day) else 0
    span = int(day.max()) - low + 1 if len(day) else 1
    # one purchase occasion per customer and day: one 64-bit key (customer, then day),
    # sorted with the rows' order kept, and the sums of the sorted runs (as pandas sums
    # groups, without hashing ten million keys)
    # (in place, and each array dropped once used: ten million purchases are 80 MB a column)
    key = codes[keep].astype(np.int64)
    key *= span
    key += day
    key -= low
    del day, keep
    order = stable_order(key)
    key = key[order]
    amount = amount[order]
    bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else order
    del order
    occasion = group_sums(amount, bounds)
    del amount
    customer, offset = np.divmod(key[bounds], span)
    days = offset + low
    starts = (
        np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]]) if len(customer) else customer
    )
    ends = np.r_[starts[1:], len(customer)].astype(np.int64)
    first, last = days[starts], days[ends - 1]
    occasions = pd.Series(ends - starts, index=customer[starts])
    total = group_sums(occasion, starts)
    first_amount = occasion[starts]
    cut_day = int(np.datetime64(cut.date(), "D").astype(np.int64))
    recent = days > cut_day - 365
    revenue_year = pd.Series(
        group_sums(np.where(recent, occasion, np.nan), starts), index=occasions.index
    )
    x = (occasions - 1).astype(float)
    out = pd.DataFrame(
        {
            "frequency": x,
            "recency": (last - first) / unit_days,
            "T": (cut_day - first) / unit_days,
            "monetary_value": np.where(x > 0, (total - first_amount) / x.where(x > 0, 1), 0.0),
            "revenue_year": revenue_year,
        }
    )
    out = out[out["T"].to_numpy() > 0]  # on the codes: comparing categoricals hashes them
    out.index = numbers_of(out.index.to_numpy(), ids)
    out.index.name = "customer_id"
    return out
