"""The fast code paths of the Cox model (issue 7) against independent references.

Exact concordance against lifelines and a brute-force pair count; the sorted
Efron solver with delayed entry and heavy ties against statsmodels; the
per-time Schoenfeld test against lifelines; the Breslow baseline with delayed
entry against a direct sum; the factorised design against pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

lifelines = pytest.importorskip("lifelines")
from lifelines import CoxPHFitter  # noqa: E402
from lifelines.statistics import proportional_hazard_test  # noqa: E402
from lifelines.utils import concordance_index  # noqa: E402

from cxlib.survival.cox import OTHER, _earlier_greater, _Labels, concordance, fit  # noqa: E402
from cxlib.survival.efron import fit_efron  # noqa: E402


def brute_concordance(d: np.ndarray, e: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C by looking at every pair (the textbook definition)."""
    good = total = 0.0
    for i in np.flatnonzero(e):
        partner = (d > d[i]) | ((d == d[i]) & ~e)
        total += partner.sum()
        good += (partner & (risk < risk[i])).sum() + 0.5 * (partner & (risk == risk[i])).sum()
    return good / total


def churn_data(n: int, seed: int, entry: bool = False) -> pd.DataFrame:
    """Monthly tenure (many ties), a categorical and two numeric covariates."""
    rng = np.random.default_rng(seed)
    tariff = rng.choice(["S", "M", "L"], n, p=[0.5, 0.3, 0.2])
    tickets = rng.poisson(1.0, n).astype(float)
    usage = rng.normal(size=n)
    eta = np.select([tariff == "M", tariff == "L"], [0.4, -0.3], 0.0) + 0.3 * tickets - 0.2 * usage
    tenure = np.ceil(rng.exponential(18 / np.exp(eta)))
    censor = np.ceil(rng.uniform(3, 36, n))
    duration = np.minimum(tenure, censor)
    frame = pd.DataFrame(
        {
            "months": duration,
            "churned": tenure <= censor,
            "tariff": tariff,
            "tickets": tickets,
            "usage": usage,
        }
    )
    if entry:  # a third enter late, some exactly at an event time, some in between
        late = rng.uniform(size=n) < 0.35
        start = np.floor(duration * rng.uniform(size=n)) + np.where(
            rng.uniform(size=n) < 0.5, 0.5, 0
        )
        frame["entry"] = np.where(late, np.minimum(start, duration - 0.25), 0.0)
    return frame


def test_earlier_greater_counts_inversions() -> None:
    rng = np.random.default_rng(0)
    for values in (rng.integers(0, 9, 300), rng.integers(0, 70_000, 300), np.zeros(5, int)):
        chosen = rng.uniform(size=values.size) < 0.6
        expected = sum(int((values[:i] > values[i]).sum()) for i in np.flatnonzero(chosen))
        assert _earlier_greater(values, chosen) == expected


@pytest.mark.parametrize("seed", range(6))
def test_concordance_matches_lifelines_with_ties_and_censoring(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    d = rng.integers(1, 25, n).astype(float)  # many tied times
    e = rng.uniform(size=n) < 0.55
    # few distinct risks (ties; sorted by time key) or continuous (sorted by risk)
    risk = rng.integers(0, 6, n) * 0.3 if seed % 2 else rng.normal(size=n)
    ours = concordance(d, e, risk)
    assert ours == pytest.approx(concordance_index(d, -risk, e), abs=1e-12)
    assert ours == pytest.approx(brute_concordance(d, e, risk), abs=1e-12)


def test_concordance_is_exact_on_large_data() -> None:
    """Above 40 million pairs the former version sampled customers; now every pair counts."""
    rng = np.random.default_rng(7)
    n = 20_000
    d = rng.integers(1, 400, n).astype(float)
    e = rng.uniform(size=n) < 0.7
    risk = np.round(rng.normal(size=n), 2)  # ties in risk too
    assert e.sum() * n > 4e7
    assert concordance(d, e, risk) == pytest.approx(concordance_index(d, -risk, e), abs=1e-12)


def test_solver_with_delayed_entry_and_ties_equals_statsmodels() -> None:
    from statsmodels.duration.hazard_regression import PHReg

    frame = churn_data(3000, seed=1, entry=True)
    x = np.column_stack(
        [frame["tariff"] == "M", frame["tariff"] == "L", frame["tickets"], frame["usage"]]
    ).astype(float)
    x -= x.mean(0)
    d, e = frame["months"].to_numpy(float), frame["churned"].to_numpy(bool)
    entry = frame["entry"].to_numpy(float)
    # statsmodels counts a row entering at an event time as at risk; R and cxlib do not:
    # give statsmodels entry times a hair later so that both mean "entry < t"
    ours = fit_efron(x, d, e, entry)
    theirs = PHReg(d, x, status=e.astype(float), entry=entry + 1e-7, ties="efron").fit()
    assert ours.converged
    np.testing.assert_allclose(ours.params, theirs.params, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(ours.covariance)), theirs.bse, atol=1e-6)
    assert ours.log_likelihood == pytest.approx(theirs.llf, abs=1e-6)
    null = PHReg(d, x, status=e.astype(float), entry=entry + 1e-7, ties="efron")
    assert ours.null_log_likelihood == pytest.approx(null.loglike(np.zeros(4)), abs=1e-6)


def test_baseline_with_delayed_entry_is_the_breslow_sum() -> None:
    frame = churn_data(800, seed=2, entry=True)
    model = fit(frame, "months", "churned", ["tariff", "tickets", "usage"], entry="entry")
    d, e = frame["months"].to_numpy(float), frame["churned"].to_numpy(bool)
    en = frame["entry"].to_numpy(float)
    w = model.partial_hazard(frame)
    expected, total = [], 0.0
    for t in np.unique(d[e]):
        at_risk = (en < t) & (d >= t)
        total += (e & (d == t)).sum() / w[at_risk].sum()
        expected.append(total)
    np.testing.assert_allclose(model.baseline["cumulative_hazard"], expected, rtol=1e-10)


def test_ph_test_and_concordance_match_lifelines_on_tied_data() -> None:
    frame = churn_data(1500, seed=3)
    model = fit(frame, "months", "churned", ["tariff", "tickets", "usage"])
    ll_frame = pd.DataFrame(
        {
            "months": frame["months"],
            "churned": frame["churned"],
            "M": (frame["tariff"] == "M").astype(float),
            "L": (frame["tariff"] == "L").astype(float),
            "tickets": frame["tickets"],
            "usage": frame["usage"],
        }
    )
    reference = CoxPHFitter().fit(ll_frame, "months", "churned")
    assert list(model.hazard_ratios.index) == ["tariff: M", "tariff: L", "tickets", "usage"]
    np.testing.assert_allclose(
        model.hazard_ratios["coef"], reference.params_[["M", "L", "tickets", "usage"]], atol=1e-5
    )
    ref = proportional_hazard_test(reference, ll_frame, time_transform="km").summary
    np.testing.assert_allclose(
        model.ph_test["statistic"],
        ref.loc[["M", "L", "tickets", "usage"], "test_statistic"],
        rtol=1e-4,
        atol=1e-5,  # lifelines stops its Newton steps with coefficients ~1e-6 off
    )
    risk = model.partial_hazard(frame)
    assert model.concordance == pytest.approx(
        concordance_index(frame["months"], -risk, frame["churned"]), abs=1e-12
    )


def test_labels_count_like_pandas() -> None:
    """Level order (the reference level) follows pandas' value_counts of the text."""
    values = ["b", "a", None, 1, "1", "c", OTHER, np.nan, "a", "b", "c", 2.5, "d"] * 7 + ["e"]
    series = pd.Series(values, dtype=object)
    expected = series.astype("string").fillna(OTHER).value_counts()
    got = _Labels.of(series).value_counts()
    assert list(got.index) == list(expected.index)
    assert list(got.to_numpy()) == list(expected.to_numpy())
    merged = _Labels.of(series).merge(["c", "e"])
    text = series.astype("string").fillna(OTHER)
    expected = text.where(~text.isin(["c", "e"]), OTHER).value_counts()
    assert list(merged.value_counts().index) == list(expected.index)
    assert list(merged.value_counts().to_numpy()) == list(expected.to_numpy())


def test_design_matrix_dummies_match_pandas() -> None:
    frame = churn_data(500, seed=4)
    frame.loc[::50, "tariff"] = None
    model = fit(frame, "months", "churned", ["tariff", "tickets"], strict=False)
    new = pd.DataFrame({"tariff": ["L", "S", "XL", None, "M"], "tickets": [0, 1, 2, 3, 4]})
    levels = model.design.levels["tariff"]
    text = new["tariff"].astype("string").fillna(OTHER)
    text = text.where(text.isin(levels), OTHER)
    expected = np.column_stack(
        [(text == lvl).to_numpy(float) for lvl in levels[1:]] + [new["tickets"].to_numpy(float)]
    )
    np.testing.assert_array_equal(model.design.matrix(new), expected)
