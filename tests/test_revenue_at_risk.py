"""Margin at risk in the next 12 months (issue 17 item 3): the cancellations the sBG model
expects among today's active customers, priced with THE customer value, overall and per
segment, with intervals; checked against the model's formula worked here.

An active customer with m full months of tenure cancels within 12 months with probability
1 − S(m + 12) / S(m), S(t) = B(α, β + t) / B(α, β) (Fader & Hardie 2007).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy.special import betaln

from cxlib.kpis import analysis as kpis
from cxlib.kpis.facts import facts, revenue_fact_id
from cxlib.kpis.view import section
from cxlib.survival.analysis import SurvivalReport, analyse
from cxlib.survival.table import DAYS_PER_MONTH

from .demo_clients import demo_client


@cache
def both(name: str) -> tuple[kpis.Baseline, SurvivalReport]:
    params, data = demo_client(name)
    survival = analyse(params, data)
    assert isinstance(survival, SurvivalReport)
    return kpis.analyse(params, data), survival


@pytest.mark.parametrize("name", ["stadtwerke-lindenau", "berger-haustechnik"])
def test_expected_cancellations_follow_the_model(name: str) -> None:
    base, survival = both(name)
    risk, model = base.revenue_at_risk, survival.projection
    assert risk is not None and model is not None
    a, b = model.model.alpha, model.model.beta
    f = survival.data.frame[~survival.data.frame["event"]]
    m = np.floor(f["duration"].to_numpy() / DAYS_PER_MONTH)
    p = 1 - np.exp(betaln(a, b + m + 12) - betaln(a, b + m))
    rows = risk.frame.set_index(risk.frame["group"].fillna("*"))
    assert rows.loc["*", "active"] == len(f)
    assert rows.loc["*", "expected"] == pytest.approx(p.sum(), rel=1e-9)
    segments = rows.drop(index="*")
    for segment, row in segments.iterrows():
        mine = (f["segment"] == segment).to_numpy()
        assert row["expected"] == pytest.approx(p[mine].sum(), rel=1e-9), segment
    assert segments["expected"].sum() == pytest.approx(p.sum())
    # priced with THE customer value, inside their intervals
    assert risk.clv == base.value_at_risk.clv  # type: ignore[union-attr]
    assert (rows["euros"] == rows["expected"] * risk.clv).all()
    assert (rows["low"] <= rows["expected"]).all() and (rows["expected"] <= rows["high"]).all()
    assert (rows["euros_low"] < rows["euros"]).all() and (rows["euros"] < rows["euros_high"]).all()


def test_facts_and_the_block_show_the_same_numbers() -> None:
    base, _ = both("stadtwerke-lindenau")
    sheet = {f.id: f for f in facts(base).facts}
    risk = base.revenue_at_risk
    assert risk is not None
    for row in risk.frame.itertuples(index=False):
        group = None if row.group is None or row.group != row.group else str(row.group)
        euros = sheet[revenue_fact_id("revenue_at_risk", 12, group)]
        assert euros.value == row.euros and euros.low == row.euros_low
        assert sheet[revenue_fact_id("expected_losses", 12, group)].value == row.expected
        assert sheet[revenue_fact_id("active", 12, group)].value == row.active
    text = " ".join(str(getattr(x, "data", x)) for x in section(base, "de").show("value_at_risk"))
    assert "Vorausschau: In den nächsten 12 Monaten kündigen" in text
    assert "1.252" in text and "Gewerbe" in text and "Privat" in text


def test_no_forecast_without_contracts() -> None:
    params, data = demo_client("cafe-bohnenglueck")
    assert kpis.analyse(params, data).revenue_at_risk is None
