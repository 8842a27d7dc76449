"""A vectorised Newton solver for the Cox partial likelihood with Efron ties.

statsmodels' ``PHReg`` loops in Python over rows (set-up) and distinct event
times (every gradient and Hessian), which costs ~0.5 s on a 9,000-customer
client and many seconds on a million customers (CX_METHOD). Here the rows are
sorted once, latest leavers first, so that the risk set of each distinct
event time t (rows with entry < t ≤ duration) is a leading block of the rows:
its sums S0 = Σ w and S1 = Σ w·x (w = exp(x'β)) are segment sums
(``np.add.reduceat``) accumulated over the blocks; rows with delayed entry are
subtracted the same way. The churners of a time sit at the front of their
block, so their sums are one segment. Per churner the Efron term removes the
fraction l/d of the tied churners' sums; only the scalar denominators differ
between the churners of one time, so the second-moment sums Σ w·x·xᵀ never
have to be formed per time: summed over times they are one weighted Gram
matrix Σ_i w_i·c_i·x_i·x_iᵀ, with c_i the per-time weights summed over the
times at which row i is at risk (minus its own tie weight if it churns).
Validated against statsmodels and R's ``coxph`` (Rossi data) to 1e-6 in
``tests/test_cox.py`` and ``tests/test_cox_fast.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class EventTimeSums:
    """Per distinct event time at given coefficients.

    ``times`` ascending; ``events`` churns at each; ``at_risk`` number of rows
    with duration ≥ t (delayed entry ignored, as for the Kaplan-Meier time
    transform of the proportional-hazards test); ``risk_weight`` Σ exp(x'β)
    over the risk set (entry < t ≤ duration; the Breslow denominator);
    ``mean`` the Efron-weighted covariate mean of the risk set (m × k), which
    is subtracted from the churners' covariates to give Schoenfeld residuals;
    ``event_sum`` the churners' covariates summed per time (m × k).
    """

    times: np.ndarray
    events: np.ndarray
    at_risk: np.ndarray
    risk_weight: np.ndarray
    mean: np.ndarray
    event_sum: np.ndarray


@dataclass(frozen=True)
class EfronFit:
    """Coefficients, covariance (inverse information), log-likelihoods and iterations.

    ``risk_sets`` is the prepared data of the fit (to evaluate per-time sums at
    the estimate, :meth:`RiskSets.event_time_sums`).
    """

    params: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    null_log_likelihood: float
    iterations: int
    converged: bool
    risk_sets: RiskSets = field(repr=False, compare=False)


def _descending(key: np.ndarray) -> np.ndarray:
    """Stable order of ``key`` (non-negative integers) from largest to smallest."""
    top = int(key.max()) if key.size else 0
    if top < 2**16:  # radix sort
        return np.argsort((top - key).astype(np.uint16), kind="stable")
    return np.argsort(top - key, kind="stable")


class RiskSets:
    """The data of one fit, sorted once; evaluates log-likelihood, gradient and Hessian.

    ``x`` (n × k) covariates, ``durations`` > 0, ``events`` bool, ``entry``
    optional delayed-entry times (< duration): a row is at risk at t when
    entry < t ≤ duration, as in R's ``coxph``.
    """

    def __init__(
        self,
        x: np.ndarray,
        durations: np.ndarray,
        events: np.ndarray,
        entry: np.ndarray | None = None,
    ) -> None:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        d = np.asarray(durations, dtype=float)
        e = np.asarray(events, dtype=bool)
        n, k = x.shape
        self.n, self.k = n, k
        self.times = np.unique(d[e])
        m = self.times.size
        self.m = m
        exit_pos = np.searchsorted(self.times, d, side="right")  # at risk for j < exit_pos
        order = _descending(exit_pos * 2 + e)  # latest leavers first, churners first in a tie
        self.xt = np.ascontiguousarray(x[order].T)  # k × n: each covariate contiguous
        self.exit_pos = exit_pos[order]
        self.event_rows = np.flatnonzero(e[order])
        self.event_pos = self.exit_pos[self.event_rows] - 1  # index of the churner's time
        self.n_tie = np.bincount(self.event_pos, minlength=m)
        # rows with exit position > j are the first count[j] rows (j = 0..m); the risk set
        # of time j is rows [0, count[j]), its churners rows [count[j + 1], + n_tie[j])
        count = n - np.cumsum(np.bincount(self.exit_pos, minlength=m + 1))
        self.at_risk = count[:m]
        self.used = int(count[0])  # later rows leave before the first event time
        tie_end = count[1:] + self.n_tie
        self.starts = np.unique(np.concatenate([count[1:], tie_end]))
        self.starts = self.starts[self.starts < self.used]
        self.risk_seg = np.searchsorted(self.starts, count[:m])  # segments before count[j]
        self.tie_seg = np.searchsorted(self.starts, count[1:])  # the churners' segment
        self.enter_pos: np.ndarray | None = None
        if entry is not None:
            enter_pos = np.searchsorted(self.times, np.asarray(entry, float)[order], "right")
            late = np.flatnonzero(enter_pos > 0)  # at risk only for times j ≥ enter_pos
            if late.size:
                self.enter_pos = enter_pos
                late = late[_descending(enter_pos[late])]
                before = late.size - np.cumsum(np.bincount(enter_pos[late], minlength=m + 1))
                self.late_xt = np.ascontiguousarray(self.xt[:, late])
                self._late_weighted = np.empty((1 + k, late.size))
                self.late_starts = np.unique(before[before < late.size])
                self.late_seg = np.searchsorted(self.late_starts, before[:m])
        rows = np.repeat(np.arange(m), self.n_tie)
        start = np.repeat(np.cumsum(self.n_tie) - self.n_tie, self.n_tie)
        self.pair_time = rows
        self.pair_frac = (np.arange(rows.size) - start) / self.n_tie[rows]
        self.event_sum = np.add.reduceat(self.xt[:, : self.used], self.starts, axis=1)
        self.event_sum = self.event_sum[:, self.tie_seg].T  # Σ x over the churners per time
        self.sum_x_events = self.event_sum.sum(0)
        self._weighted = np.empty((1 + k, n))  # work space: w and w·x per row
        self._scaled: np.ndarray | None = None  # work space: x·v per row (Hessian)

    @staticmethod
    def _prefix(segments: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Sums of the first ``ends`` segments (columns of ``segments``), one row per end."""
        cum = np.zeros((segments.shape[1] + 1, segments.shape[0]))
        np.cumsum(segments.T, axis=0, out=cum[1:])
        prefix: np.ndarray = cum[ends]
        return prefix

    def _sums(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """η, w, and per time the risk-set and tied-churner sums of (w, w·x)."""
        eta = beta @ self.xt
        weighted = self._weighted
        w = np.exp(eta, out=weighted[0])
        np.multiply(self.xt, w, out=weighted[1:])
        segments = np.add.reduceat(weighted[:, : self.used], self.starts, axis=1)
        risk = self._prefix(segments, self.risk_seg)
        ties = segments[:, self.tie_seg].T
        if self.enter_pos is not None:  # rows not yet at risk, by the same recipe
            late = self._late_weighted
            np.exp(beta @ self.late_xt, out=late[0])
            np.multiply(self.late_xt, late[0], out=late[1:])
            late = np.add.reduceat(late, self.late_starts, axis=1)
            risk -= self._prefix(late, self.late_seg)
        return eta, w, risk, ties

    def _efron_weights(
        self, risk: np.ndarray, ties: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Efron denominators per churner and per-time sums of 1/s0 and l/d·1/s0."""
        j, f = self.pair_time, self.pair_frac
        s0 = risk[j, 0] - f * ties[j, 0]
        inv = 1.0 / s0
        a = np.bincount(j, weights=inv, minlength=self.m)
        b = np.bincount(j, weights=f * inv, minlength=self.m)
        return s0, a, b

    def evaluate(
        self, beta: np.ndarray, second: bool = True
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, gradient and Hessian at ``beta``."""
        eta, w, risk, ties = self._sums(beta)
        s0, a, b = self._efron_weights(risk, ties)
        ll = float(eta[self.event_rows].sum() - np.log(s0).sum())
        # Σ_t (a_t·S1_t − b_t·T1_t) and Σ_t (a_t·S2_t − b_t·T2_t) as sums over rows:
        # row i carries w_i·(Σ_{t: i at risk} a_t − [i churns at t] b_t)
        cum_a = np.concatenate([[0.0], np.cumsum(a)])
        c = cum_a[self.exit_pos]
        if self.enter_pos is not None:
            c -= cum_a[self.enter_pos]
        c[self.event_rows] -= b[self.event_pos]
        v = np.multiply(w, c, out=c)
        grad = self.sum_x_events - self.xt @ v
        hess = np.zeros((self.k, self.k))
        if second:
            if self._scaled is None:
                self._scaled = np.empty_like(self.xt)
            np.multiply(self.xt, v, out=self._scaled)
            s2 = self._scaled @ self.xt.T
            j, f = self.pair_time, self.pair_frac
            inv2 = 1.0 / s0**2
            m = self.m
            cc = np.bincount(j, weights=inv2, minlength=m)
            g = np.bincount(j, weights=f * inv2, minlength=m)
            h = np.bincount(j, weights=f**2 * inv2, minlength=m)
            r1, d1 = risk[:, 1:], ties[:, 1:]
            cross = (r1 * g[:, None]).T @ d1
            outer = (r1 * cc[:, None]).T @ r1 - cross - cross.T + (d1 * h[:, None]).T @ d1
            hess = -(s2 - outer)
            hess = (hess + hess.T) / 2
        return ll, grad, hess

    def event_time_sums(self, beta: np.ndarray) -> EventTimeSums:
        """Per-time sums at ``beta`` for the baseline hazard and Schoenfeld residuals."""
        _eta, _w, risk, ties = self._sums(beta)
        _s0, a, b = self._efron_weights(risk, ties)
        mean = (a[:, None] * risk[:, 1:] - b[:, None] * ties[:, 1:]) / self.n_tie[:, None]
        return EventTimeSums(self.times, self.n_tie, self.at_risk, risk[:, 0], mean, self.event_sum)


def fit_efron(
    x: np.ndarray,
    durations: np.ndarray,
    events: np.ndarray,
    entry: np.ndarray | None = None,
    *,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> EfronFit:
    """Maximise the Efron partial likelihood by Newton-Raphson with step halving.

    Starts at β = 0; stops when the log-likelihood changes by less than ``tol``
    and the largest step is below 1e-8. The covariance is the inverse of the
    information at the estimate.
    """
    problem = RiskSets(x, durations, events, entry)
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
    problem._scaled = None  # the fit keeps the sorted data, not the Hessian work space
    return EfronFit(beta, covariance, ll, null_ll, iterations, converged, problem)
