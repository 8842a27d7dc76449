"""The customer base of a client without contracts: who is still active, what they are worth.

For the KPI section (:func:`cxlib.kpis.analysis.analyse` calls
:func:`customer_base`): from the purchase histories (:mod:`cxlib.clv.histories`,
weeks) it fits BG/NBD (:mod:`cxlib.clv.bgnbd`) for whether and how often a
customer buys and Gamma-Gamma (:mod:`cxlib.clv.gamma_gamma`) for how much,
and computes per customer:

* ``p_alive``: the probability that the customer is still active at the cut-off;
* ``purchases_year``: expected purchase occasions in the next 12 months;
* ``value``: the customer value (CLV) = margin rate × expected spend per
  purchase × discounted expected purchases in the next :data:`HORIZON_YEARS`
  years (discounted continuously at the yearly discount rate from the
  parameters). The
  horizon is finite because with a < 1 (CDNOW: 0.79) the BG/NBD expects an
  unbounded number of purchases over an unbounded time; three years is the
  usual planning horizon of a small firm and keeps the figure conservative.

and for the report:

* ``active``: the expected number of customers still active, Σ p_alive;
* ``value``: the mean customer value, overall and per segment (customers
  table's ``segment``, where there is one);
* ``lost`` and ``lost_revenue``: the customers with p_alive < 0.5 ("probably
  no longer active") and the revenue they would bring in the next 12 months
  had they stayed: Σ spend × E[Y(12 months) | x, t_x, T, still active], with
  E[Y | …, active] = E[Y | …] / p_alive (a lost customer buys nothing);
  overall and per segment (the segments' sums add up to the overall figure
  exactly: every customer is in one segment, "–" where the customers table
  names none; their intervals do not add up).

Intervals (95 %): delta method from the observed information of the two fits
(:mod:`cxlib.clv.fitting`; the two likelihoods are maximised separately, so
their covariance is block-diagonal). The gradient of each figure is computed
on at most :data:`GRADIENT_SAMPLE` customers (a fixed random sample; the
figures themselves on all customers). The number of active customers is a
count, not a mean: its interval adds the variance of the count given the
probabilities, Σ p(1 − p), to that of the parameters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.clv import fitting
from cxlib.clv.bgnbd import BgNbd, Histories, bgnbd
from cxlib.clv.gamma_gamma import GammaGamma, gamma_gamma, spend
from cxlib.clv.histories import histories
from cxlib.io.customer_codes import join_on_customer

#: the horizon of the customer value in years (see the module docstring)
HORIZON_YEARS = 3
#: a year in weeks, the time unit of the fits
YEAR = 365.25 / 7
#: customers and repeat buyers below which no model is fitted
MIN_CUSTOMERS, MIN_REPEAT = 50, 20
#: customers the intervals' gradients are computed on at most
GRADIENT_SAMPLE = 20_000
#: p_alive below which a customer counts as probably no longer active
LOST_BELOW = 0.5
#: the columns of :attr:`CustomerBase.segments`
SEGMENT_COLUMNS = (
    "segment",
    "customers",
    "active",
    "value",
    "low",
    "high",
    "total",
    "lost",
    "lost_revenue",
    "lost_low",
    "lost_high",
)
#: repeat buyers below which the report calls the figures rough guides
SMALL_REPEAT = 100


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval (NaN bounds where there is none)."""

    value: float
    low: float = float("nan")
    high: float = float("nan")


@dataclass(frozen=True)
class CustomerBase:
    """The model figures of a client's customer base (see the module docstring)."""

    customers: int
    repeat_buyers: int
    #: BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma) estimates
    params: dict[str, float]
    active: Estimate
    purchases_year: Estimate
    value: Estimate
    lost: int
    lost_revenue: Estimate
    #: segment, customers, active, value, low, high, total, lost, lost_revenue,
    #: lost_low, lost_high (empty without segments)
    segments: pd.DataFrame
    horizon_years: int
    discount_rate: float
    margin_rate: float
    cutoff: dt.date
    #: customer_id, p_alive, purchases_year, spend, value
    per_customer: pd.DataFrame = field(repr=False, compare=False)
    #: the BG/NBD found no difference between the customers' drop-out probabilities
    #: (:attr:`cxlib.clv.bgnbd.BgNbd.equal_dropout`): the intervals take one for all
    equal_dropout: bool = False

    @property
    def small(self) -> bool:
        """Fewer than :data:`SMALL_REPEAT` repeat buyers: the figures are rough guides."""
        return self.repeat_buyers < SMALL_REPEAT

    @property
    def active_share(self) -> float:
        """Share of the customers still active (expected)."""
        return self.active.value / self.customers

    def to_frame(self) -> pd.DataFrame:
        """One row per figure: figure, value, low, high, n."""
        rows = [
            ("active", self.active, self.customers),
            ("purchases_year", self.purchases_year, self.customers),
            ("value", self.value, self.customers),
            ("lost_revenue", self.lost_revenue, self.lost),
        ]
        return pd.DataFrame(
            [
                {"figure": name, "value": e.value, "low": e.low, "high": e.high, "n": n}
                for name, e, n in rows
            ]
        )


def _estimate(value: float, se: float) -> Estimate:
    z = fitting.Z95
    return Estimate(float(value), float(value - z * se), float(value + z * se))


def _histories(
    theta: np.ndarray, hist: Histories, discount_rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p_alive, purchases in a year and discounted purchases in the horizon (BG/NBD part of θ)."""
    r, alpha, a, b = np.exp(theta[:4])
    p = hist.p_alive(r, alpha, a, b)
    year = hist.expected(r, alpha, a, b, YEAR, p)
    purchases = fitting.discounted_value(
        lambda t: hist.expected(r, alpha, a, b, t, p),
        HORIZON_YEARS * YEAR,
        discount_rate,
        YEAR,
    )
    return p, year, purchases


def customer_base(
    transactions: pd.DataFrame,
    cutoff: dt.date,
    margin_rate: float,
    discount_rate: float,
    customers: pd.DataFrame | None = None,
) -> CustomerBase | None:
    """The model figures of a client's customer base; None where the models do not apply.

    None: fewer than :data:`MIN_CUSTOMERS` customers or :data:`MIN_REPEAT`
    repeat buyers with an amount, a spend distribution without a mean
    (Gamma-Gamma q ≤ 1: a few huge orders dominate), or predictions that
    cannot be computed at the fitted parameters.

    ``transactions``: the purchases table; ``customers``: the customers table
    (only its ``segment`` is used, where there is one); ``margin_rate`` and
    ``discount_rate`` (per year) from the client's parameters.
    """
    hist = histories(transactions, cutoff)
    repeat = int((hist["frequency"] > 0).sum())
    if len(hist) < MIN_CUSTOMERS or repeat < MIN_REPEAT:
        return None
    x, t_x, big_t = (hist[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    z = hist["monetary_value"].to_numpy(float)
    z = np.where((x > 0) & (z <= 0), np.nan, z)
    usable = ~np.isnan(z)
    if int((usable & (x > 0)).sum()) < MIN_REPEAT:  # repeat purchases without an amount
        return None
    bg: BgNbd = bgnbd(x, t_x, big_t)
    gg: GammaGamma = gamma_gamma(x[usable], z[usable])
    if gg.q <= 1:  # the population's mean spend γp/(q − 1) does not exist
        return None
    z = np.where(usable, z, 0.0)
    theta = np.concatenate([bg.log_params, gg.log_params])
    cov = np.zeros((7, 7))
    cov[:4, :4], cov[4:, 4:] = bg.covariance, gg.covariance
    # the model's figures once per distinct history, then for every customer
    rows = bg.data
    distinct = Histories.of(rows.column(0), rows.column(1), rows.column(2))
    found = _histories(theta, distinct, discount_rate)
    p, year, purchases = (f[rows.inverse] for f in found)
    each = spend(theta[4:], x, z)
    value = margin_rate * each * purchases
    if not (np.isfinite(value).all() and np.isfinite(year).all()):
        return None  # the fitted parameters lie where the model's functions cannot be computed
    lost = p < LOST_BELOW
    segment = _segments(hist.index, customers)
    codes, names = pd.factorize(segment, sort=True) if segment is not None else (None, [])

    n = len(x)
    idx = np.arange(n)
    if n > GRADIENT_SAMPLE:
        idx = np.sort(np.random.default_rng(20250101).choice(n, GRADIENT_SAMPLE, replace=False))
    sample = Histories.of(x[idx], t_x[idx], big_t[idx])
    # the BG/NBD part once per BG/NBD parameter vector (a Gamma-Gamma step leaves it alone)
    cache: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def means(th: np.ndarray) -> np.ndarray:
        key = th[:4].tobytes()
        if key not in cache:
            cache[key] = _histories(th, sample, discount_rate)
        pp, yy, dd = cache[key]
        ee = spend(th[4:], x[idx], z[idx])
        vv = margin_rate * ee * dd
        gone = lost[idx]
        revenue = np.where(gone, ee * yy / pp, 0.0)
        out = [pp.mean(), yy.mean(), vv.mean(), revenue.mean()]
        if codes is not None:
            for k in range(len(names)):
                mine = codes[idx] == k
                out.append(vv[mine].mean() if mine.any() else np.nan)
            for k in range(len(names)):  # the segment's lost revenue per customer
                mine = codes[idx] == k
                out.append(revenue[mine].mean() if mine.any() else np.nan)
        return np.asarray(out)

    se = fitting.delta_se(means, theta, cov)
    revenue_each = np.where(lost, each * year / p, 0.0)
    lost_revenue = float(revenue_each.sum())
    active_se = np.sqrt((n * se[0]) ** 2 + np.sum(p * (1 - p)))
    seg_frame = pd.DataFrame(columns=list(SEGMENT_COLUMNS))
    if codes is not None:
        table: list[dict[str, object]] = []
        for k, name in enumerate(names):
            mine = codes == k
            v = float(value[mine].mean())
            s = se[4 + k]
            # a total over the segment's customers: n_k × the mean's standard error
            lost_se = int(mine.sum()) * se[4 + len(names) + k]
            revenue_k = float(revenue_each[mine].sum())
            table.append(
                {
                    "segment": str(name),
                    "customers": int(mine.sum()),
                    "active": float(p[mine].sum()),
                    "value": v,
                    "low": v - fitting.Z95 * s,
                    "high": v + fitting.Z95 * s,
                    "total": float(value[mine].sum()),
                    "lost": int((lost & mine).sum()),
                    "lost_revenue": revenue_k,
                    "lost_low": revenue_k - fitting.Z95 * lost_se,
                    "lost_high": revenue_k + fitting.Z95 * lost_se,
                }
            )
        seg_frame = pd.DataFrame(table)
    per_customer = pd.DataFrame(
        {
            "customer_id": hist.index,
            "p_alive": p,
            "purchases_year": year,
            "spend": each,
            "value": value,
        }
    )
    return CustomerBase(
        customers=n,
        repeat_buyers=repeat,
        params={**bg.params, **gg.params},
        active=_estimate(float(p.sum()), active_se),
        purchases_year=_estimate(float(year.sum()), n * se[1]),
        value=_estimate(float(value.mean()), se[2]),
        lost=int(lost.sum()),
        lost_revenue=_estimate(lost_revenue, n * se[3]),
        segments=seg_frame,
        horizon_years=HORIZON_YEARS,
        discount_rate=discount_rate,
        margin_rate=margin_rate,
        cutoff=cutoff,
        per_customer=per_customer,
        equal_dropout=bg.equal_dropout,
    )


def _segments(ids: pd.Index, customers: pd.DataFrame | None) -> np.ndarray | None:
    """Each customer's segment from the customers table (None without a segment column)."""
    if customers is None or "segment" not in customers or customers["segment"].isna().all():
        return None
    lookup = customers.drop_duplicates("customer_id").set_index("customer_id")[["segment"]]
    # matched on the shared customer codes: a reindex would hash all the customer numbers
    values = join_on_customer(pd.DataFrame({"customer_id": ids}), lookup)["segment"]
    values = values.astype(object)
    if values.isna().all():
        return None
    return np.asarray(values.fillna("–").astype(str).to_numpy(), dtype=object)
