"""The Cox model against R's published coxph output, statsmodels and lifelines (test-only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

lifelines = pytest.importorskip("lifelines")
from lifelines import CoxPHFitter  # noqa: E402
from lifelines.datasets import load_rossi  # noqa: E402
from lifelines.statistics import proportional_hazard_test  # noqa: E402
from lifelines.utils import concordance_index  # noqa: E402

from cxlib.survival.cox import fit  # noqa: E402
from cxlib.survival.efron import fit_efron  # noqa: E402
from cxlib.survival.errors import CovariateError  # noqa: E402
from tests.references import rossi_coxph_efron as R  # noqa: E402

COVARIATES = list(R.COEF)


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return load_rossi()


@pytest.fixture(scope="module")
def reference(rossi: pd.DataFrame) -> CoxPHFitter:
    return CoxPHFitter().fit(rossi, "week", "arrest")


@pytest.mark.parametrize("engine", ["cxlib", "statsmodels"])
def test_rossi_matches_r_coxph_efron(rossi: pd.DataFrame, reference, engine: str) -> None:
    model = fit(rossi, "week", "arrest", COVARIATES, engine=engine)
    hr = model.hazard_ratios
    for name, coef in R.COEF.items():
        assert hr.loc[name, "coef"] == pytest.approx(coef, abs=1e-6)
    assert model.log_likelihood == pytest.approx(R.LOGLIK, abs=1e-6)
    assert model.lr_statistic == pytest.approx(R.LR_TEST, abs=1e-4)
    assert (model.n, model.n_events) == (R.N, R.EVENTS)
    np.testing.assert_allclose(hr["se"], reference.standard_errors_[COVARIATES], atol=1e-6)
    np.testing.assert_allclose(hr["p"], reference.summary.loc[COVARIATES, "p"], atol=1e-6)
    np.testing.assert_allclose(
        hr["low"], reference.summary.loc[COVARIATES, "exp(coef) lower 95%"], atol=1e-6
    )


def test_efron_solver_equals_statsmodels_with_ties_and_entry(rossi: pd.DataFrame) -> None:
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(3)
    x = rossi[COVARIATES].to_numpy(float)
    d = rossi["week"].to_numpy(float)
    e = rossi["arrest"].to_numpy(bool)
    entry = np.floor(rng.uniform(0, 0.7, d.size) * d) + 0.5  # never equal to an event time
    ours = fit_efron(x, d, e, entry)
    theirs = PHReg(d, x, status=e.astype(float), entry=entry, ties="efron").fit()
    np.testing.assert_allclose(ours.params, theirs.params, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(ours.covariance)), theirs.bse, atol=1e-6)
    assert ours.log_likelihood == pytest.approx(theirs.llf, abs=1e-6)


def test_entry_at_an_event_time_is_not_at_risk(rossi: pd.DataFrame) -> None:
    """Split every row at week 20 (an event time): the fit must equal the unsplit one (as R).

    statsmodels alone counts the rows entering at 20 as at risk for the arrests at 20
    and gets a different fit; both engines here correct that.
    """
    from statsmodels.duration.hazard_regression import PHReg

    whole = fit(rossi, "week", "arrest", COVARIATES)
    long = rossi[rossi["week"] > 20]
    first = long.assign(week=20, arrest=0, entry=0.0)
    second = long.assign(entry=20.0)
    short = rossi[rossi["week"] <= 20].assign(entry=0.0)
    split = pd.concat([short, first, second], ignore_index=True)
    assert (rossi["arrest"][rossi["week"] == 20] == 1).any()
    for engine in ("cxlib", "statsmodels"):
        model = fit(split, "week", "arrest", COVARIATES, entry="entry", engine=engine)
        np.testing.assert_allclose(
            model.hazard_ratios["coef"], whole.hazard_ratios["coef"], atol=1e-6
        )
    naive = PHReg(
        split["week"].to_numpy(float),
        split[COVARIATES].to_numpy(float),
        status=split["arrest"].to_numpy(float),
        entry=split["entry"].to_numpy(float),
        ties="efron",
    ).fit()
    assert np.abs(naive.params - whole.hazard_ratios["coef"].to_numpy()).max() > 1e-4


def test_predicted_survival_matches_lifelines(rossi: pd.DataFrame, reference) -> None:
    model = fit(rossi, "week", "arrest", COVARIATES)
    times = [1, 10, 25, 52]  # event times: lifelines interpolates between them, we step
    ours = model.predict_survival(rossi.iloc[:40], times)
    theirs = reference.predict_survival_function(rossi.iloc[:40], times=times).T
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-6)


def test_statsmodels_baseline_lags_one_event_time(rossi: pd.DataFrame) -> None:
    """The documented pitfall: statsmodels' H0 at event time k is the correct H0 at k − 1."""
    from statsmodels.duration.hazard_regression import PHReg

    x = rossi[COVARIATES].to_numpy(float)
    sm = PHReg(rossi["week"], x, status=rossi["arrest"], ties="efron").fit()
    _times, lagged = sm.baseline_cumulative_hazard[0][:2]
    model = fit(rossi, "week", "arrest", COVARIATES)
    # ours is for centred covariates; statsmodels' for raw ones: rescale by exp(−mean·β)
    scale = np.exp(-model.means @ model.hazard_ratios["coef"].to_numpy())
    correct = model.baseline["cumulative_hazard"].to_numpy() * scale
    np.testing.assert_allclose(lagged[1:], correct[:-1], rtol=1e-8)
    assert lagged[0] == 0.0 and correct[0] > 0


def test_concordance_and_ph_test_match_lifelines(rossi: pd.DataFrame, reference) -> None:
    model = fit(rossi, "week", "arrest", COVARIATES)
    assert model.concordance == pytest.approx(reference.concordance_index_, abs=1e-10)
    risk = model.partial_hazard(rossi)
    assert model.concordance == pytest.approx(
        concordance_index(rossi["week"], -risk, rossi["arrest"]), abs=1e-10
    )
    ref = proportional_hazard_test(reference, rossi, time_transform="km").summary
    np.testing.assert_allclose(
        model.ph_test["statistic"], ref.loc[COVARIATES, "test_statistic"], rtol=1e-6
    )
    assert set(model.ph_test.index[model.ph_test["violated"]]) == {"age", "wexp"}


def test_covariate_problems_are_user_errors(rossi: pd.DataFrame) -> None:
    frame = rossi.assign(constant=1, level=np.where(rossi["arrest"] == 1, "a", "b"))
    with pytest.raises(CovariateError, match="nur einen Wert"):
        fit(frame, "week", "arrest", ["fin", "constant"])
    with pytest.raises(CovariateError, match="ohne Kündigung"):
        fit(frame, "week", "arrest", ["fin", "level"])  # perfect separation
    relaxed = fit(frame, "week", "arrest", ["fin", "constant", "level"], strict=False)
    assert list(relaxed.hazard_ratios.index) == ["fin"]
    assert ("constant", "hat nur einen Wert") in relaxed.design.dropped
    twin = rossi.assign(fin2=rossi["fin"])
    with pytest.raises(CovariateError, match="dasselbe"):
        fit(twin, "week", "arrest", ["fin", "fin2"])


def test_categorical_levels_merge_rare_ones(rossi: pd.DataFrame) -> None:
    labels = np.where(rossi["prio"] > 3, "viele", "wenige")
    labels[:5] = "selten"  # 5 rows: below the minimum, merged into "übrige"
    model = fit(rossi.assign(group=labels), "week", "arrest", ["group"], strict=False)
    assert ("group", "selten") in model.design.merged
    assert model.design.levels["group"][0] == "wenige"  # most frequent = reference
