"""The churn section's body facts against independent references.

References: lifelines' Kaplan-Meier (with late entry) for the horizons, the
report's testing family for the adjusted p-values (one number in the facts and
in results.json's tests), and counts of the section's own survival table.
"""

from __future__ import annotations

import pytest
from lifelines import KaplanMeierFitter

from cxlib.report_tests import report_tests
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.body_facts import P_FLOOR, body_facts
from cxlib.survival.claims import hypothesis_id
from cxlib.survival.facts import facts
from cxlib.survival.table import DAYS_PER_MONTH
from tests.demo_clients import demo_client


@pytest.fixture(scope="module", params=["stadtwerke-lindenau", "berger-haustechnik"])
def judged(request: pytest.FixtureRequest):
    params, data = demo_client(request.param)
    family = report_tests(params, data)
    report = analyse(params, data, family)
    assert isinstance(report, SurvivalReport)
    return report, family, facts(report)


def test_horizons_are_lifelines_kaplan_meier_with_late_entry(judged) -> None:
    report, _, sheet = judged
    f = report.data.frame
    km = KaplanMeierFitter().fit(f["duration"], f["event"], entry=f["entry"])
    for months in report.horizons:
        fact = sheet[f"survival.horizon.{months}.survival"]
        expected = float(km.survival_function_at_times(months * DAYS_PER_MONTH).iloc[0])
        assert fact.value == pytest.approx(expected, abs=1e-9), months


def test_adjusted_p_values_are_the_family_s(judged) -> None:
    report, family, sheet = judged
    checked = 0
    for fact_id, fact in sheet.items():
        if fact_id.endswith(".p") and fact.definition == "survival.p_adjusted":
            kind, name = fact_id.removeprefix("survival.").removesuffix(".p").split(".", 1)
            assert fact.value == pytest.approx(family.p_adjusted(hypothesis_id(kind, name)))
            checked += 1
    assert checked == len(report.claims.tests) > 0


def test_counts_are_the_survival_table_s(judged) -> None:
    report, _, sheet = judged
    f = report.data.frame
    assert sheet["survival.customers"].value == len(f)
    assert sheet["survival.churns"].value == int(f["event"].sum())
    assert sheet["rule.p_floor"].value == P_FLOOR == 0.001


def test_headline_ids_are_not_registered_twice(judged) -> None:
    report, _, sheet = judged
    known = set(sheet)
    assert body_facts(report, known) == []
