"""A vectorised Newton solver for the Cox partial likelihood with Efron ties.

statsmodels' ``PHReg`` loops in Python over rows (set-up) and distinct event
times (every gradient and Hessian), which costs ~0.5 s on a 9,000-customer
client and many seconds on a million customers (CX_METHOD). Here all sums run
over sorted arrays with ``bincount``/``cumsum``: per distinct time the risk-set
sums S0 = Σ w, S1 = Σ w·x, S2 = Σ w·x·xᵀ (w = exp(x'β), rows with
entry < t ≤ duration), and per event the Efron term with fraction l/d of the
tied events' sums removed. Validated against statsmodels and R's ``coxph``
(Rossi data) to 1e-6 in ``tests/test_cox.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EfronFit:
    """Coefficients, covariance (inverse information), log-likelihoods and iterations."""

    params: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    null_log_likelihood: float
    iterations: int
    converged: bool


def _grouping(positions: np.ndarray, rows: np.ndarray, size: int, n: int) -> Any:
    """Group index of each row (``size`` = no group) for :func:`_weighted_sums`."""
    index = np.full(n, size, dtype=np.intp)
    index[rows] = positions
    return index, size


def _weighted_sums(groups: Any, w: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Σ w·values per group; ``values`` column-major, so each column is one bincount."""
    index, size = groups
    out = np.empty((size, values.shape[1]))
    for c in range(values.shape[1]):
        out[:, c] = np.bincount(index, weights=values[:, c] * w, minlength=size + 1)[:size]
    return out


class _Problem:
    """The data of one fit, pre-sorted; evaluates log-likelihood, gradient and Hessian."""

    def __init__(self, x: np.ndarray, d: np.ndarray, e: np.ndarray, entry: np.ndarray | None):
        self.x, self.k = x, x.shape[1]
        self.times = np.unique(d[e])
        m = self.times.size
        # rows leave the risk set after their duration: position of the first event time > d
        self.exit_pos = np.searchsorted(self.times, d, side="right")  # at risk for times < pos
        self.enter_pos = (
            None if entry is None else np.searchsorted(self.times, entry, side="right")
        )  # at risk for times >= enter_pos (entry < t)
        self.event_pos = np.searchsorted(self.times, d[e])
        self.e = e
        self.n_tie = np.bincount(self.event_pos, minlength=m)
        rows = np.repeat(np.arange(m), self.n_tie)
        start = np.repeat(np.cumsum(self.n_tie) - self.n_tie, self.n_tie)
        self.pair_time = rows
        self.pair_frac = (np.arange(rows.size) - start) / self.n_tie[rows]
        self.sum_x_events = x[e].sum(0)
        iu = np.triu_indices(self.k)
        self.iu = iu
        self.base = np.asfortranarray(
            np.hstack([np.ones((x.shape[0], 1)), x, x[:, iu[0]] * x[:, iu[1]]])
        )
        rows = np.arange(x.shape[0])
        self.exit_groups = _grouping(self.exit_pos, rows, m + 1, rows.size)
        self.enter_groups = (
            None if self.enter_pos is None else _grouping(self.enter_pos, rows, m + 1, rows.size)
        )
        self.event_groups = _grouping(self.event_pos, np.flatnonzero(e), m, rows.size)

    def _risk(self, w: np.ndarray, width: int) -> np.ndarray:
        """Σ w·base over rows at risk (enter_pos ≤ j < exit_pos) at each event time j."""

        def tail(groups) -> np.ndarray:
            full = _weighted_sums(groups, w, self.base[:, :width])
            return np.cumsum(full[::-1], axis=0)[::-1][1:]  # Σ over rows with pos > j

        risk = tail(self.exit_groups)
        if self.enter_groups is not None:
            risk = risk - tail(self.enter_groups)
        return risk

    def evaluate(
        self, beta: np.ndarray, second: bool = True
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, gradient and Hessian at ``beta``."""
        eta = self.x @ beta
        w = np.exp(eta)
        k = self.k
        width = self.base.shape[1] if second else 1 + k
        risk = self._risk(w, width)
        ties = _weighted_sums(self.event_groups, w, self.base[:, :width])
        # Efron: per event the tied events' sums are removed by fractions l/d; only the
        # scalar denominators differ between the events of one time, so the sums over
        # events reduce to per-time weights of the risk-set and tie sums.
        j, f = self.pair_time, self.pair_frac
        s0 = risk[j, 0] - f * ties[j, 0]
        m = self.times.size

        def per_time(weights: np.ndarray) -> np.ndarray:
            return np.bincount(j, weights=weights, minlength=m)

        inv = 1.0 / s0
        a, b = per_time(inv), per_time(f * inv)
        r1, d1 = risk[:, 1 : 1 + k], ties[:, 1 : 1 + k]
        ll = float(eta[self.e].sum() - np.log(s0).sum())
        grad = self.sum_x_events - (a @ r1 - b @ d1)
        hess = np.zeros((k, k))
        if second:
            upper = a @ risk[:, 1 + k :] - b @ ties[:, 1 + k :]
            s2 = np.zeros((k, k))
            s2[self.iu] = upper
            s2 = s2 + s2.T - np.diag(np.diag(s2))
            c, g, h = per_time(inv**2), per_time(f * inv**2), per_time(f**2 * inv**2)
            cross = (r1 * g[:, None]).T @ d1
            outer = (r1 * c[:, None]).T @ r1 - cross - cross.T + (d1 * h[:, None]).T @ d1
            hess = -(s2 - outer)
        return ll, grad, hess


def fit_efron(
    x: np.ndarray,
    durations: np.ndarray,
    events: np.ndarray,
    entry: np.ndarray | None = None,
    *,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> EfronFit:
    """Maximise the Efron partial likelihood by Newton-Raphson with step halving."""
    problem = _Problem(np.asarray(x, float), np.asarray(durations, float), events, entry)
    beta = np.zeros(problem.k)
    ll, grad, hess = problem.evaluate(beta)
    null_ll = ll
    converged = False
    iterations = 0
    for iteration in range(1, max_iter + 1):
        iterations = iteration
        step = np.linalg.solve(-hess, grad)
        for _ in range(30):
            trial = beta + step
            new_ll, new_grad, new_hess = problem.evaluate(trial)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12:
                break
            step = step / 2
        beta, change = trial, new_ll - ll
        ll, grad, hess = new_ll, new_grad, new_hess
        if abs(change) < tol and np.abs(step).max() < 1e-8:
            converged = True
            break
    covariance = np.linalg.inv(-hess)
    return EfronFit(beta, covariance, ll, null_ll, iterations, converged)
