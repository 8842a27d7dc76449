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
  horizon from a model's cumulative expected purchases (continuous
  discounting, Gauss-Legendre).

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
#: Gauss-Legendre points of the discounted purchases (:func:`discounted_value`)
NODES = 8


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
    """Unique rows of the given equal-length columns with their counts (see the module doc).

    Hash-based (pandas groupby), in order of first appearance.
    """
    import pandas as pd

    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    frame = pd.DataFrame(stacked)
    inverse = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    rows = np.empty((int(inverse.max()) + 1, stacked.shape[1]))
    rows[inverse] = stacked
    counts = np.bincount(inverse).astype(float)
    return Compressed(rows, counts, inverse)


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


#: the gradient of a log-likelihood in the log-parameters
Gradient = Callable[[np.ndarray], np.ndarray]


def maximise(
    loglik: Callable[[np.ndarray], float],
    start: np.ndarray,
    n: float,
    gradient: Gradient | None = None,
) -> tuple[np.ndarray, float]:
    """The log-parameters that maximise ``loglik`` (a function of the log-parameters).

    Returns them and the maximum. ``n`` (the number of customers) scales the
    objective to a mean per customer; ``gradient``, the analytic gradient of
    ``loglik`` where the model has one (else central differences). Raises
    ``RuntimeError`` when the optimiser ends without a finite optimum (a bug
    or data the model cannot describe).
    """
    from scipy.optimize import minimize

    def objective(x: np.ndarray) -> float:
        value = -loglik(x) / n
        return float(value) if np.isfinite(value) else 1e10

    def slope(x: np.ndarray) -> np.ndarray:
        if gradient is None:
            return _gradient(objective, x)
        return np.asarray(-gradient(x) / n, dtype=float)

    # the line search tries steps where the model's terms overflow (objective 1e10 there)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            objective,
            np.asarray(start, dtype=float),
            jac=slope,
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


def covariance(
    loglik: Callable[[np.ndarray], float], x: np.ndarray, gradient: Gradient | None = None
) -> np.ndarray:
    """Asymptotic covariance of the log-parameters: the inverse observed information.

    The information is the numerical Hessian of −loglik (from the analytic
    gradient where there is one). NaN where it is not positive definite (a
    flat likelihood).
    """
    return inverse_information(information(loglik, x, gradient))


def information(
    loglik: Callable[[np.ndarray], float], x: np.ndarray, gradient: Gradient | None = None
) -> np.ndarray:
    """The observed information at ``x``: the numerical Hessian of −loglik (symmetric).

    From the analytic gradient where there is one.
    """
    if gradient is None:
        return hessian(lambda y: -loglik(y), x)
    info = -jacobian(gradient, x)
    return np.asarray((info + info.T) / 2, dtype=float)


def inverse_information(info: np.ndarray) -> np.ndarray:
    """The inverse of an information matrix; NaN where it is not positive definite."""
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
    nodes: int = NODES,
) -> np.ndarray:
    """Discounted expected purchases in ``horizon``, discounted continuously.

    ``cumulative(t)``: expected purchases in (0, t] per customer, C(t);
    ``year``: the length of a year in the time unit of the inputs (52.1775
    weeks, 12 months, 365.25 days); ``discount_rate`` d per year, so the rate
    per time unit is δ = log(1 + d) / year. By parts,

        ∫₀^H e^(−δt) dC(t) = e^(−δH) C(H) + δ ∫₀^H e^(−δt) C(t) dt,

    and the smooth integral on the right by Gauss-Legendre with ``nodes`` points.
    """
    delta = np.log1p(discount_rate) / year
    end = cumulative(horizon)
    if delta == 0:
        return np.asarray(end, dtype=float)
    points, weights = np.polynomial.legendre.leggauss(nodes)
    times = (points + 1) * horizon / 2
    integral = sum(
        w * np.exp(-delta * t) * cumulative(float(t)) for t, w in zip(times, weights, strict=True)
    )
    return np.asarray(np.exp(-delta * horizon) * end + delta * horizon / 2 * integral, dtype=float)


class PurchaseModel:
    """What the fitted purchase models (BG/NBD, Pareto/NBD) share: parameters on the log
    scale, their Wald intervals and the purchase histories predictions default to.

    A subclass is a frozen dataclass with the fields ``covariance`` (of the log
    parameters) and ``data`` (the compressed histories it was fitted on) and a
    ``params`` property in the literature's order.
    """

    covariance: np.ndarray
    data: Compressed

    @property
    def params(self) -> dict[str, float]:
        """The estimates with the literature's names (defined by each model)."""
        raise NotImplementedError

    @property
    def log_params(self) -> np.ndarray:
        """The logarithms of :attr:`params`, in order: the scale of :attr:`covariance`."""
        return np.log(list(self.params.values()))

    def intervals(self) -> dict[str, tuple[float, float]]:
        """95 % intervals of the parameters from the observed information (log scale)."""
        return wald_intervals(tuple(self.params), self.log_params, self.covariance)

    def _history(
        self, frequency: object, recency: object, T: object
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The histories to predict for: the given ones, or those the model was fitted on."""
        if frequency is None:
            rows = self.data.rows[self.data.inverse]
            return rows[:, 0], rows[:, 1], rows[:, 2]
        x = as_array(frequency, "frequency")
        return x, as_array(recency, "recency"), as_array(T, "T")
