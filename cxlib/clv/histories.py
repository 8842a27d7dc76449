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

from cxlib.io.customer_codes import customer_codes, numbers_of

COLUMNS = ("frequency", "recency", "T", "monetary_value", "revenue_year")


def histories(transactions: pd.DataFrame, cutoff: dt.date, unit_days: float = 7.0) -> pd.DataFrame:
    """One row per customer (index ``customer_id``) with the columns in :data:`COLUMNS`.

    Customers whose first purchase is on the cut-off day itself are left out
    (T = 0 says nothing about their buying yet).
    """
    cut = pd.Timestamp(cutoff)
    ids = transactions["customer_id"]
    (codes,), _ = customer_codes(ids)  # integer codes: no hashing of the numbers
    keep = (codes >= 0) & (transactions["date"] <= cut).to_numpy(dtype=bool)
    day = transactions["date"].to_numpy(dtype="datetime64[ns]")[keep]
    day = day.astype("datetime64[D]").astype(np.int64)
    amount = transactions["amount"].to_numpy(dtype=float, na_value=np.nan)[keep]
    low = int(day.min()) if len(day) else 0
    span = int(day.max()) - low + 1 if len(day) else 1
    # one purchase occasion per customer and day: one 64-bit key, grouped in key order
    # (customer, then day); pandas' sums as before, but one integer key instead of two
    key = codes[keep].astype(np.int64) * span + (day - low)
    occasion = pd.Series(amount).groupby(key, sort=True).sum()
    customer, offset = np.divmod(occasion.index.to_numpy(), span)
    days = offset + low
    group = pd.Series(occasion.to_numpy()).groupby(customer, sort=True)
    starts = (
        np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]]) if len(customer) else customer
    )
    ends = np.r_[starts[1:], len(customer)].astype(np.int64)
    first, last = days[starts], days[ends - 1]
    occasions = pd.Series(ends - starts, index=customer[starts])
    total = group.sum()
    first_amount = occasion.to_numpy()[starts]
    cut_day = int(np.datetime64(cut.date(), "D").astype(np.int64))
    recent = days > cut_day - 365
    revenue_year = pd.Series(occasion.to_numpy()[recent]).groupby(customer[recent]).sum()
    x = (occasions - 1).astype(float)
    out = pd.DataFrame(
        {
            "frequency": x,
            "recency": (last - first) / unit_days,
            "T": (cut_day - first) / unit_days,
            "monetary_value": np.where(x > 0, (total - first_amount) / x.where(x > 0, 1), 0.0),
            "revenue_year": revenue_year.reindex(x.index, fill_value=0.0),
        }
    )
    out.index = numbers_of(out.index.to_numpy(), ids)
    out.index.name = "customer_id"
    return out[out["T"] > 0]
