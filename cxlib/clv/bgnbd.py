"""BG/NBD: the beta-geometric/negative binomial model of repeat buying (Fader, Hardie & Lee 2005).

For customers without contracts ("buy till you die"): while active, a
customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase they
drop out with probability p ~ Beta(a, b). Data per customer: x repeat
purchases (``frequency``), the time t_x of the last one since the first
purchase (``recency``), the time T since the first purchase (``T``); the time
unit is that of the inputs (the literature uses weeks).

Formulas (Fader, Hardie & Lee 2005, "Counting your customers the easy way";
and their note "Computing P(alive) using the BG/NBD model"), with B the beta
function and ₂F₁ the Gaussian hypergeometric function:

    L = Γ(r+x) α^r / Γ(r) · [ B(a, b+x)/B(a, b) · (α+T)^−(r+x)
                              + δ(x>0) · B(a+1, b+x−1)/B(a, b) · (α+t_x)^−(r+x) ]
    P(alive) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1)
        · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive)

The bracket is computed by Euler's transformation, (1−z)^(r+x) ₂F₁(r+x, b+x;
c; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; c; z) with c = a+b+x−1, which keeps
every term of order one for customers with many purchases; where it is not
finite (a large a: (1−z)^(a−1) underflows) the untransformed series, which
converges fast there. A new customer's expected purchases, E[X(t)], are the
case x = t_x = T = 0.

When the customers do not differ in their drop-out probability, the
likelihood has no maximum inside: a and b run off to infinity at a fixed
p = a/(a+b), and B(a, b+x)/B(a, b) → (1−p)^x. The fit then says so
(:attr:`BgNbd.equal_dropout`); its predictions are those of one p for all,
and the covariance is that of (r, α, log(a/b)) with a·b held fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from cxlib.clv import fitting
from cxlib.clv.fitting import Compressed

NAMES = ("r", "alpha", "a", "b")
#: the spread of the drop-out probability (coefficient of variation of Beta(a, b)) below
#: which a fit counts as "one drop-out probability for all customers"
#: (:attr:`BgNbd.equal_dropout`): a and b then ran off towards infinity
EQUAL_DROPOUT_BELOW = 0.01
#: distinct histories from which the fit first looks at a sample of :data:`FIRST_SAMPLE`
#: customers (:func:`_from_sample`)
SAMPLE_FIRST_FROM = 100_000
FIRST_SAMPLE = 20_000
#: a from which E[Y(t)] comes from the untransformed series for every customer (Euler's
#: form overflows for nearly all of them; both agree with numerical integration there)
PLAIN_SERIES_FROM = 1e4
#: the log-parameters (log r, log α, log a, log b) as functions of (log r, log α, log(a/b))
#: at a fixed log(a·b): the directions the likelihood still informs at the boundary
_WITHOUT_SPREAD = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0.5], [0, 0, -0.5]], dtype=float)


@dataclass(frozen=True)
class _Rows:
    """The distinct histories (contiguous columns), their distinct x and the customers per x."""

    data: Compressed
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    #: the distinct x, where each row's x is among them, and the customers with each x
    values: np.ndarray
    where: np.ndarray
    per_x: np.ndarray
    #: the last point's parts: the optimiser asks for value and gradient at the same point
    last: dict[bytes, tuple[np.ndarray, ...]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, data: Compressed) -> _Rows:
        values, where = np.unique(data.column(0), return_inverse=True)
        where = where.reshape(-1)
        per_x = np.bincount(where, weights=data.counts, minlength=len(values))
        x, t_x, T = (np.ascontiguousarray(data.column(j)) for j in range(3))
        return cls(data, x, t_x, T, values, where, per_x)


def _parts(
    log_params: np.ndarray, rows: _Rows
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct x: head; per row: the bracket's first term and the log of the bracket
    (both logs), log(α+T), log(α+t_x)."""
    key = np.asarray(log_params, dtype=float).tobytes()
    if key not in rows.last:
        rows.last.clear()
        rows.last[key] = _compute_parts(log_params, rows)
    head, one, bracket, log_t, log_tx = rows.last[key]
    return head, one, bracket, log_t, log_tx


def _running(values: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Σ_{k<x} terms[k] for each whole x in ``values`` (``terms`` long enough)."""
    running: np.ndarray = np.r_[0.0, np.cumsum(terms)]
    return np.asarray(running[values.astype(np.int64)], dtype=float)


def _steps(values: np.ndarray) -> np.ndarray:
    """0, 1, …, max x − 1: the k of the products and sums over a customer's purchases."""
    return np.arange(int(values.max()) if len(values) else 0, dtype=float)


def _compute_parts(log_params: np.ndarray, rows: _Rows) -> tuple[np.ndarray, ...]:
    r, alpha, a, b = np.exp(log_params)
    values, where = rows.values, rows.where
    # terms that depend on x only, once per distinct x; the beta-function ratios as products,
    # B(a, b+x)/B(a, b) = Π_{k<x} (b+k)/(a+b+k), exact also where a and b are huge
    k = _steps(values)
    with np.errstate(divide="ignore"):
        ratio = np.where(a < b + k, np.log1p(-a / (a + b + k)), np.log(b + k) - np.log(a + b + k))
    head = gammaln(r + values) - gammaln(r) + r * np.log(alpha)
    first = _running(values, ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        # B(a+1, b+x−1)/B(a, b) = a/(a+b+x−1) · B(a, b+x−1)/B(a, b) for x ≥ 1
        before = _running(np.maximum(values - 1, 0), ratio)
        second = np.where(values > 0, np.log(a) - np.log(a + b + values - 1) + before, -np.inf)
    log_t, log_tx = np.log(alpha + rows.T), np.log(alpha + rows.t_x)
    power = r + rows.x
    one = first[where] - power * log_t
    bracket = np.logaddexp(one, second[where] - power * log_tx)
    return head, one, bracket, log_t, log_tx


def _loglik(log_params: np.ndarray, rows: _Rows) -> float:
    head, _, bracket, _, _ = _parts(log_params, rows)
    return float(rows.per_x @ head + rows.data.counts @ bracket)


def _gradient(log_params: np.ndarray, rows: _Rows) -> np.ndarray:
    """The log-likelihood's gradient in (log r, log α, log a, log b), analytically.

    With w the share of the bracket's first term, per customer: ∂/∂r = ψ(r+x)
    − ψ(r) + log α − w·log(α+T) − (1−w)·log(α+t_x); ∂/∂α = r/α − (r+x)·(w/(α+T)
    + (1−w)/(α+t_x)); ∂/∂a and ∂/∂b from ∂B(u, v)/∂u = ψ(u) − ψ(u+v) on the three
    beta functions: ∂/∂a = (1−w)/a − (ψ(a+b+x) − ψ(a+b)) and ∂/∂b = w·(ψ(b+x) −
    ψ(b)) + (1−w)·(ψ(b+x−1) − ψ(b)) − (ψ(a+b+x) − ψ(a+b)). Summed over the
    customers, the terms that depend on x only are summed once per distinct x
    (with the customers, and the w-weighted customers, of each x).
    """
    r, alpha, a, b = np.exp(log_params)
    _, one, bracket, log_t, log_tx = _parts(log_params, rows)
    values, where, per_x, counts = rows.values, rows.where, rows.per_x, rows.data.counts
    n = float(per_x.sum())
    cw = counts * np.exp(one - bracket)  # customers × w
    w_total = float(cw.sum())
    w_per_x = np.bincount(where, weights=cw, minlength=len(values))
    d_r = (
        per_x @ (digamma(r + values) - digamma(r))
        + n * np.log(alpha)
        - cw @ (log_t - log_tx)
        - counts @ log_tx
    )
    inv_t, inv_tx = 1 / (alpha + rows.T), 1 / (alpha + rows.t_x)
    power = r + rows.x
    d_alpha = n * r / alpha - (power * cw) @ (inv_t - inv_tx) - (power * counts) @ inv_tx
    # ψ(u+x) − ψ(u) = Σ_{k<x} 1/(u+k): exact also where a and b are huge
    k = _steps(values)
    ab = _running(values, 1 / (a + b + k))
    b_x = _running(values, 1 / (b + k))
    b_x1 = _running(np.maximum(values - 1, 0), 1 / (b + k))
    d_a = (n - w_total) / a - per_x @ ab
    d_b = w_per_x @ b_x + (per_x - w_per_x) @ b_x1 - per_x @ ab
    sums = np.array([d_r, d_alpha, d_a, d_b], dtype=float)
    return np.asarray(sums * np.array([r, alpha, a, b]), dtype=float)


def _p_alive(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds = (
            np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(x > 0, 1 / (1 + np.exp(np.where(x > 0, log_odds, 0.0))), 1.0)


def _expected(
    r: float,
    alpha: float,
    a: float,
    b: float,
    t: float,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
) -> np.ndarray:
    p = _p_alive(r, alpha, a, b, x, t_x, T)
    return np.asarray(_per_alive(r, alpha, a, b, t, x, T) * p, dtype=float)


def _per_alive(
    r: float, alpha: float, a: float, b: float, t: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] / P(alive): the expected purchases of an active customer.

    It depends on x and T only (not on t_x), so a caller with many customers
    can compute it once per distinct (x, T) (:class:`Histories`).
    """
    c = a + b + x - 1
    z = t / (alpha + T + t)
    if a > PLAIN_SERIES_FROM:  # Euler's form fails for (nearly) everyone: skip the attempt
        shape = np.broadcast(c, z).shape
        bracket = _plain_bracket(r, b, c, x, z, np.full(shape, np.nan), np.ones(shape, bool))
        return np.asarray(c / (a - 1) * bracket, dtype=float)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        bracket = np.asarray(1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z))
    failed = ~np.isfinite(bracket)
    if failed.any():
        bracket = _plain_bracket(r, b, c, x, z, bracket, failed)
    return np.asarray(c / (a - 1) * bracket, dtype=float)


def _plain_bracket(
    r: float,
    b: float,
    c: np.ndarray,
    x: np.ndarray,
    z: np.ndarray,
    bracket: np.ndarray,
    failed: np.ndarray,
) -> np.ndarray:
    """The bracket from the untransformed series, 1 − (1−z)^(r+x) ₂F₁(r+x, b+x; c; z), where
    Euler's form is not finite.

    That happens for a large a (little difference between the customers' drop-out
    probabilities): (1−z)^(a−1) underflows while its ₂F₁ overflows. There the
    untransformed series converges fast, its terms shrinking like (b/(a+b)·z)^k.
    """
    shape = bracket.shape
    cc, xx, zz = (np.broadcast_to(v, shape)[failed] for v in (c, x, z))
    out = bracket.copy()
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        out[failed] = 1 - (1 - zz) ** (r + xx) * hyp2f1(r + xx, b + xx, cc, zz)
    return out


@dataclass(frozen=True)
class Histories:
    """Purchase histories prepared for the model's predictions at any parameters.

    The hypergeometric function of E[Y(t)] is the costly part and depends on
    (x, T) only: :meth:`expected` computes it once per distinct pair (a
    million customers of a shop have some 40,000) and P(alive) once per call
    of :meth:`p_alive`; the figures equal :func:`_expected`'s to the last bit.
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    #: the distinct (x, T)
    pairs: Compressed

    @classmethod
    def of(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> Histories:
        """The histories (x, t_x, T) with their distinct (x, T)."""
        return cls(x, t_x, T, fitting.compress(x, T))

    def p_alive(self, r: float, alpha: float, a: float, b: float) -> np.ndarray:
        """P(alive) of each customer."""
        return _p_alive(r, alpha, a, b, self.x, self.t_x, self.T)

    def expected(
        self, r: float, alpha: float, a: float, b: float, t: float, p_alive: np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T] of each customer, given their ``p_alive`` at the same parameters."""
        pairs = self.pairs
        per_alive = _per_alive(r, alpha, a, b, t, pairs.column(0), pairs.column(1))
        return np.asarray(per_alive[pairs.inverse] * p_alive, dtype=float)


@dataclass(frozen=True)
class BgNbd(fitting.PurchaseModel):
    """A fitted BG/NBD model with the customers it was fitted on (see the module docstring)."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float
    n: int
    #: the asymptotic covariance of (log r, log α, log a, log b), the inverse observed information
    covariance: np.ndarray = field(repr=False, compare=False)
    data: Compressed = field(repr=False, compare=False)
    #: the fit found no difference between the customers' drop-out probabilities: a and b
    #: ran off to infinity at a fixed p = a/(a+b) (the likelihood has no maximum inside);
    #: the predictions are those of one p for all and :attr:`covariance` holds a·b fixed
    #: (its rank is 3: the information on r, α and log(a/b) = logit p)
    equal_dropout: bool = False

    @property
    def params(self) -> dict[str, float]:
        """The estimates with the literature's names: r, alpha, a, b."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def p_alive(
        self,
        frequency: object = None,
        recency: object = None,
        T: object = None,
    ) -> np.ndarray:
        """Probability that each customer is still active at T (default: the fitted customers)."""
        x, t_x, big_t = self._history(frequency, recency, T)
        return _p_alive(self.r, self.alpha, self.a, self.b, x, t_x, big_t)

    def expected_purchases(
        self,
        t: float,
        frequency: object = None,
        recency: object = None,
        T: object = None,
    ) -> np.ndarray:
        """Expected purchases of each customer in the next ``t`` (default: the fitted customers)."""
        x, t_x, big_t = self._history(frequency, recency, T)
        return _expected(self.r, self.alpha, self.a, self.b, t, x, t_x, big_t)

    def expected_purchases_new(self, t: float) -> float:
        """E[X(t)]: expected purchases of a new customer in (0, t]."""
        zero = np.zeros(1)
        return float(_expected(self.r, self.alpha, self.a, self.b, t, zero, zero, zero)[0])

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
        """Customer value: spend × discounted expected purchases within ``horizon`` (per customer).

        ``spend``: the expected value of a purchase (e.g. Gamma-Gamma's
        expected spend times a margin rate), one per customer or one for all;
        ``discount_rate`` per year; ``year`` the length of a year in the time
        unit of the inputs (default weeks); discounted continuously
        (:func:`cxlib.clv.fitting.discounted_value`).
        """
        x, t_x, big_t = self._history(frequency, recency, T)
        params = (self.r, self.alpha, self.a, self.b)
        purchases = fitting.discounted_value(
            lambda t: _expected(*params, t, x, t_x, big_t), horizon, discount_rate, year
        )
        return np.asarray(np.asarray(spend, dtype=float) * purchases, dtype=float)


def bgnbd(frequency: object, recency: object, T: object) -> BgNbd:
    """Fit the BG/NBD model by maximum likelihood.

    ``frequency``: repeat purchases x per customer; ``recency``: time of the
    last purchase since the first (t_x, 0 for x = 0); ``T``: time since the
    first purchase; same unit for both times. The fit runs on the distinct
    (x, t_x, T) with their counts.
    """
    x = fitting.as_array(frequency, "frequency")
    t_x, big_t = fitting.as_array(recency, "recency"), fitting.as_array(T, "T")
    fitting.check_history(x, t_x, big_t)
    data = fitting.compress(x, t_x, big_t)
    start = np.log([1.0, max(float(np.mean(big_t)) / 10, 1e-3), 1.0, 1.0])
    rows = _Rows.of(data)
    found = _from_sample(data, rows, start) if len(data.counts) > SAMPLE_FIRST_FROM else None
    best, value = found or _maximise(rows, start, len(x))
    info = fitting.information(lambda p: _loglik(p, rows), best, lambda p: _gradient(p, rows))
    cov = fitting.inverse_information(info)
    r, alpha, a, b = (float(v) for v in np.exp(best))
    equal = _one_dropout(best)
    if equal:
        # no maximum inside: the likelihood rises towards a, b → ∞ at a fixed a/(a+b), the
        # model with one drop-out probability for all; it says nothing about a·b there (its
        # information is about zero, or negative from rounding), so the covariance holds it
        free = _WITHOUT_SPREAD
        cov = free @ fitting.inverse_information(free.T @ info @ free) @ free.T
    return BgNbd(r, alpha, a, b, value, len(x), cov, data, equal_dropout=equal)


def _maximise(rows: _Rows, start: np.ndarray, n: int) -> tuple[np.ndarray, float]:
    """The log-parameters that maximise the likelihood of ``rows`` (``n`` customers), from
    ``start``, and the maximum (:func:`cxlib.clv.fitting.maximise`)."""
    return fitting.maximise(lambda p: _loglik(p, rows), start, n, lambda p: _gradient(p, rows))


def _one_dropout(log_params: np.ndarray) -> bool:
    """Whether the drop-out probability's spread, the coefficient of variation of
    Beta(a, b), is below :data:`EQUAL_DROPOUT_BELOW`."""
    _, _, a, b = np.exp(log_params)
    return bool(np.sqrt(b / (a * (a + b + 1))) < EQUAL_DROPOUT_BELOW)


def _with_spread(log_params: np.ndarray, cv: float) -> np.ndarray:
    """The log-parameters with the same r, α and p = a/(a+b), but a spread ``cv`` of p."""
    _, _, a, b = np.exp(log_params)
    p = a / (a + b)
    total = (1 - p) / (p * cv**2) - 1  # cv² = (1 − p) / (p (a + b + 1))
    return np.asarray(
        np.r_[log_params[:2], np.log(p * total), np.log((1 - p) * total)], dtype=float
    )


def _from_sample(
    data: Compressed, rows: _Rows, start: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """The fit of many histories, started where a sample of the customers ends, when that
    sample shows one drop-out probability for all (else None: the fit from ``start``).

    There the fit from ``start`` walks dozens of steps towards a, b → ∞ (a million
    customers: 3 s); from the sample's optimum it needs a few. The result is taken
    only when it lies at that boundary too and giving p a spread (coefficient of
    variation 0.05 or 0.2 at the same r, α and mean p) lowers the likelihood, so
    that a flat stretch cannot hide a maximum inside; otherwise None.
    """
    n = int(data.counts.sum())
    picked = np.random.default_rng(0).choice(n, FIRST_SAMPLE, replace=False)  # customers
    counts = np.bincount(data.inverse[picked], minlength=len(data.counts)).astype(float)
    keep = np.flatnonzero(counts)
    sample = _Rows.of(Compressed(data.rows[keep], counts[keep], np.arange(len(keep))))
    guess, _ = _maximise(sample, start, FIRST_SAMPLE)
    if not _one_dropout(guess):
        return None
    best, value = _maximise(rows, guess, n)
    return (best, value) if _boundary_is_maximum(best, value, rows) else None


def _boundary_is_maximum(best: np.ndarray, value: float, rows: _Rows) -> bool:
    """Whether ``best`` (log-likelihood ``value``) lies at the boundary of one drop-out
    probability for all and a spread of p (0.05, 0.2) at the same r, α and mean p lowers
    the likelihood."""
    if not _one_dropout(best):
        return False
    return all(_loglik(_with_spread(best, cv), rows) <= value for cv in (0.05, 0.2))
