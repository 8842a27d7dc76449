"""Maximum likelihood for the customer-base models: compression, optimiser, observed information.

Shared by :mod:`cxlib.clv.bgnbd`, :mod:`cxlib.clv.pareto_nbd`,
:mod:`cxlib.clv.gamma_gamma` and :mod:`cxlib.clv.sbg`:

* :func:`compress`: the unique rows of the inputs and how often each occurs.
  The models' log-likelihoods are sums over customers with the same
  (x, t_x, T); fitting on the unique rows, weighted by their counts, gives the
  same optimum in a fraction of the time (a million customers collapse to the
  distinct histories).
* :func:`maximise`: BFGS on the logarithms of the (positive) parameters, with
  a central-difference gradient, from a start the model names; the objective
  is the mean negative log-likelihood per customer so that tolerances do not
  depend on n.
* :func:`hessian`: the observed information, the numerical Hessian of the
  negative log-likelihood in the log-parameters (central differences). Its
  inverse is the asymptotic covariance of the log-parameters.
* :func:`wald_intervals`: 95 % intervals exp(log θ ± 1.96·se), which stay
  positive, and :func:`delta_se`: the standard error of any smooth function
  of the parameters by the delta method (numerical gradient).
* :func:`discounted_value`: the expected discounted number of purchases in a
  horizon from a model's cumulative expected purchases (monthly steps).

Nothing here starts a compiler; numpy and scipy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: z for a two-sided 95 % interval
Z95 = 1.959963984540054
#: step of the numerical derivatives in the log-parameters
STEP = 1e-4


@dataclass(frozen=True)
class Compressed:
    """The unique rows of the model inputs (``rows``: k × m), their counts and the mapping back."""

    rows: np.ndarray
    counts: np.ndarray
    inverse: np.ndarray

    def column(self, j: int) -> np.ndarray:
        """The j-th input over the unique rows."""
        return self.rows[:, j]


def compress(*columns: np.ndarray) -> Compressed:
    """Unique rows of the given equal-length columns with their counts (see the module doc)."""
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    rows, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return Compressed(rows, counts.astype(float), inverse.reshape(-1))


def as_array(values: object, name: str) -> np.ndarray:
    """A 1-d float array of finite values; ``ValueError`` naming the input otherwise."""
    array = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers")
    return array


def check_history(frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> None:
    """The rules of a purchase history (x ≥ 0 whole, 0 ≤ t_x ≤ T, x = 0 ⇒ t_x = 0)."""
    if not (len(frequency) == len(recency) == len(T)) or not len(T):
        raise ValueError("frequency, recency and T must have the same, non-zero length")
    if np.any(frequency < 0) or np.any(frequency != np.round(frequency)):
        raise ValueError("frequency must be whole numbers ≥ 0 (repeat purchases)")
    if np.any(recency < 0) or np.any(recency > T + 1e-9):
        raise ValueError("recency must lie between 0 and T")
    if np.any((frequency == 0) & (recency != 0)):
        raise ValueError("recency must be 0 for customers without repeat purchases")
    if np.any(T <= 0):
        raise ValueError("T must be positive")


def _gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def maximise(
    loglik: Callable[[np.ndarray], float], start: np.ndarray, n: float
) -> tuple[np.ndarray, float]:
    """The log-parameters that maximise ``loglik`` (a function of the log-parameters).

    Returns them and the maximum. ``n`` (the number of customers) scales the
    objective to a mean per customer. Raises ``RuntimeError`` when the optimiser
    ends without a finite optimum (a bug or data the model cannot describe).
    """
    from scipy.optimize import minimize

    def objective(x: np.ndarray) -> float:
        value = -loglik(x) / n
        return float(value) if np.isfinite(value) else 1e10

    result = minimize(
        objective,
        np.asarray(start, dtype=float),
        jac=lambda x: _gradient(objective, x),
        method="BFGS",
        options={"gtol": 1e-9, "maxiter": 500},
    )
    best = np.asarray(result.x, dtype=float)
    value = float(loglik(best))
    if not np.isfinite(value):
        raise RuntimeError(f"no finite maximum of the likelihood: {result.message}")
    return best, value


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = STEP) -> np.ndarray:
    """Numerical Hessian of ``f`` at ``x`` by central differences (symmetric)."""
    k = len(x)
    out = np.empty((k, k))
    f0 = f(x)
    steps = np.eye(k) * h
    for i in range(k):
        out[i, i] = (f(x + steps[i]) - 2 * f0 + f(x - steps[i])) / h**2
        for j in range(i):
            value = (
                f(x + steps[i] + steps[j])
                - f(x + steps[i] - steps[j])
                - f(x - steps[i] + steps[j])
                + f(x - steps[i] - steps[j])
            ) / (4 * h**2)
            out[i, j] = out[j, i] = value
    return out


def covariance(loglik: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Asymptotic covariance of the log-parameters: the inverse observed information.

    NaN where the information is not positive definite (a flat likelihood).
    """
    info = hessian(lambda y: -loglik(y), x)
    try:
        np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return np.full_like(info, np.nan)
    inverse: np.ndarray = np.linalg.inv(info)
    return inverse


def wald_intervals(
    names: tuple[str, ...], log_params: np.ndarray, cov: np.ndarray
) -> dict[str, tuple[float, float]]:
    """95 % intervals of the parameters, exp(log θ ± 1.96·se) (NaN without information)."""
    se = np.sqrt(np.diag(cov))
    return {
        name: (float(np.exp(v - Z95 * s)), float(np.exp(v + Z95 * s)))
        for name, v, s in zip(names, log_params, se, strict=True)
    }


def jacobian(
    func: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = STEP
) -> np.ndarray:
    """Numerical Jacobian (outputs × parameters) of a vector function of the log-parameters."""
    columns = []
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        columns.append((np.asarray(func(x + e)) - np.asarray(func(x - e))) / (2 * h))
    return np.column_stack(columns)


def delta_se(
    func: Callable[[np.ndarray], np.ndarray], x: np.ndarray, cov: np.ndarray
) -> np.ndarray:
    """Delta-method standard errors of ``func`` (a vector of figures) at the log-parameters x."""
    jac = jacobian(func, x)
    return np.asarray(np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac)), dtype=float)


def discounted_value(
    cumulative: Callable[[float], np.ndarray],
    horizon: float,
    discount_rate: float,
    year: float,
) -> np.ndarray:
    """Discounted expected purchases in ``horizon`` (monthly steps, end-of-month discounting).

    ``cumulative(t)``: expected purchases in (0, t] per customer; ``year``:
    the length of a year in the time unit of the inputs (52.1775 weeks, 12
    months, 365.25 days); ``discount_rate`` per year. The purchases of step k
    (length year/12) are discounted by (1 + d)^(−k/12).
    """
    step = year / 12
    steps = max(int(np.ceil(horizon / step - 1e-9)), 1)
    total: np.ndarray | float = 0.0
    before = cumulative(0.0) * 0.0
    for k in range(1, steps + 1):
        now = cumulative(min(k * step, horizon))
        total = total + (now - before) / (1 + discount_rate) ** (k / 12)
        before = now
    return np.asarray(total, dtype=float)
