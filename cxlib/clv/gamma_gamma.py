"""Gamma-Gamma: the spend per purchase of customers without contracts (Fader, Hardie & Lee 2005).

A customer's purchases have amounts z ~ Gamma(p, ν) around their own mean
p/ν, and ν ~ Gamma(q, γ) across customers. Data per customer: x repeat
purchases (``frequency``) and the mean amount z̄ of those repeat purchases
(``monetary_value``); only customers with x > 0 enter the fit. It assumes
that spend and purchase frequency are independent (check the correlation of
x and z̄ before using it).

Likelihood of one customer's mean (Fader, Hardie & Lee 2005, "RFM and CLV",
appendix; Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"):

    f(z̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q z̄^(px−1) x^(px) / (γ + x z̄)^(px+q)

Expected spend per purchase given the history (their eq. 5), a weighted
mean of the population mean γp/(q−1) and the customer's own mean z̄:

    E[Z | x, z̄] = (γ + x z̄) p / (px + q − 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import digamma, gammaln

from cxlib.clv import fitting
from cxlib.clv.fitting import Compressed

NAMES = ("p", "q", "gamma")


@dataclass(frozen=True)
class _Sums:
    """What the likelihood needs of the data: per distinct x and a few sums.

    Only (px + q)·log(γ + x z̄) needs every row; the gamma functions depend on x
    alone, and the terms in log z̄ and log x enter through their sums.
    """

    x: np.ndarray
    xz: np.ndarray
    counts: np.ndarray
    values: np.ndarray  # distinct x
    weights: np.ndarray  # customers per distinct x
    x_log_xz: float  # Σ x·(log x + log z̄)
    log_z: float  # Σ log z̄

    @classmethod
    def of(cls, data: Compressed) -> _Sums:
        x, z, counts = data.column(0), data.column(1), data.counts
        values, where = np.unique(x, return_inverse=True)
        weights = np.bincount(where.reshape(-1), weights=counts)
        x_log = float(np.sum(counts * x * (np.log(x) + np.log(z))))
        return cls(x, x * z, counts, values, weights, x_log, float(np.sum(counts * np.log(z))))


def _loglik(log_params: np.ndarray, sums: _Sums) -> float:
    p, q, gamma = np.exp(log_params)
    v = sums.values
    per_x = gammaln(p * v + q) - gammaln(p * v) - gammaln(q) + q * np.log(gamma)
    rows = np.sum(sums.counts * (p * sums.x + q) * np.log(gamma + sums.xz))
    return float(np.sum(sums.weights * per_x) + p * sums.x_log_xz - sums.log_z - rows)


def _gradient(log_params: np.ndarray, sums: _Sums) -> np.ndarray:
    """The gradient in (log p, log q, log γ), analytically.

    ∂/∂p = Σ x·(ψ(px+q) − ψ(px) + log z̄ + log x − log(γ+xz̄));
    ∂/∂q = Σ ψ(px+q) − ψ(q) + log γ − log(γ+xz̄); ∂/∂γ = Σ q/γ − (px+q)/(γ+xz̄).
    """
    p, q, gamma = np.exp(log_params)
    v, w, c = sums.values, sums.weights, sums.counts
    psi = digamma(p * v + q)
    log_sum = np.log(gamma + sums.xz)
    n = float(np.sum(c))
    d_p = np.sum(w * v * (psi - digamma(p * v))) + sums.x_log_xz - np.sum(c * sums.x * log_sum)
    d_q = np.sum(w * (psi - digamma(q))) + n * np.log(gamma) - np.sum(c * log_sum)
    d_gamma = n * q / gamma - np.sum(c * (p * sums.x + q) / (gamma + sums.xz))
    return np.array([d_p * p, d_q * q, d_gamma * gamma], dtype=float)


@dataclass(frozen=True)
class GammaGamma:
    """A fitted Gamma-Gamma spend model with the customers it was given (see the module doc)."""

    p: float
    q: float
    gamma: float
    loglik: float
    #: repeat buyers the fit used (x > 0)
    n: int
    #: the asymptotic covariance of (log p, log q, log γ), the inverse observed information
    covariance: np.ndarray = field(repr=False, compare=False)
    frequency: np.ndarray = field(repr=False, compare=False)
    monetary_value: np.ndarray = field(repr=False, compare=False)

    @property
    def params(self) -> dict[str, float]:
        """The estimates with the literature's names: p, q, gamma."""
        return {"p": self.p, "q": self.q, "gamma": self.gamma}

    @property
    def log_params(self) -> np.ndarray:
        """(log p, log q, log γ): the scale of :attr:`covariance`."""
        return np.log([self.p, self.q, self.gamma])

    def intervals(self) -> dict[str, tuple[float, float]]:
        """95 % intervals of the parameters from the observed information (log scale)."""
        return fitting.wald_intervals(NAMES, self.log_params, self.covariance)

    @property
    def mean_spend(self) -> float:
        """The population's mean spend per purchase, γp/(q−1) (infinite for q ≤ 1)."""
        return self.gamma * self.p / (self.q - 1) if self.q > 1 else float("inf")

    def expected_value(self, frequency: object = None, monetary_value: object = None) -> np.ndarray:
        """Expected spend per purchase of each customer (default: the customers given to the fit).

        Customers without repeat purchases get the population mean.
        """
        if frequency is None:
            x, z = self.frequency, self.monetary_value
        else:
            x = fitting.as_array(frequency, "frequency")
            z = fitting.as_array(monetary_value, "monetary_value")
        return spend(np.log([self.p, self.q, self.gamma]), x, z)


def spend(log_params: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """E[Z | x, z̄] at the given log-parameters (x = 0: the population mean)."""
    p, q, gamma = np.exp(log_params)
    own = np.where(x > 0, x, 0.0)
    return np.asarray((gamma + own * np.where(x > 0, z, 0.0)) * p / (p * own + q - 1), dtype=float)


def gamma_gamma(frequency: object, monetary_value: object) -> GammaGamma:
    """Fit the Gamma-Gamma spend model by maximum likelihood on the customers with x > 0.

    ``frequency``: repeat purchases per customer; ``monetary_value``: the mean
    amount of their repeat purchases (positive where x > 0; ignored where x = 0).
    """
    x = fitting.as_array(frequency, "frequency")
    z = np.asarray(monetary_value, dtype=float).reshape(-1)
    if len(x) != len(z):
        raise ValueError("frequency and monetary_value must have the same length")
    repeat = x > 0
    if not np.all(np.isfinite(z[repeat])) or np.any(z[repeat] <= 0):
        raise ValueError("monetary_value must be positive for customers with repeat purchases")
    if repeat.sum() < 3:
        raise ValueError("the Gamma-Gamma model needs at least three repeat buyers")
    data = fitting.compress(x[repeat], z[repeat])
    mean = float(np.mean(z[repeat]))
    start = np.log([1.0, 2.0, mean])
    sums = _Sums.of(data)
    best, value = fitting.maximise(
        lambda v: _loglik(v, sums), start, float(repeat.sum()), lambda v: _gradient(v, sums)
    )
    cov = fitting.covariance(lambda v: _loglik(v, sums), best, lambda v: _gradient(v, sums))
    p, q, gamma = (float(v) for v in np.exp(best))
    return GammaGamma(p, q, gamma, value, int(repeat.sum()), cov, x, np.where(repeat, z, 0.0))
