"""sBG: the shifted-beta-geometric model of contract renewals (Fader & Hardie 2007).

For customers with contracts renewed once per period: each customer has a
constant churn probability θ per period, θ ~ Beta(α, β) across customers.
Data: the number of a cohort's customers still active at the start and after
each period, n₀, n₁, …, n_k (``alive_counts``). From "How to project
customer retention" (Journal of Interactive Marketing 21(1), 2007):

    P(T = t) = B(α+1, β+t−1) / B(α, β)          (churn in period t)
    S(t)     = B(α, β+t) / B(α, β)              (survival after t periods)
    r(t)     = S(t)/S(t−1) = (β+t−1) / (α+β+t−1) (retention rate in period t)
    LL       = Σ_t (n_{t−1} − n_t) · log P(T = t) + n_k · log S(k)

The retention rate rises with t because the customers who stay are those
with a low θ (heterogeneity, not a change in each customer's loyalty).
Expected discounted residual lifetime, in periods, of a customer who has
renewed n − 1 times: Σ_{k≥0} S(n+k)/S(n−1) · (1+d)^−k, with d the discount
rate per period (Fader & Hardie 2010, "Customer-base valuation in a
contractual setting"):

    DERL(d | n) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))

:func:`sbg_lifetimes` fits the same model to individual customers of many
cohorts, as a survival analysis sees them: customer i churned in period t_i
(contributes P(T = t_i)) or is still active after c_i full periods (S(c_i),
right censoring), and entered the data after e_i periods already survived
(delayed entry: divided by S(e_i)). With one cohort and nobody entering late
this is the likelihood above, term for term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import betaln, hyp2f1

from cxlib.clv import fitting

NAMES = ("alpha", "beta")


def _loglik(log_params: np.ndarray, counts: np.ndarray) -> float:
    alpha, beta = np.exp(log_params)
    t = np.arange(1, len(counts))
    lost = counts[:-1] - counts[1:]
    churn = betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)
    survive = betaln(alpha, beta + t[-1]) - betaln(alpha, beta)
    return float(np.sum(lost * churn) + counts[-1] * survive)


@dataclass(frozen=True)
class Sbg:
    """A fitted shifted-beta-geometric model (see the module docstring); time in periods."""

    alpha: float
    beta: float
    loglik: float
    #: customers at the start of the cohort (n₀)
    n: int
    #: the asymptotic covariance of (log α, log β), the inverse observed information
    covariance: np.ndarray = field(repr=False, compare=False)

    @property
    def params(self) -> dict[str, float]:
        """The estimates with the literature's names: alpha, beta."""
        return {"alpha": self.alpha, "beta": self.beta}

    @property
    def log_params(self) -> np.ndarray:
        """(log α, log β): the scale of :attr:`covariance`."""
        return np.log([self.alpha, self.beta])

    def intervals(self) -> dict[str, tuple[float, float]]:
        """95 % intervals of the parameters from the observed information (log scale)."""
        return fitting.wald_intervals(NAMES, self.log_params, self.covariance)

    def survival(self, t: object) -> np.ndarray:
        """S(t): the share of a new cohort still active after t periods (t = 0, 1, 2, …)."""
        periods = np.asarray(t, dtype=float)
        return np.asarray(
            np.exp(betaln(self.alpha, self.beta + periods) - betaln(self.alpha, self.beta))
        )

    def retention(self, t: object) -> np.ndarray:
        """r(t): the share of those active after t − 1 periods who renew in period t (t ≥ 1)."""
        periods = np.asarray(t, dtype=float)
        return np.asarray((self.beta + periods - 1) / (self.alpha + self.beta + periods - 1))

    def expected_value(self, margin: float, discount_rate: float, renewals: int = 0) -> float:
        """Discounted expected residual value of a customer who has renewed ``renewals`` times.

        ``margin`` per period, paid at each renewal still to come: the next
        one undiscounted, each later one discounted by one more period
        (``discount_rate`` per period); margin × DERL(d | n = renewals + 1).
        """
        n = renewals + 1
        a, b = self.alpha, self.beta
        derl = (
            (b + n - 1) / (a + b + n - 1) * hyp2f1(1.0, b + n, a + b + n, 1 / (1 + discount_rate))
        )
        return float(margin * derl)


def _lifetime_loglik(
    log_params: np.ndarray,
    churned: tuple[np.ndarray, np.ndarray],
    censored: tuple[np.ndarray, np.ndarray],
    entered: tuple[np.ndarray, np.ndarray],
) -> float:
    """Log-likelihood of individual lifetimes; each part as (distinct periods, counts)."""
    alpha, beta = np.exp(log_params)
    base = betaln(alpha, beta)
    (t, n_t), (c, n_c), (e, n_e) = churned, censored, entered
    churn = betaln(alpha + 1, beta + t - 1) - base
    survive = betaln(alpha, beta + c) - base
    before = betaln(alpha, beta + e) - base
    return float(np.sum(n_t * churn) + np.sum(n_c * survive) - np.sum(n_e * before))


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distinct, counts = np.unique(values, return_counts=True)
    return distinct.astype(float), counts.astype(float)


def sbg_lifetimes(periods: object, churned: object, entry: object | None = None) -> Sbg:
    """Fit the sBG model to individual customers (module docstring): censoring and late entry.

    ``periods``: per customer the period of churn (1, 2, …) where ``churned``,
    else the number of full periods survived so far (0, 1, …); ``entry``: full
    periods already survived when the customer entered the data (default 0).
    """
    t = np.asarray(periods, dtype=float).reshape(-1)
    lost = np.asarray(churned, dtype=bool).reshape(-1)
    e = np.zeros_like(t) if entry is None else np.asarray(entry, dtype=float).reshape(-1)
    if not (len(t) == len(lost) == len(e)) or not len(t):
        raise ValueError("periods, churned and entry need one value per customer")
    if np.any(~np.isfinite(t)) or np.any(t[lost] < 1) or np.any(t < 0) or np.any(e < 0):
        raise ValueError("periods must be ≥ 1 for churned and ≥ 0 for active customers")
    if np.any(e[lost] >= t[lost]) or np.any(e[~lost] > t[~lost]):
        raise ValueError("a customer cannot enter the data after churning")
    if not lost.any():
        raise ValueError("sbg_lifetimes needs at least one churned customer")
    parts = (_distinct(t[lost]), _distinct(t[~lost]), _distinct(e[e > 0]))

    def loglik(v: np.ndarray) -> float:
        return _lifetime_loglik(v, *parts)

    best, value = fitting.maximise(loglik, np.zeros(2), float(len(t)))
    cov = fitting.covariance(loglik, best)
    alpha, beta = (float(v) for v in np.exp(best))
    return Sbg(alpha, beta, value, len(t), cov)


def sbg(alive_counts: object) -> Sbg:
    """Fit the sBG model to a cohort's counts n₀ ≥ n₁ ≥ … ≥ n_k (at least two periods)."""
    counts = np.asarray(alive_counts, dtype=float).reshape(-1)
    if len(counts) < 3 or not np.all(np.isfinite(counts)):
        raise ValueError("alive_counts needs the start and at least two periods")
    if np.any(np.diff(counts) > 0) or counts[-1] < 0 or counts[0] <= 0:
        raise ValueError("alive_counts must be a non-increasing count that starts above 0")
    best, value = fitting.maximise(lambda v: _loglik(v, counts), np.zeros(2), float(counts[0]))
    cov = fitting.covariance(lambda v: _loglik(v, counts), best)
    alpha, beta = (float(v) for v in np.exp(best))
    return Sbg(alpha, beta, value, int(counts[0]), cov)
