"""Pareto/NBD: Schmittlein, Morrison & Colombo's (1987) model of repeat buying.

While active, a customer buys at a Poisson rate λ ~ Gamma(r, α); their
lifetime is exponential with rate μ ~ Gamma(s, β), independent of λ. Same
data as :mod:`cxlib.clv.bgnbd` (x, t_x, T in the unit of the inputs).

Likelihood (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model
and related expressions", eq. 22), with A₀ from their eqs. 19-20:

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]
    α ≥ β: A₀ = F(s+1, α−β, α+t_x) − F(s+1, α−β, α+T)
    α < β: A₀ = F(r+x, β−α, β+t_x) − F(r+x, β−α, β+T)
    F(k, d, u) = ₂F₁(r+s+x, k; r+s+x+1; d/u) / u^(r+s+x)

    P(alive) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀)
    E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive)

Everything in logs; ₂F₁(c−1, k; c; z) is computed by Pfaff's transformation
(1−z)^−k ₂F₁(1, k; c; z/(z−1)), whose series has terms below one, so large x
neither overflows nor loses the difference A₀. For s = 1 the bracket's limit
log((β+T+t)/(β+T)) is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, hyp2f1

from cxlib.clv import fitting
from cxlib.clv.fitting import Compressed

NAMES = ("r", "alpha", "s", "beta")


def _log_f(c: np.ndarray, k: np.ndarray, d: float, u: np.ndarray) -> np.ndarray:
    """log F(k, d, u) = log ₂F₁(c, k; c+1; d/u) − c·log u (Pfaff, see the module docstring)."""
    z = d / u
    w = z / (z - 1) if d > 0 else np.zeros_like(z)
    return np.asarray(-k * np.log1p(-z) + np.log(hyp2f1(1.0, k, c + 1, w)) - c * np.log(u))


def _log_a0(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    c = r + s + x
    if alpha >= beta:
        k, d, base = s + 1 + 0 * x, alpha - beta, alpha
    else:
        k, d, base = r + x, beta - alpha, beta
    upper = _log_f(c, k, d, base + t_x)
    lower = _log_f(c, k, d, base + T)
    with np.errstate(divide="ignore"):
        return np.asarray(upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0))))


def _parts(
    log_params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """log of the two terms in the likelihood's bracket."""
    r, alpha, s, beta = np.exp(log_params)
    first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    second = np.log(s) - np.log(r + s + x) + _log_a0(r, alpha, s, beta, x, t_x, T)
    return first, second


def _loglik(log_params: np.ndarray, data: Compressed) -> float:
    r, alpha, s, beta = np.exp(log_params)
    x, t_x, T = data.column(0), data.column(1), data.column(2)
    first, second = _parts(log_params, x, t_x, T)
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return float(np.sum(data.counts * (head + np.logaddexp(first, second))))


def _p_alive(
    log_params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    first, second = _parts(log_params, x, t_x, T)
    return np.asarray(np.exp(first - np.logaddexp(first, second)))


def _expected(
    log_params: np.ndarray,
    t: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    r, alpha, s, beta = np.exp(log_params)
    log_y = np.log(beta + T) - np.log(beta + T + t)  # < 0
    bracket = -log_y if abs(s - 1) < 1e-08 else -np.expm1((s - 1) * log_y) / (s - 1)
    rate = (r + x) * (beta + T) / (alpha + T)
    return np.asarray(rate * bracket * _p_alive(log_params, x, t_x, T), dtype=float)


@dataclass(frozen=True)
class ParetoNbd(fitting.PurchaseModel):
    """A fitted Pareto/NBD model with the customers it was fitted on (see the module docstring)."""

    r: float
    alpha: float
    s: float
    beta: float
    loglik: float
    n: int
    #: the asymptotic covariance of (log r, log α, log s, log β), the inverse observed information
    covariance: np.ndarray = field(repr=False, compare=False)
    data: Compressed = field(repr=False, compare=False)

    @property
    def params(self) -> dict[str, float]:
        """The estimates with the literature's names: r, alpha, s, beta."""
        return {"r": self.r, "alpha": self.alpha, "s": self.s, "beta": self.beta}

    def p_alive(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
    ) -> np.ndarray:
        """Probability that each customer is still active at T (default: the fitted customers)."""
        return _p_alive(self.log_params, *self._history(frequency, recency, T))

    def expected_purchases(
        self,
        t: float,
        frequency: object = None,
        recency: object = None,
        T: object = None,
    ) -> np.ndarray:
        """Expected purchases of each customer in the next ``t`` (default: the fitted customers)."""
        return _expected(self.log_params, t, *self._history(frequency, recency, T))

    def expected_purchases_new(self, t: float) -> float:
        """E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)]: a new customer's purchases in (0, t]."""
        zero = np.zeros(1)
        return float(_expected(self.log_params, t, zero, zero, zero)[0])

    def expected_value(
        self,
        spend: object,
        horizon: float,
        discount_rate: float,
        year: float = 52.1775,
        frequency: object = None,
        recency: object = None,
        T: object = None,
    ) -> np.ndarray:
        """Customer value: spend × discounted expected purchases within ``horizon``.

        As :meth:`cxlib.clv.bgnbd.BgNbd.expected_value` (continuous
        discounting, ``discount_rate`` per year, ``year`` in the inputs' time unit).
        """
        x, t_x, big_t = self._history(frequency, recency, T)
        log_params = self.log_params
        purchases = fitting.discounted_value(
            lambda t: _expected(log_params, t, x, t_x, big_t), horizon, discount_rate, year
        )
        return np.asarray(np.asarray(spend, dtype=float) * purchases, dtype=float)


def pareto_nbd(frequency: object, recency: object, T: object) -> ParetoNbd:
    """Fit the Pareto/NBD model by maximum likelihood (inputs as :func:`cxlib.clv.bgnbd.bgnbd`)."""
    x = fitting.as_array(frequency, "frequency")
    t_x, big_t = fitting.as_array(recency, "recency"), fitting.as_array(T, "T")
    fitting.check_history(x, t_x, big_t)
    data = fitting.compress(x, t_x, big_t)
    scale = max(float(np.mean(big_t)) / 4, 1e-3)
    start = np.log([1.0, scale, 1.0, scale])
    best, value = fitting.maximise(lambda p: _loglik(p, data), start, len(x))
    cov = fitting.covariance(lambda p: _loglik(p, data), best)
    r, alpha, s, beta = (float(v) for v in np.exp(best))
    return ParetoNbd(r, alpha, s, beta, value, len(x), cov, data)
