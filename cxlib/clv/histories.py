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
    (codes,), _ = customer_codes(ids)  # grouped by integer codes: no hashing of the numbers
    keep = (codes >= 0) & (transactions["date"] <= cut).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "customer_id": codes[keep],
            "day": transactions["date"][keep].dt.normalize().to_numpy(),
            "amount": transactions["amount"][keep].to_numpy(),
        }
    )
    days = frame.groupby(["customer_id", "day"], sort=True)["amount"].sum()
    days = days.reset_index()
    group = days.groupby("customer_id", sort=True)
    first, last = group["day"].min(), group["day"].max()
    occasions = group.size()
    total = group["amount"].sum()
    first_amount = group["amount"].first()
    year = days[days["day"] > cut - pd.Timedelta(days=365)]
    revenue_year = year.groupby("customer_id", observed=True)["amount"].sum()
    x = (occasions - 1).astype(float)
    out = pd.DataFrame(
        {
            "frequency": x,
            "recency": (last - first).dt.days / unit_days,
            "T": (cut - first).dt.days / unit_days,
            "monetary_value": np.where(x > 0, (total - first_amount) / x.where(x > 0, 1), 0.0),
            "revenue_year": revenue_year.reindex(x.index, fill_value=0.0),
        }
    )
    out.index = numbers_of(out.index.to_numpy(), ids)
    out.index.name = "customer_id"
    return out[out["T"] > 0]
