"""The KPI section's body facts: the shown NPS arithmetic and one id for one figure across sections.

References: the promoter/detractor arithmetic worked by hand; the journey
section's phase figures against the KPI section's comparison figures of the
same id (the same estimator must give the same number, interval and n).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cxlib import journeys, kpis
from cxlib.journeys.facts import facts as journey_facts
from cxlib.kpis.body_facts import shown_shares, survey_fact_id
from cxlib.kpis.facts import facts as kpi_facts
from cxlib.kpis.survey import nps
from tests.demo_clients import demo_client


def test_one_decimal_where_it_keeps_the_whole_nps() -> None:
    # 748 promoters, 842 detractors of 2,520: 29.68 % − 33.41 % = −3.73, shown −4
    e = nps([10] * 748 + [7] * 930 + [0] * 842)
    assert shown_shares(e) == (1, Decimal("29.7"), Decimal("33.4"))  # 29.7 − 33.4 = −3.7 → −4


def test_two_decimals_where_one_would_round_to_another_nps() -> None:
    # 1,210 promoters (30.25 %) and 792 detractors (19.80 %) of 4,000: NPS 10.45, shown 10;
    # with one decimal 30.3 − 19.8 = 10.5 would round to 11, so two decimals are shown
    e = nps([9] * 1210 + [8] * 1998 + [6] * 792)
    assert round(e.value, 2) == 10.45
    assert shown_shares(e) == (2, Decimal("30.25"), Decimal("19.80"))


def test_survey_fact_ids_name_kpi_dimension_and_group() -> None:
    assert survey_fact_id("nps", "phase", "Onboarding") == "kpi.nps.phase.Onboarding"


@pytest.mark.slow
def test_a_phase_figure_is_one_fact_in_the_journey_and_kpi_sections() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    in_kpi = kpi_facts(kpis.analyse(params, data))
    in_journey = journey_facts(journeys.analyse(params, data))
    shared = [i for i in in_journey if i.startswith("kpi.") and ".phase." in i and i in in_kpi]
    assert len(shared) == 10  # NPS and CSAT of the five phases with answers
    for fact_id in shared:
        a, b = in_kpi[fact_id], in_journey[fact_id]
        assert (a.n, a.unit, a.definition) == (b.n, b.unit, b.definition), fact_id
        for x, y in ((a.value, b.value), (a.low, b.low), (a.high, b.high)):
            assert x == pytest.approx(y, abs=1e-9), fact_id
