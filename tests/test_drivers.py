"""Johnson's relative weights against an independent construction from the raw data.

Reference: Johnson (2000), Multivariate Behavioral Research 35(1), 1-19: the
standardised predictors X = P Δ Qᵀ are replaced by their closest orthonormal
counterpart Z = P Qᵀ; y is regressed on Z (β), X on Z (Λ*), and
ε_j = Σ_k Λ*_jk² β_k². The weights sum to the OLS R² (checked with lstsq).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.kpis.drivers import key_drivers, relative_weights


def data(seed: int = 1, n: int = 400):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    x = np.column_stack([0.6 * common + rng.normal(size=n) for _ in range(4)])
    y = 0.5 * x[:, 0] + 0.3 * x[:, 1] + 0.1 * x[:, 2] + rng.normal(size=n)
    return x, y


def johnson_by_svd(x, y):
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    p, _, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]  # columns: x_j on Z
    lam = lam / np.sqrt((lam**2).sum(0))  # standardised coefficients (unit-variance x)
    return (lam**2).T @ (beta**2)


def test_relative_weights_match_the_svd_construction_and_sum_to_r2():
    x, y = data()
    w = relative_weights(x, y)
    design = np.column_stack([np.ones(len(y)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert w.sum() == pytest.approx(r2)
    reference = johnson_by_svd(x, y)
    assert np.allclose(w / w.sum(), reference / reference.sum(), atol=1e-8)


def test_key_drivers_rank_planted_weights_with_bootstrap_intervals():
    x, y = data(seed=7, n=600)
    frame = pd.DataFrame(x, columns=["item_a", "item_b", "item_c", "item_d"]).assign(nps=y)
    result = key_drivers(frame, draws=100)
    assert result.table["item"].tolist()[:3] == ["item_a", "item_b", "item_c"]
    assert result.table["share"].sum() == pytest.approx(100)
    table = result.table
    assert ((table["share_low"] <= table["share"]) & (table["share"] <= table["share_high"])).all()


def test_no_drivers_without_items_or_enough_answers():
    assert key_drivers(pd.DataFrame({"nps": [1, 2], "item_a": [1, 2]})) is None
    x, y = data(n=20)
    small = pd.DataFrame(x, columns=["item_a", "item_b", "item_c", "item_d"]).assign(nps=y)
    assert key_drivers(small) is None


def test_resampled_covariances_give_the_weights_of_the_gathered_resamples():
    from cxlib.kpis.drivers import resampled_covariances, weights_from_covariance

    rng = np.random.default_rng(5)
    for n in (40, 600):
        x, y = data(seed=n, n=n)
        x, y = np.round(np.clip(x + 3, 1, 5)), np.round(np.clip(y + 5, 0, 10))  # scale points
        index = rng.integers(0, n, (150, n))
        gathered = relative_weights(x[index], y[index])  # each resample copied row by row
        from_counts = weights_from_covariance(resampled_covariances(x, y, index))
        assert np.allclose(from_counts, gathered, rtol=1e-9, atol=1e-12)


def test_a_resample_with_a_constant_column_has_variance_zero_there_and_no_other():
    from cxlib.kpis.drivers import resampled_covariances

    rng = np.random.default_rng(8)
    n = 40
    nearly_constant = np.r_[np.full(n - 2, 3.0), 4.0, 5.0]  # most resamples miss both 4 and 5
    x = np.column_stack([nearly_constant, rng.integers(1, 6, n)]).astype(float)
    y = rng.integers(0, 11, n).astype(float)
    index = rng.integers(0, n, (500, n))
    variances = np.einsum("dii->di", resampled_covariances(x, y, index))
    full = np.column_stack([x, y])
    constant = np.array([[np.ptp(full[rows, j]) == 0 for j in range(3)] for rows in index])
    assert constant.any() and not constant.all()
    assert np.array_equal(variances == 0, constant)


def test_key_drivers_skip_degenerate_resamples():
    rng = np.random.default_rng(9)
    n = 40
    frame = pd.DataFrame(
        {
            "item_rare": np.r_[np.full(n - 2, 3.0), 4.0, 5.0],
            "item_b": rng.integers(1, 6, n).astype(float),
            "nps": rng.integers(0, 11, n).astype(float),
        }
    )
    result = key_drivers(frame, draws=300)
    assert result is not None
    table = result.table
    assert np.isfinite(table[["share_low", "share_high"]].to_numpy()).all()
    assert ((table["share_low"] >= 0) & (table["share_high"] <= 100)).all()
