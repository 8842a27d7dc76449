"""The customer-base models against the published CDNOW fits and hand-worked formulas.

References:
* BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way",
  Marketing Science 24(2), on the CDNOW sample of 2,357 customers in weeks:
  r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
* Pareto/NBD: Fader & Hardie (2005), "A note on deriving the Pareto/NBD
  model", same data: r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0.
* Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma model of monetary
  value", the 946 repeat buyers: p = 6.25, q = 3.74, γ = 15.44.
* sBG: Fader & Hardie (2007), "How to project customer retention", Table 1
  (customers alive at the start of years 0-7 of a 1,000-customer cohort) and
  the estimates on years 1-7: high end α = 0.668, β = 3.806; regular
  α = 0.704, β = 1.182. (The high-end cohort keeps more customers: its mean
  churn α/(α+β) = 0.149 matches its first year's 131/1000, the regular one's
  0.373 its 369/1000.)

The CDNOW summaries ship in the datasets folder of the ``lifetimes`` package
(read as files; the package itself is not imported).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import beta as beta_fn
from scipy.special import hyp2f1

from cxlib.clv import fitting
from cxlib.clv.bgnbd import BgNbd, bgnbd
from cxlib.clv.gamma_gamma import gamma_gamma
from cxlib.clv.pareto_nbd import ParetoNbd, _loglik, pareto_nbd
from cxlib.clv.sbg import sbg

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def _datasets() -> Path | None:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets"
    return folder if (folder / "cdnow_customers_summary.csv").exists() else None


DATASETS = _datasets()
needs_cdnow = pytest.mark.skipif(
    DATASETS is None, reason="CDNOW summaries not found (the lifetimes package's datasets)"
)


def _cdnow(name: str) -> pd.DataFrame:
    assert DATASETS is not None
    return pd.read_csv(DATASETS / name)


def _sig3(value: float, published: float) -> None:
    """Equal to three significant digits."""
    assert float(f"{value:.3g}") == float(f"{published:.3g}"), (value, published)


@needs_cdnow
def test_bgnbd_reproduces_the_published_cdnow_fit() -> None:
    d = _cdnow("cdnow_customers_summary.csv")
    model = bgnbd(d["frequency"], d["recency"], d["T"])
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        _sig3(model.params[name], published)
    assert model.loglik == pytest.approx(-9582.4, abs=0.05)
    assert model.n == 2357
    low, high = model.intervals()["r"]
    assert low < 0.243 < high


@needs_cdnow
def test_pareto_nbd_reproduces_the_published_cdnow_fit() -> None:
    d = _cdnow("cdnow_customers_summary.csv")
    model = pareto_nbd(d["frequency"], d["recency"], d["T"])
    published = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in published.items():
        _sig3(model.params[name], value)
    assert model.loglik == pytest.approx(-9595.0, abs=0.05)


@needs_cdnow
def test_gamma_gamma_reproduces_the_published_cdnow_fit() -> None:
    d = _cdnow("cdnow_customers_summary_with_transactions.csv")
    model = gamma_gamma(d["x"], d["zbar"])
    assert model.n == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        _sig3(model.params[name], value)


@pytest.mark.parametrize(
    ("counts", "alpha", "beta"), [(HIGH_END, 0.668, 3.806), (REGULAR, 0.704, 1.182)]
)
def test_sbg_reproduces_the_published_cohort_fits(
    counts: list[int], alpha: float, beta: float
) -> None:
    model = sbg(counts)
    _sig3(model.params["alpha"], alpha)
    _sig3(model.params["beta"], beta)
    assert model.n == 1000


def test_sbg_survival_and_retention_follow_the_beta_geometric_formulas() -> None:
    model = sbg(REGULAR)
    a, b = model.alpha, model.beta
    # S(1) = β/(α+β); S(2) = β(β+1)/((α+β)(α+β+1)); r(t) = (β+t−1)/(α+β+t−1)
    assert model.survival(1) == pytest.approx(b / (a + b))
    assert model.survival(2) == pytest.approx(b * (b + 1) / ((a + b) * (a + b + 1)))
    assert model.retention(3) == pytest.approx((b + 2) / (a + b + 2))
    assert model.survival(0) == pytest.approx(1.0)
    # DERL: the renewals still to come, the next one undiscounted, brute-force sum
    d, n = 0.1, 3
    terms = [beta_fn(a, b + n + k) / beta_fn(a, b + n - 1) / (1 + d) ** k for k in range(2000)]
    assert model.expected_value(1.0, d, renewals=n - 1) == pytest.approx(sum(terms), rel=1e-6)


def test_sbg_rejects_rising_counts() -> None:
    with pytest.raises(ValueError, match="non-increasing"):
        sbg([100, 80, 90])


def _bg(r: float, alpha: float, a: float, b: float) -> BgNbd:
    data = fitting.compress(np.zeros(1), np.zeros(1), np.ones(1))
    return BgNbd(r, alpha, a, b, 0.0, 1, np.eye(4), data)


def test_bgnbd_p_alive_and_expectation_by_hand() -> None:
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    model = _bg(r, alpha, a, b)
    # no repeat purchase: the BG/NBD cannot have dropped the customer out
    assert model.p_alive(0, 0, 30)[0] == 1.0
    # x = 2, t_x = 30.43, T = 38.86: 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
    x, t_x, big_t = 2, 30.43, 38.86
    odds = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x)
    p = 1 / (1 + odds)
    assert model.p_alive(x, t_x, big_t)[0] == pytest.approx(p, rel=1e-12)
    # the paper's conditional expectation with ₂F₁ as printed (no transformation)
    t = 39.0
    c = a + b + x - 1
    z = t / (alpha + big_t + t)
    hand = (
        c
        / (a - 1)
        * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, c, z))
        * p
    )
    assert model.expected_purchases(t, x, t_x, big_t)[0] == pytest.approx(hand, rel=1e-9)
    # a new customer: (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]
    new = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    assert model.expected_purchases_new(t) == pytest.approx(new, rel=1e-9)


def test_customer_value_discounts_every_purchase_by_its_time() -> None:
    model = _bg(0.243, 4.414, 0.793, 2.426)
    year, history = 52.0, (2, 30.43, 38.86)
    # no discount: spend × all purchases of the horizon
    flat = model.expected_value(10.0, 2 * year, 0.0, year, *history)[0]
    assert flat == pytest.approx(10 * model.expected_purchases(2 * year, *history)[0])
    # 10 % a year: Σ 10 · (E[Y(t_k)] − E[Y(t_{k−1})]) · 1.1^(−t_k/year) on 20,000 steps
    times = np.linspace(0, 2 * year, 20_001)
    cum = np.array([model.expected_purchases(t, *history)[0] for t in times])
    middle = (times[1:] + times[:-1]) / 2
    hand = float(np.sum(10 * np.diff(cum) * 1.1 ** (-middle / year)))
    value = model.expected_value(10.0, 2 * year, 0.1, year, *history)[0]
    assert value == pytest.approx(hand, rel=1e-6)
    assert value < flat


def _pareto_by_integration(
    r: float, alpha: float, s: float, beta: float, x: int, t_x: float, big_t: float
) -> float:
    """The Pareto/NBD likelihood by integrating the individual one over the two gammas.

    Individual likelihood (Fader & Hardie 2005, eq. 3): λ^x μ/(λ+μ) e^(−(λ+μ)t_x)
    + λ^(x+1)/(λ+μ) e^(−(λ+μ)T); Simpson's rule on a fine grid of log λ and log μ.
    """
    from scipy.stats import gamma as gamma_dist

    grid = np.linspace(-40.0, 4.0, 2001)
    lam, mu = np.exp(grid)[:, None], np.exp(grid)[None, :]
    individual = lam**x * mu / (lam + mu) * np.exp(-(lam + mu) * t_x) + lam ** (x + 1) / (
        lam + mu
    ) * np.exp(-(lam + mu) * big_t)
    # densities on the log scale: f(λ)·λ
    weight = (
        gamma_dist.pdf(lam, r, scale=1 / alpha) * lam * gamma_dist.pdf(mu, s, scale=1 / beta) * mu
    )
    inner = integrate.simpson(individual * weight, x=grid, axis=1)
    return float(integrate.simpson(inner, x=grid))


@pytest.mark.parametrize(("alpha", "beta"), [(10.0, 4.0), (4.0, 10.0), (6.0, 6.0)])
def test_pareto_nbd_likelihood_equals_the_integral_over_rates(alpha: float, beta: float) -> None:
    r, s, x, t_x, big_t = 0.8, 1.3, 3, 20.0, 35.0
    data = fitting.compress(np.array([x]), np.array([t_x]), np.array([big_t]))
    mine = _loglik(np.log([r, alpha, s, beta]), data)
    assert mine == pytest.approx(
        np.log(_pareto_by_integration(r, alpha, s, beta, x, t_x, big_t)), abs=1e-5
    )


def test_pareto_nbd_p_alive_by_hand_when_alpha_equals_beta() -> None:
    # α = β: ₂F₁(·; 0) = 1, so P(alive) = 1 / (1 + s/(r+s+x) · [((α+T)/(α+t_x))^(r+s+x) − 1])
    r, a, s, x, t_x, big_t = 0.5, 10.0, 0.8, 2, 20.0, 40.0
    data = fitting.compress(np.zeros(1), np.zeros(1), np.ones(1))
    model = ParetoNbd(r, a, s, a, 0.0, 1, np.eye(4), data)
    hand = 1 / (1 + s / (r + s + x) * (((a + big_t) / (a + t_x)) ** (r + s + x) - 1))
    assert model.p_alive(x, t_x, big_t)[0] == pytest.approx(hand, rel=1e-10)
    # new customer: rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)]
    t = 26.0
    new = r * a / (a * (s - 1)) * (1 - (a / (a + t)) ** (s - 1))
    assert model.expected_purchases_new(t) == pytest.approx(new, rel=1e-10)


def test_gamma_gamma_expected_spend_is_the_weighted_mean() -> None:
    x = np.array([1, 2, 3, 5, 8, 1, 2, 4] * 5, dtype=float)
    z = np.array([20, 35, 18, 50, 27, 44, 12, 30] * 5, dtype=float)
    model = gamma_gamma(x, z)
    p, q, g = model.p, model.q, model.gamma
    # E[Z | x, z̄] = (q−1)/(px+q−1) · γp/(q−1) + px/(px+q−1) · z̄
    hand = (q - 1) / (p * 5 + q - 1) * (g * p / (q - 1)) + p * 5 / (p * 5 + q - 1) * 50
    assert model.expected_value(5, 50)[0] == pytest.approx(hand)
    assert model.expected_value(0, 0)[0] == pytest.approx(g * p / (q - 1))


def test_inputs_that_cannot_be_a_purchase_history_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and T"):
        bgnbd([1, 2], [5.0, 50.0], [10.0, 20.0])
    with pytest.raises(ValueError, match="recency must be 0"):
        pareto_nbd([0, 2], [3.0, 5.0], [10.0, 20.0])


def test_fit_on_compressed_rows_equals_the_fit_on_every_customer() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 300).astype(float)
    big_t = rng.choice([20.0, 30.0, 40.0], 300)
    t_x = np.where(x > 0, np.round(rng.random(300) * big_t), 0.0)
    model = bgnbd(x, t_x, big_t)
    assert len(model.data.counts) < 300
    # the log-likelihood as a plain sum over the 300 customers at the estimates
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    # these random histories show no spread in the drop-out: a and b run off to ~1e12,
    # where betaln(a, b+x) − betaln(a, b) cancels to noise; the beta-function ratios are
    # written as the products they are, B(a, b+x)/B(a, b) = Π_{k<x} (b+k)/(a+b+k)
    assert model.equal_dropout
    from scipy.special import gammaln

    def ratio(x: float) -> float:
        return float(np.prod([(b + k) / (a + b + k) for k in range(int(x))]))

    total = 0.0
    for xi, ti, Ti in zip(x, t_x, big_t, strict=True):
        head = gammaln(r + xi) - gammaln(r) + r * np.log(alpha)
        one = ratio(xi) / (alpha + Ti) ** (r + xi)
        two = 0.0
        if xi > 0:
            two = a / (a + b + xi - 1) * ratio(xi - 1) / (alpha + ti) ** (r + xi)
        total += head + np.log(one + two)
    assert model.loglik == pytest.approx(total, rel=1e-10)


@needs_cdnow
def test_analytic_gradients_equal_central_differences() -> None:
    bg_module = importlib.import_module("cxlib.clv.bgnbd")
    gg_module = importlib.import_module("cxlib.clv.gamma_gamma")

    d = _cdnow("cdnow_customers_summary_with_transactions.csv")
    rows = bg_module._Rows.of(fitting.compress(d["x"], d["t_x"], d["T"]))
    at = np.log([0.3, 5.0, 0.9, 2.0])
    numeric = fitting.jacobian(lambda p: np.array([bg_module._loglik(p, rows)]), at, 1e-6)[0]
    assert bg_module._gradient(at, rows) == pytest.approx(numeric, rel=1e-6)
    repeat = d["x"] > 0
    sums = gg_module._Sums.of(fitting.compress(d["x"][repeat], d["zbar"][repeat]))
    at = np.log([5.0, 3.0, 12.0])
    numeric = fitting.jacobian(lambda p: np.array([gg_module._loglik(p, sums)]), at, 1e-6)[0]
    assert gg_module._gradient(at, sums) == pytest.approx(numeric, rel=1e-6)
