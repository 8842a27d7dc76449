"""95 % intervals of the KPI baseline: shares, means and bootstrapped functions of means.

Every figure of the baseline table carries an :class:`Interval`: its bounds
and the method, or, where a figure honestly has none, the reason (a key of
``kpis.reasons`` in the text catalogue). Methods:

* ``wilson``: a share k/n (retention, churn, up-sell, repurchase). The Wilson
  score interval, as for the survey shares; it stays inside 0-100 % and is
  reliable for small n and shares near 0 or 1.
* ``t``: a mean (ARPU): x̄ ± t₀.₉₇₅,ₙ₋₁ · s/√n.
* ``bootstrap``: a function of several estimates (CLV). Percentile bootstrap
  over customers with :data:`DRAWS` resamples and a fixed seed, so a rerun
  gives the same bounds. :func:`bootstrap_means` draws the resampled means;
  the caller turns them into its figure and takes the 2.5 % and 97.5 %
  quantiles.
* ``model``: the purchase model's customer value (:mod:`cxlib.clv.customer_base`),
  delta method from the observed information of the model's fits.

Cost on large clients: a resample of n customers is n random draws, so 2,000
resamples of a million customers would take minutes. Above
:data:`MAX_RESAMPLE` customers each resample has m = MAX_RESAMPLE customers
(m-out-of-n bootstrap, Bickel, Götze & van Zwet 1997) and its deviation from
the full-sample means is scaled by √(m/n): the rescaled means then vary as
the means of full-size resamples would (the spread of a mean falls with
1/√n), and the figure is computed from them as before. For n ≤ MAX_RESAMPLE
it is the ordinary bootstrap. 2,000 resamples of 20,000 customers take well
under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cxlib.kpis.survey import t_interval, wilson

Z95 = 1.959963984540054  # two-sided 95 %
#: Resamples of the bootstrap intervals (percentile method).
DRAWS = 2000
#: The bootstrap's fixed seed: the same data give the same interval in every run.
SEED = 20260131
#: The largest resample; above it the m-out-of-n bootstrap (see the module notes).
MAX_RESAMPLE = 20_000
#: Random draws per batch of resamples (bounds the memory: 8 bytes each and column).
_BATCH = 1_000_000

Method = Literal["wilson", "t", "adjusted_wald", "bootstrap", "model", ""]
#: Why a figure has no interval: a count, an assumption from the parameter file,
#: too few values, or a figure the data do not determine (e.g. a share of nobody).
Reason = Literal["count", "assumption", "too_few", "undefined", ""]


@dataclass(frozen=True)
class Interval:
    """A 95 % interval (bounds in the figure's unit) and its method, or why there is none."""

    low: float = float("nan")
    high: float = float("nan")
    method: Method = ""
    reason: Reason = ""

    @property
    def exists(self) -> bool:
        """True when both bounds are finite numbers."""
        return bool(np.isfinite(self.low) and np.isfinite(self.high))

    def scaled(self, factor: float) -> Interval:
        """The same interval in another unit (e.g. a share 0-1 as percent: factor 100)."""
        return Interval(self.low * factor, self.high * factor, self.method, self.reason)


#: The interval of a figure that was not computed (the default of a result's fields).
NOT_COMPUTED = Interval(reason="undefined")


def no_interval(reason: Reason) -> Interval:
    """No interval, with the reason the report states instead."""
    return Interval(reason=reason)


def share_interval(successes: int, n: int) -> Interval:
    """Wilson interval of the share successes/n (0-1); ``too_few`` for n = 0."""
    if n <= 0:
        return no_interval("too_few")
    low, high = wilson(successes, n, Z95)
    # at k = 0 or k = n the bound is 0 or 1 exactly, without floating-point rest
    return Interval(
        0.0 if successes <= 0 else float(low), 1.0 if successes >= n else float(high), "wilson"
    )


def mean_interval(values: np.ndarray) -> Interval:
    """Student-t interval of the mean of ``values`` (NaN ignored); ``too_few`` below 2 values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return no_interval("too_few")
    low, high = t_interval(x.mean(), x.std(ddof=1), len(x), 0.95)
    return Interval(float(low), float(high), "t")


def bootstrap_means(
    columns: Sequence[np.ndarray],
    draws: int = DRAWS,
    seed: int = SEED,
    max_resample: int = MAX_RESAMPLE,
) -> np.ndarray:
    """Bootstrap replicates of the means of ``columns`` (p arrays of one value per customer).

    Returns a ``draws`` × p array. Each replicate resamples customers with
    replacement (the same customers for every column); above ``max_resample``
    customers the m-out-of-n version with deviations scaled by √(m/n) (module
    notes). Vectorised: the draws are made in batches of whole resamples, one
    gather per batch and column; yes/no columns may stay boolean (one byte a
    value, gathered faster than floats).
    """
    parts = [np.ascontiguousarray(column) for column in columns]
    n, p = len(parts[0]), len(parts)
    m = min(n, max_resample)
    full = np.array([part.mean() for part in parts], dtype=float)
    rng = np.random.default_rng(seed)
    out = np.empty((draws, p))
    batch = max(1, _BATCH // max(m, 1))
    index_type = np.int32 if n < 2**31 else np.int64
    for start in range(0, draws, batch):
        count = min(batch, draws - start)
        index = rng.integers(0, n, size=(count, m), dtype=index_type)
        for j, part in enumerate(parts):
            out[start : start + count, j] = part[index].mean(axis=1)
    if m < n:
        out = full + np.sqrt(m / n) * (out - full)
    return out


def percentile(replicates: np.ndarray) -> Interval:
    """The percentile interval (2.5 % and 97.5 % quantiles) of bootstrap replicates.

    ``undefined`` when a replicate is not a finite number (the figure does not
    exist for some resamples, e.g. a share of nobody).
    """
    values = np.asarray(replicates, dtype=float)
    if not len(values) or not np.isfinite(values).all():
        return no_interval("undefined")
    low, high = np.quantile(values, [0.025, 0.975])
    return Interval(float(low), float(high), "bootstrap")
