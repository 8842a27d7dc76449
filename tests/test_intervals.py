"""The interval helpers of the KPI baseline against independent references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlib.kpis.intervals import (
    bootstrap_means,
    mean_interval,
    no_interval,
    percentile,
    share_interval,
)


@pytest.mark.parametrize(("k", "n"), [(3, 10), (48, 120), (1, 2500), (917, 1000)])
def test_a_share_has_the_wilson_interval_of_statsmodels(k, n):
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    interval = share_interval(k, n)
    assert interval.method == "wilson"
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-9)


def test_a_share_of_none_or_all_has_an_exact_bound_and_of_nobody_none():
    assert share_interval(0, 40).low == 0.0 and share_interval(40, 40).high == 1.0
    assert not share_interval(0, 0).exists and share_interval(0, 0).reason == "too_few"


def test_a_mean_has_the_t_interval_of_scipy():
    values = np.array([12.0, 15.5, 9.0, 30.0, 14.0, np.nan, 18.5])
    x = values[np.isfinite(values)]
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    interval = mean_interval(values)
    assert (interval.low, interval.high) == pytest.approx((low, high), rel=1e-12)
    assert not mean_interval(np.array([5.0])).exists


def test_bootstrap_replicates_resample_whole_customers_for_every_column():
    # column b is twice column a for every customer: every replicate keeps the ratio
    a = np.arange(1.0, 201.0)
    replicates = bootstrap_means([a, 2 * a], draws=300, seed=7)
    assert replicates.shape == (300, 2)
    np.testing.assert_allclose(replicates[:, 1], 2 * replicates[:, 0])
    # the spread of the replicated mean is the standard error of the mean
    assert replicates[:, 0].std() == pytest.approx(a.std() / np.sqrt(len(a)), rel=0.15)


def test_m_out_of_n_keeps_the_spread_of_the_full_bootstrap():
    rng = np.random.default_rng(3)
    revenue = rng.gamma(2.0, 50.0, size=50_000)
    full = bootstrap_means([revenue], draws=400, seed=1, max_resample=50_000)[:, 0]
    small = bootstrap_means([revenue], draws=400, seed=1, max_resample=5_000)[:, 0]
    assert small.std() == pytest.approx(full.std(), rel=0.2)
    assert small.mean() == pytest.approx(revenue.mean(), rel=0.01)


def test_the_percentile_interval_is_the_middle_95_percent():
    replicates = np.arange(1.0, 1002.0)  # 1 … 1001
    interval = percentile(replicates)
    assert (interval.low, interval.high) == (26.0, 976.0)  # numpy's linear quantiles
    assert percentile(np.array([1.0, np.nan])).reason == "undefined"


def test_no_interval_carries_the_reason_and_scales_nothing():
    interval = no_interval("count")
    assert not interval.exists and interval.reason == "count"
    assert not interval.scaled(100).exists
