"""BG/NBD when the customers do not differ in their drop-out probability.

Then a and b run off to infinity at a fixed p = a/(a+b): B(a, b+x)/B(a, b) →
(1−p)^x and B(a+1, b+x−1)/B(a, b) → p(1−p)^(x−1), so the likelihood becomes

    L = Γ(r+x) α^r / Γ(r) · [(1−p)^x (α+T)^−(r+x) + δ(x>0) p (1−p)^(x−1) (α+t_x)^−(r+x)]

(the "one p for all" model). The references here are independent of the
module: that likelihood written out and fitted with statsmodels'
``GenericLikelihoodModel`` (its standard errors from its own numerical
Hessian), and E[Y(t)] as the expectation over the drop-out posterior
Beta(a, b+x) of (1/p)(1 − (1 + p t/(α+T))^−(r+x)) by numerical integration.
"""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats
from scipy.special import gammaln
from statsmodels.base.model import GenericLikelihoodModel

from cxlib.clv.bgnbd import Histories, bgnbd
from cxlib.clv.customer_base import customer_base

bg_module = importlib.import_module("cxlib.clv.bgnbd")
R, ALPHA, P = 1.5, 6.0, 0.08


def _by_integration(
    r: float, alpha: float, a: float, b: float, t: float, x: float, T: float
) -> float:
    """E[Y(t) | x, T, alive]: λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) a posteriori."""

    def inner(p: float) -> float:
        return float((1 - (1 + p * t / (alpha + T)) ** -(r + x)) / p * stats.beta.pdf(p, a, b + x))

    low, high = stats.beta.ppf([1e-13, 1 - 1e-13], a, b + x)
    mode = a / (a + b + x)
    value, _ = integrate.quad(inner, low, high, points=[mode], epsabs=0, epsrel=1e-11, limit=400)
    return float(value)


@pytest.mark.parametrize("a", [400.0, 1e4, 1e6])
def test_expected_purchases_where_eulers_form_overflows(a: float) -> None:
    b = 11.5 * a
    r, alpha, t = 1.3, 4.8, 156.0
    x = np.array([0.0, 0.0, 5.0, 150.0])
    T = np.array([1.0, 150.0, 100.0, 150.0])
    # the transformed series alone is not finite for at least one of these customers
    with np.errstate(all="ignore"):
        c, z = a + b + x - 1, t / (alpha + T + t)
        euler = 1 - (1 - z) ** (a - 1) * bg_module.hyp2f1(a + b - 1 - r, a - 1, c, z)
    assert not np.isfinite(euler).all()
    got = bg_module._per_alive(r, alpha, a, b, t, x, T)
    want = [_by_integration(r, alpha, a, b, t, xi, Ti) for xi, Ti in zip(x, T, strict=True)]
    assert got == pytest.approx(want, rel=1e-8)


def test_histories_give_the_same_figures_to_the_last_bit() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 6, 3000).astype(float)
    big_t = rng.integers(1, 60, 3000).astype(float)
    t_x = np.where(x > 0, np.floor(rng.random(3000) * big_t), 0.0)
    hist = Histories.of(x, t_x, big_t)
    assert len(hist.pairs.counts) < 400  # the ₂F₁ once per distinct (x, T)
    for params in [(0.243, 4.414, 0.793, 2.426), (1.3, 4.8, 1e6, 1.7e7)]:
        p = hist.p_alive(*params)
        for t in (4.0, 52.0, 156.0):
            want = bg_module._expected(*params, t, x, t_x, big_t)
            assert np.array_equal(hist.expected(*params, t, p), want)


def _simulate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histories (x, t_x, T in weeks) of the BG/NBD with one drop-out probability P for all."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(R, 1 / ALPHA, n)
    big_t = rng.uniform(20, 120, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t, count = 0.0, 0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t[i]:
                break
            count, last = count + 1, t
            if rng.random() < P:
                break
        if count:
            x[i], t_x[i] = count, last
    return x, np.minimum(np.round(t_x, 3), big_t), big_t


class _OneP(GenericLikelihoodModel):  # type: ignore[misc]
    """The limit model, parameters (log r, log α, logit p), written out from the formula."""

    def nloglikeobs(self, params: np.ndarray) -> np.ndarray:
        r, alpha = np.exp(params[:2])
        p = 1 / (1 + np.exp(-params[2]))
        x, t_x, big_t = self.endog.T
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        one = x * np.log1p(-p) - (r + x) * np.log(alpha + big_t)
        two = np.where(
            x > 0,
            np.log(p) + np.maximum(x - 1, 0) * np.log1p(-p) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
        return np.asarray(-(head + np.logaddexp(one, two)))


def test_fit_says_one_dropout_for_all_and_keeps_the_limit_models_intervals() -> None:
    x, t_x, big_t = _simulate(4000, seed=3)
    fit = bgnbd(x, t_x, big_t)
    assert fit.equal_dropout
    assert fit.a > 1e3 and fit.b > 1e3
    reference: Any = _OneP(np.column_stack([x, t_x, big_t])).fit(
        start_params=np.array([0.0, np.log(5.0), -2.0]), method="bfgs", disp=0, gtol=1e-9
    )
    log_r, log_alpha, logit_p = reference.params
    assert fit.r == pytest.approx(np.exp(log_r), rel=1e-3)
    assert fit.alpha == pytest.approx(np.exp(log_alpha), rel=1e-3)
    assert fit.a / (fit.a + fit.b) == pytest.approx(1 / (1 + np.exp(-logit_p)), rel=1e-3)
    # at the boundary the BG/NBD likelihood is the one-p model's (within 1/(a+b))
    assert fit.loglik == pytest.approx(reference.llf, rel=1e-9, abs=1e-6)
    # the covariance: that of (log r, log α, log(a/b) = logit p), a·b held fixed
    cov = fit.covariance
    se = np.sqrt([cov[0, 0], cov[1, 1], cov[2, 2] - 2 * cov[2, 3] + cov[3, 3]])
    assert se == pytest.approx(reference.bse, rel=0.02)
    assert np.linalg.matrix_rank(cov, tol=1e-12 * np.abs(cov).max()) == 3
    # the planted values lie in the intervals
    low, high = fit.intervals()["r"]
    assert low < R < high


def test_customer_base_with_one_dropout_for_all_has_figures_and_says_so() -> None:
    x, t_x, big_t = _simulate(1500, seed=3)
    cutoff = dt.date(2025, 12, 31)
    first = pd.Timestamp(cutoff) - pd.to_timedelta(np.round(big_t * 7), unit="D")
    rows = []
    rng = np.random.default_rng(2)
    for i in range(len(x)):  # the first purchase, x repeat purchases, the last at t_x
        days = np.r_[0.0, np.sort(rng.uniform(0, t_x[i], int(max(x[i] - 1, 0)))), t_x[i]]
        days = days[: int(x[i]) + 1]
        for d in days:
            rows.append((f"K{i}", first[i] + pd.Timedelta(days=int(d * 7)), 20 + 5 * rng.random()))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    base = customer_base(tx, cutoff, 0.3, 0.08)
    assert base is not None and base.equal_dropout
    assert base.value.low < base.value.value < base.value.high
    assert np.isfinite(base.per_customer["value"]).all()
    view = importlib.import_module("cxlib.kpis.view")
    for lang, words in (("de", "etwa gleich wahrscheinlich"), ("en", "about equally likely")):
        items = view._customer_base(SimpleNamespace(customer_base=base), lang)
        assert words in "".join(item.data for item in items)


def _start(big_t: np.ndarray) -> np.ndarray:
    return np.log([1.0, max(float(np.mean(big_t)) / 10, 1e-3), 1.0, 1.0])


def test_many_histories_start_from_a_sample_at_the_boundary_and_end_where_the_full_fit_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A million customers with one drop-out probability: the fit starts where a sample of
    them ends (a few steps instead of dozens); the figures are those of the fit from the
    usual start (here with 4,000 customers, the thresholds lowered)."""
    x, t_x, big_t = _simulate(4000, seed=3)
    usual = bgnbd(x, t_x, big_t)  # 3,8xx distinct histories: below the threshold
    monkeypatch.setattr(bg_module, "SAMPLE_FIRST_FROM", 100)
    monkeypatch.setattr(bg_module, "FIRST_SAMPLE", 1500)
    data = bg_module.fitting.compress(x, t_x, big_t)
    assert bg_module._from_sample(data, bg_module._Rows.of(data), _start(big_t)) is not None
    sampled = bgnbd(x, t_x, big_t)
    assert sampled.equal_dropout and usual.equal_dropout
    assert sampled.loglik == pytest.approx(usual.loglik, rel=1e-12)
    for name in ("r", "alpha"):
        assert sampled.params[name] == pytest.approx(usual.params[name], rel=1e-6)
    assert sampled.a / (sampled.a + sampled.b) == pytest.approx(usual.a / (usual.a + usual.b))
    assert np.sqrt(np.diag(sampled.covariance)) == pytest.approx(
        np.sqrt(np.diag(usual.covariance)), rel=1e-4
    )


def test_customers_who_differ_keep_the_usual_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a spread in the drop-out probability the sample shows no boundary: the fit runs
    from the usual start, to the last bit as before; and a boundary point is not taken for
    the maximum where a spread of p raises the likelihood."""
    rng = np.random.default_rng(4)
    n = 3000
    lam, drop = rng.gamma(1.0, 1 / 5.0, n), rng.beta(0.8, 3.0, n)
    big_t = rng.uniform(20, 100, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while (t := t + rng.exponential(1 / lam[i])) <= big_t[i]:
            x[i], t_x[i] = x[i] + 1, min(round(t, 3), big_t[i])
            if rng.random() < drop[i]:
                break
    usual = bgnbd(x, t_x, big_t)
    assert not usual.equal_dropout
    monkeypatch.setattr(bg_module, "SAMPLE_FIRST_FROM", 100)
    monkeypatch.setattr(bg_module, "FIRST_SAMPLE", 1500)
    data = bg_module.fitting.compress(x, t_x, big_t)
    rows = bg_module._Rows.of(data)
    assert bg_module._from_sample(data, rows, _start(big_t)) is None
    again = bgnbd(x, t_x, big_t)
    assert again.params == usual.params and again.loglik == usual.loglik
    # the boundary with the same r, α and mean p is no maximum of these data
    r, alpha, a, b = usual.r, usual.alpha, usual.a, usual.b
    edge = np.log([r, alpha, a / (a + b) * 1e9, b / (a + b) * 1e9])
    assert not bg_module._boundary_is_maximum(edge, bg_module._loglik(edge, rows), rows)
