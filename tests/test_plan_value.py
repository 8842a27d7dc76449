"""What the 1-3-3 plan is worth (cxlib.journeys.plan_value, churn_rate, value_words).

The monthly churn rate and every euro figure are worked by hand on a tiny
customers table; on the Stadtwerke demo the Vergleichsportal customers'
monthly rate must be the planted level outside the price spike (about 0.9 %
a month, docs/demo-data.md) and the plan's value the hand product of its
inputs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from cxlib.journeys.analysis import analyse
from cxlib.journeys.churn_rate import monthly_churn
from cxlib.journeys.plan import ActionPlan
from cxlib.journeys.plan_value import new_customers, value_facts, value_plan
from cxlib.journeys.value_words import value_note, value_statement
from cxlib.kpis.analysis import analyse as kpi_analyse
from cxlib.kpis.intervals import Interval
from cxlib.kpis.value_at_risk import ValueAtRisk
from cxlib.parameters.schema import Measure

from .demo_clients import demo_client

CUTOFF = dt.date(2025, 12, 31)


def _customers() -> pd.DataFrame:
    """Six customers; channel A: exposure 12 + 3 + 6 = 21 customer-months, one ended."""
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "start_date": pd.to_datetime(
                ["2020-01-01", "2020-01-01", "2025-06-10", "2025-02-01", "2019-01-01", "2020-01-01"]
            ),
            "end_date": pd.to_datetime(
                [None, "2025-03-15", None, "2025-02-20", "2024-12-31", None]
            ),
            "channel": ["A", "A", "A", "A", "A", "B"],
        }
    )


def test_the_monthly_churn_rate_by_hand() -> None:
    rate = monthly_churn(_customers(), CUTOFF, "channel", "A")
    assert rate is not None
    # c1: 12 months at risk; c2: January-March, ends in March; c3: July-December;
    # c4 starts on 1 February (not at risk at its start) and ends that month; c5 ended before
    assert (rate.lost, rate.exposure) == (1, 21)
    assert rate.rate == pytest.approx(1 / 21)
    assert rate.n == 2 and rate.active == 2  # c1, c2 in January; c1, c3 at the cut-off
    assert (rate.first_month, rate.last_month) == (dt.date(2025, 1, 1), dt.date(2025, 12, 1))
    assert rate.low < 1 / 21 < rate.high
    everyone = monthly_churn(_customers(), CUTOFF)
    assert everyone is not None and (everyone.lost, everyone.exposure) == (1, 33)
    assert everyone.active == 3
    # a cut-off within a month: the full months before it
    mid = monthly_churn(_customers(), dt.date(2025, 12, 15))
    assert mid is not None and mid.last_month == dt.date(2025, 11, 1)
    assert monthly_churn(_customers(), CUTOFF, "region", "A") is None  # no such column
    assert monthly_churn(None, CUTOFF) is None


def test_new_customers_of_the_last_year() -> None:
    assert new_customers(_customers(), CUTOFF) == 2  # c3 and c4


def _plan(rows: list[dict[str, object]]) -> ActionPlan:
    columns = ["text", "kpi", "metric", "baseline", "baseline_source", "target"]
    columns += ["group_column", "group_value"]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    return ActionPlan("Geldphase", pd.DataFrame(), frame, ())


def _risk(clv: float = 1000.0, interval: Interval | None = None) -> ValueAtRisk:
    return ValueAtRisk(
        model="contractual",
        year=2025,
        lost=10,
        of=100,
        clv=clv,
        clv_interval=interval or Interval(900.0, 1100.0, "bootstrap"),
        clv_simple=2000.0,
        value=10 * clv,
    )


MEASURES = [
    {
        "text": "Anrufen",
        "kpi": "Kündigungsquote Kanal A (%)",
        "metric": "monthly_churn",
        "baseline": 100 / 21,
        "baseline_source": "data",
        "target": 2.0,
        "group_column": "channel",
        "group_value": "A",
    },
    {"text": "Abschlag", "kpi": "NPS", "metric": "nps", "baseline": -30.0, "target": -10.0},
    {
        "text": "Willkommen",
        "kpi": "Frühe Kündigungen (%)",
        "metric": "early_churn",
        "baseline": 20.0,
        "baseline_source": "parameter",
        "target": 10.0,
    },
]


def test_each_measure_valued_by_hand() -> None:
    value = value_plan(_plan(MEASURES), _customers(), CUTOFF, _risk())
    assert value is not None
    first, nps, early = value.measures
    # (100/21 − 2) points × 12 months × 2 active customers of channel A
    kept = (100 / 21 - 2) / 100 * 12 * 2
    assert first.status == "valued" and first.affected == 2 and first.periods == 12
    assert first.kept == pytest.approx(kept)
    assert (first.value, first.low, first.high) == pytest.approx(
        (kept * 1000, kept * 900, kept * 1100)
    )
    assert nps.status == "not_convertible" and np.isnan(nps.value)
    # 10 points fewer early leavers among the 2 new customers of the year
    assert early.status == "valued" and early.affected == 2 and early.kept == pytest.approx(0.2)
    assert value.total == pytest.approx(kept * 1000 + 200)
    assert (value.total_low, value.total_high) == pytest.approx(
        ((kept + 0.2) * 900, (kept + 0.2) * 1100)
    )
    facts = {f.id: f for f in value_facts(value)}
    assert facts["plan.value.1.value"].value == pytest.approx(kept * 1000)
    assert facts["plan.value.1.value"].low == pytest.approx(kept * 900)
    assert facts["plan.value.total.kept"].value == pytest.approx(kept + 0.2)
    assert facts["kpi.clv"].value == 1000.0 and facts["kpi.clv"].n == 100
    assert "plan.value.2.value" not in facts  # the NPS measure has no euros


def test_what_is_not_valued_says_why() -> None:
    gain_none = dict(MEASURES[0], target=5.0)  # target above the baseline
    no_target = dict(MEASURES[2], target=None)
    value = value_plan(_plan([gain_none, MEASURES[1], no_target]), _customers(), CUTOFF, _risk())
    assert value is not None
    assert [m.status for m in value.measures] == ["no_gain", "not_convertible", "incomplete"]
    assert not value.valued and np.isnan(value.total) and value_facts(value) == []
    assert value_statement(value, "de") is None
    note = value_note(value, _plan([gain_none, MEASURES[1], no_target]), "de")
    assert note is not None and "nicht her" in note and "Annahmen" not in note
    unpriced = value_plan(_plan(MEASURES), _customers(), CUTOFF, None)
    assert unpriced is not None
    assert [m.status for m in unpriced.measures] == ["no_value", "not_convertible", "no_value"]
    nobody = value_plan(_plan([dict(MEASURES[0], group_value="Z")]), _customers(), CUTOFF, _risk())
    assert nobody is not None and nobody.measures[0].status == "no_customers"
    assert value_plan(None, _customers(), CUTOFF, _risk()) is None


def test_the_note_and_the_statement_state_the_facts() -> None:
    plan = _plan(MEASURES)
    value = value_plan(plan, _customers(), CUTOFF, _risk(clv=1410.0))
    note = value_note(value, plan, "de")
    assert note is not None
    assert (
        "Maßnahme 1: 2 Kunden × 2,76 Prozentpunkte weniger Kündigungen im Monat "
        "(4,76\u202f% → 2,00\u202f%) × 12 Monate = 1 gehaltene" in note
    )
    assert "Maßnahme 2 nicht in Euro bewertet" in note  # the NPS measure
    assert "Annahmen:" in note and "Zusammen:" in note
    statement = value_statement(value, "de")
    assert statement is not None and statement.section == "journey"
    assert statement.facts == ("plan.value.total.kept", "plan.value.total.value")
    no_interval = value_plan(plan, _customers(), CUTOFF, _risk(1410.0, Interval(np.nan, np.nan)))
    assert "ohne Intervall" in (value_note(no_interval, plan, "de") or "")


def test_a_group_needs_the_monthly_churn_metric() -> None:
    base = {
        "journey": "j",
        "text": "t",
        "owner": "o",
        "start": dt.date(2026, 2, 1),
        "check_date": dt.date(2026, 3, 1),
        "kpi": "k",
    }
    group = {"column": "channel", "value": "Vergleichsportal"}
    assert Measure(**base, metric="monthly_churn", group=group).group is not None
    with pytest.raises(ValidationError, match="monthly_churn"):
        Measure(**base, metric="nps", group=group)


@pytest.fixture(scope="module")
def stadtwerke():
    params, data = demo_client("stadtwerke-lindenau")
    return params, data, analyse(params, data), kpi_analyse(params, data)


def test_stadtwerke_portal_churn_is_the_planted_level_and_the_value_its_product(
    stadtwerke,
) -> None:
    _, data, result, kpis = stadtwerke
    customers = data.get("customers")
    portal = customers[customers["channel"].astype(str) == "Vergleichsportal"]
    # recount 2025 month by month: ended in the month / active at its start
    lost = exposure = 0
    for month in range(1, 13):
        begin = pd.Timestamp(2025, month, 1)
        after = begin + pd.DateOffset(months=1)
        end = portal["end_date"]
        at_start = (portal["start_date"] < begin) & (end.isna() | (end >= begin))
        lost += int((at_start & (end < after)).sum())
        exposure += int(at_start.sum())
    measure = result.plan.measures.iloc[1]
    assert measure["metric"] == "monthly_churn" and measure["baseline_source"] == "data"
    assert measure["baseline"] == pytest.approx(100 * lost / exposure)
    # planted: 0.93 % a month before the 2024 price spike; 2025 has no spike
    assert 0.8 < measure["baseline"] < 1.2
    value = result.value
    priced = value.measures[1]
    active = int((portal["end_date"].isna() | (portal["end_date"] > pd.Timestamp(CUTOFF))).sum())
    assert priced.status == "valued" and priced.affected == active
    kept = (100 * lost / exposure - 0.7) / 100 * 12 * active
    clv = kpis.value_at_risk.clv  # THE customer value of the KPI section
    assert priced.value == pytest.approx(kept * clv)
    assert [m.status for m in value.measures] == ["not_convertible", "valued", "not_convertible"]
