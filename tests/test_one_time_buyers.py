"""Customers without contracts (issue 15): one-time buyers as their own figure, and how the
headline early churn moves with the inactivity period.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from cxlib.kpis.retention import SENSITIVITY_DAYS, first_to_second
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.view import section
from tests.demo_clients import demo_client


def test_first_to_second_by_hand() -> None:
    """Cut-off 31.12.2025, 90 days: first purchases up to 02.10.2025 count.

    a: second purchase after 45 days (converted); b: two receipts on its only day
    (one purchase, not converted); c: second after 153 days (too late);
    d: first purchase on 01.11.2025 (not yet counted). 1 of 3.
    """
    sales = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2025-01-01",
                    "2025-02-15",
                    "2025-01-01 09:00:00",
                    "2025-01-01 18:30:00",
                    "2025-03-01",
                    "2025-08-01",
                    "2025-11-01",
                ],
                format="ISO8601",
            ),
        }
    )
    c = first_to_second(sales, dt.date(2025, 12, 31), 90)
    assert (c.converted, c.n) == (1, 3)
    low, high = proportion_confint(1, 3, alpha=0.05, method="wilson")
    assert (c.interval.low, c.interval.high) == pytest.approx((low, high))


@pytest.fixture(scope="module")
def cafe() -> SurvivalReport:
    params, data = demo_client("cafe-bohnenglueck")
    result = analyse(params, data)
    assert isinstance(result, SurvivalReport)
    return result


def test_the_analysis_computes_conversion_and_sensitivity(cafe: SurvivalReport) -> None:
    assert cafe.conversion is not None and cafe.conversion.window_days == 120
    assert cafe.conversion.n > 0 and 0 < cafe.conversion.share < 1
    by_days = dict(cafe.sensitivity)
    assert sorted(by_days) == sorted({*SENSITIVITY_DAYS, 120})
    # the client's own period gives the headline figure of every section
    assert by_days[120].share == pytest.approx(cafe.early_churn(6))
    # a longer period needs longer observation: fewer new customers can be counted
    counts = [by_days[d].n for d in sorted(by_days)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    figures = cafe.figures()
    assert figures["first_to_second"]["n"] == cafe.conversion.n  # type: ignore[index]
    assert len(figures["early_churn_6_months_by_inactivity_days"]) == 4  # type: ignore[arg-type]


def test_the_section_explains_the_rule_and_states_the_figures(cafe: SurvivalReport) -> None:
    shown = "".join(str(getattr(x, "data", x)) for x in section(cafe, "de").show("definition"))
    assert "Als abgewandert gilt, wer 120 Tage lang nicht mehr gekauft hat" in shown
    share = f"{round(cafe.conversion.share * 100)}\u202f%" if cafe.conversion else ""
    assert f"Einmalkäufer: {share} der Erstkäufer kaufen innerhalb von 120 Tagen" in shown
    assert "365 Tage:" in shown and "120 Tage (gewählt):" in shown


def test_the_summary_states_the_second_purchase_not_a_median(cafe: SurvivalReport) -> None:
    from cxlib.survival.statements import statements

    second = statements(cafe, "de")[1].text
    c = cafe.conversion
    assert c is not None
    share = f"{round(c.share * 100)}\u202f%"
    assert second.startswith(f"Zweiter Kauf: {share} der Erstkäufer kaufen innerhalb von 120 Tagen")
    assert "Median" not in second
