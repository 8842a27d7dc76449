"""Facts: validation, one id one value, and the facts the sections build (against references).

References: statsmodels' Wilson interval for early churn; a hand-worked
Kaplan-Meier curve for the median's interval (Brookmeyer-Crowley by reading
where the interval bounds of S(t) cross one half).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib import journeys, kpis, maturity, survival
from cxlib.kpis.facts import early_churn_fact
from cxlib.kpis.retention import EarlyChurn
from cxlib.report.facts import Fact, FactConflictError, FactSheet
from cxlib.survival.analysis import SurvivalReport
from cxlib.survival.curves import kaplan_meier
from cxlib.survival.facts import median_interval
from tests.demo_clients import demo_client


def test_a_fact_needs_an_interval_or_a_reason() -> None:
    with pytest.raises(ValueError, match="interval or the reason"):
        Fact("kpi.x", 1.0, "score", "kpi.nps")
    with pytest.raises(ValueError, match="interval or the reason"):
        Fact("kpi.x", 1.0, "score", "kpi.nps", low=0.5, high=2.0, no_interval="count")
    with pytest.raises(ValueError, match="outside"):
        Fact("kpi.x", 3.0, "score", "kpi.nps", low=0.5, high=2.0)
    fact = Fact("kpi.x", 0.25, "share", "kpi.csat", n=40, low=0.1, high=0.4)
    assert fact.level == 0.95
    assert fact.shown() == pytest.approx((25.0, 10.0, 40.0, 95.0, 40.0))


def test_one_id_one_value() -> None:
    a = Fact("churn.early.6", 0.07, "share", "churn.early", n=100, low=0.03, high=0.14)
    same = Fact("churn.early.6", 0.07, "share", "churn.early", n=100, low=0.03, high=0.14)
    assert len(FactSheet((a, same))) == 1
    other = Fact("churn.early.6", 0.08, "share", "churn.early", n=100, low=0.03, high=0.14)
    with pytest.raises(FactConflictError, match="two values"):
        FactSheet((a, other))
    with pytest.raises(FactConflictError):
        FactSheet((a,)).plus(other)


def test_early_churn_fact_has_the_wilson_interval() -> None:
    counted = EarlyChurn(6, lost=12, n=170)
    fact = early_churn_fact(counted)
    low, high = proportion_confint(12, 170, alpha=0.05, method="wilson")
    assert (fact.value, fact.n) == (12 / 170, 170)
    assert (fact.low, fact.high) == pytest.approx((low, high))


def test_median_interval_is_where_the_bounds_of_the_curve_cross_one_half() -> None:
    rng = np.random.default_rng(5)
    time = pd.Series(rng.exponential(100, 400).round() + 1)
    event = pd.Series(rng.random(400) < 0.8)
    curve = kaplan_meier(time, event)
    low, high = median_interval(curve)
    table = curve.table
    # by hand: the first time each bound of S(t) is at or below one half
    assert low == table["time"][table["low"] <= 0.5].min()
    assert high == table["time"][table["high"] <= 0.5].min()
    assert low <= curve.median <= high


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "berger-haustechnik"])
def test_every_section_s_statements_cite_facts_it_has(client: str) -> None:
    params, data = demo_client(client)
    for package in (maturity, journeys, kpis, survival):
        section = package.section(package.analyse(params, data), "de")
        for statement in section.statements:
            assert set(statement.facts) <= set(section.facts)
        assert all(f.definition for f in section.facts.values())


def test_early_churn_is_the_same_fact_in_the_kpi_and_churn_sections() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    kpi = kpis.section(kpis.analyse(params, data), "de").facts
    report = survival.analyse(params, data)
    assert isinstance(report, SurvivalReport)
    churn = survival.section(report, "de").facts
    assert kpi["churn.early.6"] == churn["churn.early.6"]
    assert kpi["churn.early.6"].value == pytest.approx(report.early_churn(6))


def test_journey_and_maturity_facts_are_the_workshop_ratings_and_the_assessment() -> None:
    from cxlib.journeys.facts import facts as journey_facts
    from cxlib.journeys.facts import rating_id
    from cxlib.maturity.facts import facts as maturity_facts

    params, data = demo_client("stadtwerke-lindenau")
    result = journeys.analyse(params, data)
    assert result.selection is not None
    sheet = journey_facts(result)
    for _, row in result.selection.ranking.iterrows():
        fact = sheet[rating_id(row["journey"], "damage")]
        assert (fact.value, fact.n, fact.no_interval) == (row["damage"], row["raters"], "input")
    assessed = maturity.analyse(params, data).assessment
    assert assessed is not None
    stage = maturity_facts(maturity.analyse(params, data))["maturity.stage"]
    assert (stage.value, stage.n) == (assessed.stage, assessed.n_respondents)


def test_bounded_keeps_an_interval_only_where_both_bounds_are_numbers() -> None:
    from cxlib.report.facts import bounded

    with_interval = bounded("a", 0.5, "share", "kpi.csat", n=40, low=0.3, high=0.7)
    assert (with_interval.low, with_interval.high, with_interval.no_interval) == (0.3, 0.7, None)
    assert with_interval.n == 40 and with_interval.level == 0.95
    nan = float("nan")
    too_few = bounded("b", 0.5, "share", "kpi.csat", n=nan, low=nan, high=0.7, reason="too_few")
    assert (too_few.low, too_few.high, too_few.n, too_few.no_interval) == (
        None,
        None,
        None,
        "too_few",
    )
    assert bounded("c", 3, "count", "data.rows").no_interval == "count"
