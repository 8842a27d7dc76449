"""Key drivers of the recommendation score: Johnson's relative weights.

Driver items (``item_…`` columns, 1-5) correlate with each other, so raw
regression weights mislead. Johnson's relative weights (Johnson 2000,
*Multivariate Behavioral Research* 35(1)) split the model R² into additive
shares: with the item correlation matrix R = V diag(e) Vᵀ, Λ = V diag(√e) Vᵀ,
β = Λ⁻¹ r_xy and the weights ε_j = Σ_k Λ_jk² β_k². The weights sum to R².
Intervals: percentile bootstrap over answers (``draws`` resamples, fixed seed).
Only complete answers (outcome and every item) enter; the count is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's relative weights of the columns of ``x`` for ``y`` (they sum to R²).

    ``x`` may carry leading batch dimensions (``(..., n, p)`` with ``y`` of
    shape ``(..., n)``); the weights then have shape ``(..., p)``.
    """
    data = np.concatenate([x, y[..., None]], axis=-1)
    centred = data - data.mean(axis=-2, keepdims=True)
    return weights_from_covariance(np.einsum("...ni,...nj->...ij", centred, centred))


def weights_from_covariance(cov: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from the (co)variance matrix of items and outcome (last).

    ``cov`` has shape ``(..., p + 1, p + 1)``, in any scale (the weights
    depend on the correlations only); the weights have shape ``(..., p)``.
    """
    scale = np.sqrt(np.einsum("...ii->...i", cov))
    corr = cov / scale[..., :, None] / scale[..., None, :]
    rxx, rxy = corr[..., :-1, :-1], corr[..., :-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    root = np.sqrt(np.clip(values, 0, None))
    lam = np.einsum("...ik,...k,...jk->...ij", vectors, root, vectors)
    beta = np.linalg.solve(lam, rxy[..., None])[..., 0]
    weights: np.ndarray = np.einsum("...jk,...k->...j", lam**2, beta**2)
    return weights


def resampled_covariances(x: np.ndarray, y: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The scatter matrices of items and outcome of the resamples ``index`` (draws × n rows).

    Computed from how often each answer is drawn, without gathering the
    resampled rows: Σ c·d dᵀ − (Σ c·d)(Σ c·d)ᵀ / n over the answers d
    (centred on the whole sample's means, so nothing cancels), two matrix
    products instead of a copy of every answer per draw (200 draws of
    20.000 answers: 0,05 s instead of 0,7 s). Shape ``(draws, p + 1, p + 1)``;
    a column that is constant in a resample has a variance of exactly 0.
    """
    data = np.column_stack([x, y])
    data = data - data.mean(axis=0)
    draws, n = index.shape
    width = data.shape[1]
    offsets = n * np.arange(draws, dtype=np.int64)[:, None]
    counts = np.bincount((index + offsets).ravel(), minlength=draws * n)
    counts = counts.reshape(draws, n).astype(float)
    sums = counts @ data
    outer = (data[:, :, None] * data[:, None, :]).reshape(n, width * width)
    products = (counts @ outer).reshape(draws, width, width)
    scatter: np.ndarray = products - sums[:, :, None] * sums[:, None, :] / n
    # a column constant in a resample has no spread; its rounding rest (about 1e-16 of
    # Σ c·d²) is set to 0 exactly (a resample with two values has at least 1/(2n) of it)
    spread, square = np.einsum("dii->di", scatter), np.einsum("dii->di", products)
    spread[spread <= 1e-10 * square] = 0.0
    return scatter


def _safe_weights(cov: np.ndarray) -> np.ndarray:
    try:
        return weights_from_covariance(cov)
    except np.linalg.LinAlgError:
        return np.full(cov.shape[-1] - 1, np.nan)


@dataclass(frozen=True)
class DriverResult:
    """Relative weights (share of R², with bootstrap interval) and performance per item."""

    table: pd.DataFrame  # item, weight, share, share_low, share_high, performance, n
    r2: float
    n: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def key_drivers(
    survey: pd.DataFrame, outcome: str = "nps", draws: int = 200, seed: int = 20260131
) -> DriverResult | None:
    """Relative importance of every ``item_`` column for ``outcome``; None if not possible.

    ``performance`` is the mean item score (1-5) over the answers that rated
    the item; ``share`` is the item's share of R² in % with a 95 % percentile
    bootstrap interval.
    """
    items = [c for c in survey.columns if str(c).startswith("item_")]
    if len(items) < 2 or outcome not in survey:
        return None
    complete = survey[[*items, outcome]].dropna()
    n = len(complete)
    if n < max(30, 5 * len(items)):
        return None
    x = complete[items].to_numpy(float)
    y = complete[outcome].to_numpy(float)
    if np.any(x.std(axis=0) == 0) or y.std() == 0:
        return None
    weights = relative_weights(x, y)
    r2 = float(weights.sum())
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, (draws, n))  # all resamples at once (batched linear algebra)
    covariances = resampled_covariances(x, y, index)
    # a degenerate resample (an item or the outcome constant) has no weights: skipped
    constant = (np.einsum("dii->di", covariances) == 0).any(axis=1)
    covariances[constant] = np.eye(covariances.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            boot = weights_from_covariance(covariances)
        except np.linalg.LinAlgError:  # items collinear in a resample: that one is skipped
            boot = np.array([_safe_weights(cov) for cov in covariances])
        boot[constant] = np.nan
        boot = 100 * boot / boot.sum(axis=-1, keepdims=True)
    low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    table = pd.DataFrame(
        {
            "item": items,
            "weight": weights,
            "share": 100 * weights / r2,
            "share_low": low,
            "share_high": high,
            "performance": survey[items].mean().to_numpy(float),
            "n": survey[items].notna().sum().to_numpy(int),
        }
    ).sort_values("share", ascending=False, ignore_index=True)
    return DriverResult(table, r2, n)
