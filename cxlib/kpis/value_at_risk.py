"""What churn costs: the customers lost in a year times the customer value (euros at risk).

For the managing director's question "what is it worth?". The formula, with
the section's own figures (:mod:`cxlib.kpis.economics`) and one definition
of "lost" (:attr:`Economics.lost`):

    euros at risk = L × CLV

* L: contractual clients, the customers whose contract ended in the last full
  year (of the S at its start, the yearly table's count); repurchase view,
  the buyers of the 12 months before the last 12 who did not buy in the last
  12 (of the S buyers then).
* CLV: THE customer value of the report (:func:`customer_value`), the one
  value every section, the summary and every euro figure use (fact
  ``kpi.clv``). Without contracts, where the purchase model is fitted
  (:mod:`cxlib.clv.customer_base`: BG/NBD and Gamma-Gamma), its mean customer
  value: it rests on each customer's own purchase history (how often, how
  recently, how much) instead of one repurchase rate for everybody, and its
  horizon (3 years) does not assume that today's rate holds for ever.
  Otherwise (contracts, or too few repeat buyers for the model) the
  discounted customer value of the KPI table (future contribution margin of
  one customer at the observed retention, Gupta & Lehmann 2003). The
  "simple" CLV (margin / churn, not discounted) is only a named cross-check
  in the block's note (fact ``kpi.clv_simple``): it counts a euro in ten
  years as much as one today and so overstates long relationships
  (Berger: 27,273 € against 5,187 €).

The figure says what one year's lost customers take with them: the margin
they would have brought had they stayed as long as a customer stays on
average. At the same churn, every year costs it again.

Interval (95 %): percentile bootstrap, jointly with the CLV's interval. Each
of its replicates (:class:`cxlib.kpis.economics.ClvDraws`) has its own lost
count L* (contractual: L* ~ Binomial(S, L/S), the Wilson-type uncertainty of
the churn rate; repurchase view: customers resampled as a whole) and its own
CLV*, computed from the same churn; the replicate's value is L*·CLV*. More
churn means more customers lost but a lower value each, and the joint draw
keeps that link that separate intervals would lose. With the purchase
model's value, CLV* is drawn from the normal distribution of its delta-method
interval (independently of L*: the model does not use the lost count), with
a fixed seed. The interval is that of a year at the current churn rate and
customer value, not of the observed count L (which is a fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from math import floor, log10
from typing import Literal

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.clv.customer_base import CustomerBase
from cxlib.clv.fitting import Z95
from cxlib.kpis.economics import Economics
from cxlib.kpis.intervals import NOT_COMPUTED, Interval, percentile
from cxlib.survival.projection import LossForecast

#: Seed of the draws of the purchase model's customer value (a rerun gives the same bounds).
SEED = 20260515


@dataclass(frozen=True)
class CustomerValue:
    """THE customer value of the report (see the module docstring), with its interval.

    ``basis`` is ``model`` (the purchase model's mean customer value, clients
    without contracts) or ``retention`` (the discounted value at the observed
    retention); ``n`` the customers it rests on.
    """

    value: float
    interval: Interval
    basis: Literal["model", "retention"]
    n: int


def customer_value(eco: Economics | None, model: CustomerBase | None) -> CustomerValue | None:
    """The one customer value: the purchase model's where fitted, else the discounted one."""
    if model is not None and np.isfinite(model.value.value):
        v = model.value
        return CustomerValue(v.value, Interval(v.low, v.high, "model"), "model", model.customers)
    if eco is None or not np.isfinite(eco.clv_discounted):
        return None
    return CustomerValue(eco.clv_discounted, eco.clv_interval, "retention", eco.customers)


@dataclass(frozen=True)
class ValueAtRisk:
    """The euros one year's lost customers take with them (see the module docstring)."""

    model: str  # "contractual" or "non_contractual" (the repurchase view)
    #: the year of the lost count (contractual) or None (the last 12 months)
    year: int | None
    lost: int
    #: the customers the lost ones are counted of (at the start of the year / buyers then)
    of: int
    clv: float
    clv_interval: Interval
    clv_simple: float
    #: L × CLV in euros
    value: float
    interval: Interval = NOT_COMPUTED
    #: where THE customer value comes from (:class:`CustomerValue`)
    basis: Literal["model", "retention"] = "retention"
    #: the expected lifetime the simple CLV assumes, in years (1 / churn per year)
    lifetime_years: float = float("nan")

    @property
    def churn(self) -> float:
        """The share lost, L / S."""
        return self.lost / self.of if self.of else float("nan")


def value_at_risk(eco: Economics | None, model: CustomerBase | None = None) -> ValueAtRisk | None:
    """Euros at risk from the section's economics and THE customer value.

    None without a lost count or a customer value. ``model`` is the purchase
    model of a client without contracts (its value is then THE value).
    """
    value_of = customer_value(eco, model)
    if eco is None or eco.lost_of <= 0 or value_of is None:
        return None
    value = eco.lost * value_of.value
    interval = NOT_COMPUTED
    if eco.draws is not None:
        clv_draws = eco.draws.clv
        if value_of.basis == "model" and value_of.interval.exists:
            se = (value_of.interval.high - value_of.interval.low) / (2 * Z95)
            rng = np.random.default_rng(SEED)
            clv_draws = rng.normal(value_of.value, se, size=len(eco.draws.lost))
        interval = percentile(eco.draws.lost * clv_draws)
    # the simple CLV is margin × expected lifetime: 1 / churn periods (months or years)
    periods_per_year = 12 if eco.model == "contractual" else 1
    churn_per_period = 1 - eco.retention
    lifetime = 1 / churn_per_period / periods_per_year if churn_per_period > 0 else float("nan")
    return ValueAtRisk(
        model=eco.model,
        year=eco.lost_year,
        lost=eco.lost,
        of=eco.lost_of,
        clv=value_of.value,
        clv_interval=value_of.interval,
        clv_simple=eco.clv_simple,
        basis=value_of.basis,
        value=value,
        interval=interval,
        lifetime_years=lifetime,
    )


@dataclass(frozen=True)
class RevenueAtRisk:
    """Contribution margin at risk in the next ``months`` months (clients with contracts).

    The cancellations the sBG model expects among today's active customers
    (:func:`cxlib.survival.projection.expected_losses`) times THE customer
    value (:func:`customer_value`): what the customers who will probably
    leave in the next 12 months take with them. ``frame``: one row per group,
    all customers first (``group`` None), then per segment: ``active``,
    ``expected`` with ``low``/``high``, ``euros`` with ``euros_low``/``euros_high``.
    The euros' interval: percentiles of the products of the expected count per
    parameter draw and a draw of the customer value (bootstrap replicates, or
    the normal of its interval), paired at random with a fixed seed: the two
    come from different models and are treated as independent.
    """

    months: int
    clv: float
    frame: pd.DataFrame


def revenue_at_risk(
    forecast: LossForecast | None, value_of: CustomerValue | None, eco: Economics | None
) -> RevenueAtRisk | None:
    """Euros at risk in the forecast's months; None without a forecast or a customer value."""
    if forecast is None or value_of is None or forecast.frame.empty:
        return None
    rng = np.random.default_rng(SEED)
    size = max((len(d) for d in forecast.draws), default=0)
    if value_of.basis == "retention" and eco is not None and eco.draws is not None:
        clv = rng.choice(np.asarray(eco.draws.clv, dtype=float), size=size)
    elif value_of.interval.exists:
        se = (value_of.interval.high - value_of.interval.low) / (2 * Z95)
        clv = rng.normal(value_of.value, se, size=size)
    else:
        clv = np.full(size, np.nan)
    frame = forecast.frame.copy()
    frame["euros"] = frame["expected"] * value_of.value
    bounds = [
        percentile(d * clv) if len(d) and np.isfinite(d * clv).all() else NOT_COMPUTED
        for d in forecast.draws
    ]
    frame["euros_low"] = [b.low for b in bounds]
    frame["euros_high"] = [b.high for b in bounds]
    return RevenueAtRisk(forecast.months, value_of.value, frame)


def round_money(value: float, digits: int = 2) -> float:
    """``value`` rounded to ``digits`` significant digits (half up), as "rund" in a sentence."""
    if not np.isfinite(value) or value == 0:
        return value
    step = Decimal(1).scaleb(floor(log10(abs(value))) - digits + 1)
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def interval_words(low: float, high: float, lang: str, digits: int = 3) -> tuple[str, str]:
    """An interval's bounds as :func:`money_words`, with ``digits`` significant digits or,
    where these say the same, as many more (up to six) as it takes to tell them apart:
    a narrow interval of a big sum does not read "31,9 Mio. € bis 31,9 Mio. €"."""
    pair = money_words(low, lang, digits), money_words(high, lang, digits)
    more = digits
    while pair[0] == pair[1] and low != high and more < 6:
        more += 1
        pair = money_words(low, lang, more), money_words(high, lang, more)
    return pair


def money_words(value: float, lang: str, digits: int = 2) -> str:
    """A rounded amount as a sentence says it: "1,5 Mio. €", "10.000 €" (en "1.5 million €").

    ``digits`` significant digits (the interval's bounds take three, so that
    they differ from the rounded figure where the interval is narrow).
    """
    from cxlib.texts import t

    if not np.isfinite(value):
        return fmt.MISSING
    shown = round_money(value, digits)
    if abs(shown) >= 1_000_000:
        decimals = max(digits - 1 - floor(log10(abs(shown) / 1_000_000)), 0)
        return t("value.million", lang, value=fmt.number(shown / 1_000_000, decimals, lang))
    return t("value.euros", lang, value=fmt.integer(shown, lang))
