"""One testing family per report: the KPI comparisons and the churn tests, Holm together.

References: statsmodels' ``multipletests(method="holm")`` over the union of the
raw p-values of both sections; the verdict rules by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from cxlib import journeys, kpis, survival
from cxlib.report.testing import ALPHA, Hypothesis, TestFamily, holm
from cxlib.report_tests import report_hypotheses, report_tests
from cxlib.survival.analysis import SurvivalReport
from tests.demo_clients import demo_client


@pytest.fixture(scope="module")
def utility() -> tuple[object, object, TestFamily]:
    params, data = demo_client("stadtwerke-lindenau")
    return params, data, report_tests(params, data)


def test_the_family_holds_both_sections_tests_adjusted_together(utility) -> None:
    params, data, family = utility
    ids = [h.id for h in family.hypotheses]
    for prefix in ("kpi/nps/", "kpi/csat/", "survival/logrank/", "survival/cox/"):
        assert any(i.startswith(prefix) for i in ids), prefix
    assert len(set(ids)) == len(ids) == family.size
    raw = [h.p for h in family.hypotheses]
    assert np.allclose(family.adjusted, multipletests(raw, method="holm")[1])
    # the family is larger than either section's own: the adjustment is stricter
    own_kpi = kpis.analyse(params, data).comparisons
    assert family.size > own_kpi["test_id"][own_kpi["p"].notna()].nunique()


def test_both_analyses_judge_their_tests_by_the_report_family(utility) -> None:
    params, data, family = utility
    adjusted = dict(zip((h.id for h in family.hypotheses), family.adjusted, strict=True))
    comp = kpis.analyse(params, data, family).comparisons.dropna(subset=["p"])
    assert len(comp)
    for row in comp.itertuples(index=False):
        assert row.p_adjusted == pytest.approx(adjusted[row.test_id])
        expected = row.p_adjusted < ALPHA and abs(row.gap) >= 5
        assert row.different == expected
    churn = survival.analyse(params, data, family)
    assert isinstance(churn, SurvivalReport)
    assert churn.claims.family_size == family.size
    for test in churn.claims.tests:
        assert test.p_adjusted == pytest.approx(adjusted[f"survival/{test.kind}/{test.name}"])
        finding = test.p_adjusted < ALPHA and test.events >= 10 and test.relevant
        assert test.finding == finding


def test_the_report_family_states_no_more_than_each_section_alone(utility) -> None:
    """Holm over more tests never makes a test significant that was not on its own."""
    params, data, family = utility
    alone = kpis.analyse(params, data).comparisons
    together = kpis.analyse(params, data, family).comparisons
    assert not (together["different"] & ~alone["different"]).any()
    churn_alone = survival.analyse(params, data)
    churn_together = survival.analyse(params, data, family)
    assert isinstance(churn_alone, SurvivalReport)
    assert isinstance(churn_together, SurvivalReport)
    found_alone = {(x.kind, x.name) for x in churn_alone.claims.findings()}
    found_together = {(x.kind, x.name) for x in churn_together.claims.findings()}
    assert found_together <= found_alone


def test_hypotheses_are_the_same_in_every_process() -> None:
    """The runner's family and the notebook's analyses must name each test alike."""
    params, data = demo_client("cafe-bohnenglueck")
    first = report_hypotheses(params, data)
    second = report_hypotheses(params, data)
    assert first == second and len(first) > 0


def test_a_client_without_survey_and_customers_has_an_empty_family(minimal_params) -> None:
    from cxlib.runner.run import prepare

    params, data = prepare(minimal_params)
    assert report_tests(params, data).size == 0


@pytest.mark.parametrize(
    ("p_adj", "enough", "relevant", "verdict"),
    [
        (0.01, True, True, "finding"),
        (0.01, False, True, "few_events"),
        (0.01, True, False, "small"),
        (0.2, True, True, "no_evidence"),
    ],
)
def test_verdict_rules(p_adj: float, enough: bool, relevant: bool, verdict: str) -> None:
    family = TestFamily((Hypothesis("a", p_adj, enough, relevant),), (p_adj,))
    assert family.verdict(Hypothesis("a", p_adj, enough, relevant)) == verdict


def test_a_test_the_family_does_not_know_is_a_programming_error() -> None:
    family = TestFamily.of([Hypothesis("a", 0.01)])
    with pytest.raises(KeyError, match="not in the report's family"):
        family.verdict(Hypothesis("b", 0.01))
    assert family.verdict(Hypothesis("c", math.nan)) == "no_evidence"
    assert math.isnan(family.p_adjusted("c"))


def test_holm_matches_statsmodels_and_keeps_nan() -> None:
    p = np.array([0.001, 0.2, np.nan, 0.04, 0.049, 0.03])
    ok = ~np.isnan(p)
    assert np.allclose(holm(p)[ok], multipletests(p[ok], method="holm")[1])
    assert np.isnan(holm(p)[2])


def test_the_family_and_the_notebooks_share_one_coding_and_one_fit(monkeypatch) -> None:
    """The family's coded comments, themes, early-warning flags and churn fits travel with the data.

    The journey map reads the same coded comments (nothing is coded twice);
    the KPI section counts the early-warning flags the churn model used.
    """
    import pickle

    import pandas.testing as pdt

    import cxlib.kpis.analysis as kpi_analysis
    import cxlib.kpis.early_warning as early_warning_module
    import cxlib.survival.analysis as survival_analysis
    from cxlib.io.loading import load_client_data

    params, _ = demo_client("stadtwerke-lindenau")
    data = load_client_data(params)
    family = report_tests(params, data)
    kinds = {key.split("/")[0] for key in data.memo}
    assert kinds == {"voice.coded", "voice.themes", "kpis.early_warning", "survival.fitted"}
    shipped = pickle.loads(pickle.dumps(data))  # what the runner's handoff does
    assert set(shipped.memo) == set(data.memo)

    def refit(*args: object, **kwargs: object) -> None:
        raise AssertionError("computed again")

    with monkeypatch.context() as patch:
        patch.setattr(survival_analysis, "_fit", refit)
        patch.setattr(kpi_analysis, "code_survey", refit)
        patch.setattr(kpi_analysis, "comment_themes", refit)
        patch.setattr(early_warning_module, "early_warning", refit)
        churn = survival.analyse(params, shipped, family)
        themes = kpis.analyse(params, shipped, family).themes
    scratch = load_client_data(params)  # the same analyses without any memo
    churn_again = survival.analyse(params, scratch, family)
    themes_again = kpis.analyse(params, scratch, family).themes
    assert isinstance(churn, SurvivalReport) and isinstance(churn_again, SurvivalReport)
    assert churn.claims.hypotheses() == churn_again.claims.hypotheses()
    assert churn.drivers == churn_again.drivers
    assert themes is not None and themes_again is not None
    pdt.assert_frame_equal(themes.separation, themes_again.separation)
    # judged by the report's family, not by the themes' own Holm
    assert set(themes.separation["p_holm"]) <= {family.p_adjusted(h.id) for h in family.hypotheses}
    with monkeypatch.context() as patch:
        patch.setattr(kpi_analysis, "code_survey", refit)
        patch.setattr(early_warning_module, "early_warning", refit)
        journeys.analyse(params, shipped, family)
    # another parameter value is another key: fitted again, not served stale
    changed = params.model_copy(update={"report_date": params.report_date.replace(day=1)})
    assert changed.fingerprint() != params.fingerprint()
    with monkeypatch.context() as patch:
        patch.setattr(survival_analysis, "_fit", refit)
        with pytest.raises(AssertionError, match="computed again"):
            survival.analyse(changed, shipped, family)
