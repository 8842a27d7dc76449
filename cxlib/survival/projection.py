"""Projected retention for clients with contracts: the sBG model beside the Kaplan-Meier curve.

The Kaplan-Meier curve says how many customers stayed as long as the data
reach; the managing director also asks "and after that?". The
shifted-beta-geometric model (Fader & Hardie 2007, "How to project customer
retention"; :mod:`cxlib.clv.sbg`) describes every customer by a constant
churn probability per month, spread across customers as a Beta(α, β)
distribution. Because the customers with a high churn probability leave
first, the share of those remaining who leave falls with tenure, and the
model extends the curve beyond the observed range on that pattern instead of
a straight line.

Fitted on the survival table of the churn section (:mod:`cxlib.survival.table`)
with months (30.4375 days) as periods: a customer who churned counts in the
month of the churn (ceil of the days / 30.4375), a customer still active
with the full months survived so far (right censoring), a customer who
entered the data late with the full months already survived then (delayed
entry), by :func:`cxlib.clv.sbg.sbg_lifetimes`.

Figures, each with a 95 % interval from :data:`DRAWS` draws of (log α, log β)
from their asymptotic normal distribution (the inverse observed information;
a fixed seed, so a rerun gives the same bounds): the projected share still a
customer after 5 and 10 years (:data:`HORIZONS`) and the share of customers
who leave in their first and in their fifth year (of those at its start).
The observed range is where the report shows the Kaplan-Meier curve (while at
least 10 % of the customers are still observed); the chart shows the projection up to twice that
(at least 5, at most 30 years). Only for contracts: without contracts the
churn curve rests on an inactivity rule, not on cancellations, and the
purchase model (:mod:`cxlib.clv.customer_base`) answers the question instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.clv.sbg import Sbg, sbg_lifetimes
from cxlib.survival.curves import KaplanMeier
from cxlib.survival.table import DAYS_PER_MONTH, SurvivalData

__all__ = [
    "DRAWS",
    "HORIZONS",
    "LossForecast",
    "RetentionProjection",
    "expected_losses",
    "project_retention",
]

#: Draws of the parameters for the intervals, and their seed.
DRAWS, SEED = 2000, 20070101
#: Projected horizons (months) registered as facts: 5 and 10 years.
HORIZONS = (60, 120)
#: The years whose churn (share of those at the year's start) the reading compares.
YEARS = (1, 5)


@dataclass(frozen=True)
class RetentionProjection:
    """The fitted sBG model and its projected curve (months), with 95 % intervals."""

    model: Sbg
    #: customers and churns the model rests on
    n: int
    churns: int
    #: the last month the report shows the Kaplan-Meier curve (enough customers still observed)
    observed_months: int
    #: month, survival, low, high from month 0 to the chart's horizon
    curve: pd.DataFrame = field(repr=False)
    #: churn in year k of those active at its start: {k: (value, low, high)}
    year_churn: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    #: the parameter draws of the intervals, (α, β) per row (NaN rows without intervals)
    draws: np.ndarray = field(default_factory=lambda: np.empty((0, 2)), repr=False, compare=False)

    def at(self, months: int) -> tuple[float, float, float]:
        """Projected share still a customer after ``months`` months: value, low, high."""
        row = self.curve.loc[self.curve["month"] == months]
        if row.empty:
            s = self.model.survival(months)
            return float(s), float("nan"), float("nan")
        r = row.iloc[0]
        return float(r["survival"]), float(r["low"]), float(r["high"])

    def figures(self) -> dict[str, object]:
        """results.json: parameters with intervals, the horizons and the yearly churn."""
        return {
            "alpha": self.model.alpha,
            "beta": self.model.beta,
            "intervals": {k: list(v) for k, v in self.model.intervals().items()},
            "loglik": self.model.loglik,
            "n": self.n,
            "churns": self.churns,
            "observed_months": self.observed_months,
            "retained": {str(m): list(self.at(m)) for m in HORIZONS},
            "year_churn": {str(k): list(v) for k, v in self.year_churn.items()},
        }


def _observed_months(curve: KaplanMeier) -> int:
    """The last month the report shows the curve: while enough customers are still observed.

    The same rule as the charts (:meth:`~cxlib.survival.curves.KaplanMeier.shown_until`),
    so that the reading's "observed until month …" is where the drawn curve ends.
    """
    return max(1, int(curve.shown_until() // DAYS_PER_MONTH))


def project_retention(table: SurvivalData, overall: KaplanMeier) -> RetentionProjection | None:
    """The sBG projection of a contractual client's survival table (None without contracts).

    None as well when the model cannot be fitted (no churn, or an optimum
    that is not finite): the section then shows the Kaplan-Meier curve alone.
    """
    if table.definition != "contractual":
        return None
    f = table.frame
    event = f["event"].to_numpy(dtype=bool)
    days = f["duration"].to_numpy(dtype=float)
    months = np.where(event, np.ceil(days / DAYS_PER_MONTH), np.floor(days / DAYS_PER_MONTH))
    months = np.maximum(months, np.where(event, 1.0, 0.0))
    entry = np.floor(f["entry"].to_numpy(dtype=float) / DAYS_PER_MONTH)
    entry = np.minimum(entry, np.where(event, months - 1, months))
    try:
        model = sbg_lifetimes(months, event, entry)
    except (ValueError, RuntimeError):
        return None
    observed = _observed_months(overall)
    horizon = int(min(max(2 * observed, max(HORIZONS)), 360))
    grid = np.arange(horizon + 1, dtype=float)
    rng = np.random.default_rng(SEED)
    cov = np.asarray(model.covariance, dtype=float)
    known = bool(np.all(np.isfinite(cov)))  # else (a flat likelihood) no intervals
    draws = np.exp(
        rng.multivariate_normal(model.log_params, cov if known else np.zeros((2, 2)), size=DRAWS)
    )
    from scipy.special import betaln

    a, b = draws[:, :1], draws[:, 1:]
    sampled = np.exp(betaln(a, b + grid[None, :]) - betaln(a, b))
    low, high = np.percentile(sampled, [2.5, 97.5], axis=0)
    if not known:
        low, high = np.full_like(grid, np.nan), np.full_like(grid, np.nan)
    curve = pd.DataFrame(
        {"month": grid.astype(int), "survival": model.survival(grid), "low": low, "high": high}
    )
    year_churn: dict[int, tuple[float, float, float]] = {}
    for k in YEARS:
        start, end = 12 * (k - 1), 12 * k
        point = 1 - float(model.survival(end) / model.survival(start))
        drawn = 1 - sampled[:, end] / sampled[:, start]
        lo, hi = np.percentile(drawn, [2.5, 97.5]) if known else (np.nan, np.nan)
        year_churn[k] = (point, float(lo), float(hi))
    return RetentionProjection(
        model=model,
        n=len(f),
        churns=int(event.sum()),
        observed_months=observed,
        curve=curve,
        year_churn=year_churn,
        draws=draws if known else np.full((DRAWS, 2), np.nan),
    )


@dataclass(frozen=True)
class LossForecast:
    """Expected cancellations among today's active customers in the next ``months`` months.

    ``frame``: one row per group, all customers first (``group`` None), then per
    segment where the survival table has one: ``active``, ``expected``, ``low``,
    ``high``; ``draws`` the expected count per parameter draw, per row (for
    intervals of figures derived from it, such as euros at risk).
    """

    months: int
    frame: pd.DataFrame
    draws: tuple[np.ndarray, ...] = field(repr=False, compare=False)


def expected_losses(
    projection: RetentionProjection, table: SurvivalData, months: int = 12
) -> LossForecast:
    """Expected cancellations in the next ``months`` months among the active customers.

    A customer active after m full months cancels within the next ``months``
    with probability 1 − S(m + months) / S(m) under the sBG model (its churn
    probability is the Beta distribution updated by having stayed m months);
    the expected count is the sum over the active customers, per segment as
    well; its interval comes from the same parameter draws as the curve's.
    """
    from scipy.special import betaln

    f = table.frame
    active = ~f["event"].to_numpy(dtype=bool)
    tenure = np.floor(f["duration"].to_numpy(dtype=float)[active] / DAYS_PER_MONTH)
    # the risk depends on the tenure only: computed once per distinct tenure (a few hundred)
    distinct, where = np.unique(tenure, return_inverse=True)
    m = projection.model

    def risk(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        a, b = alpha[:, None], beta[:, None]
        return np.asarray(1 - np.exp(betaln(a, b + distinct + months) - betaln(a, b + distinct)))

    point = risk(np.array([m.alpha]), np.array([m.beta]))[0]
    drawn = risk(projection.draws[:, 0], projection.draws[:, 1])
    groups: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(tenure), dtype=bool))]
    if "segment" in f:
        segment = f["segment"].to_numpy(dtype=object)[active]
        known = pd.notna(segment)
        groups += [(str(s), known & (segment == s)) for s in sorted(set(segment[known]))]
    rows, draws = [], []
    for name, mask in groups:
        counts = np.bincount(where[mask], minlength=len(distinct)).astype(float)
        per_draw = drawn @ counts
        low, high = (
            np.percentile(per_draw, [2.5, 97.5]) if np.isfinite(per_draw).all() else (np.nan,) * 2
        )
        rows.append(
            {
                "group": name,
                "active": int(mask.sum()),
                "expected": float(point @ counts),
                "low": float(low),
                "high": float(high),
            }
        )
        draws.append(per_draw)
    return LossForecast(months, pd.DataFrame(rows), tuple(draws))
