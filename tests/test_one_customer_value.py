"""One customer value everywhere (issues 15 and 17): one fact ``kpi.clv``, the same number in
the KPI table, the cost of churn, the purchase-model block and the summary; the "simple"
value only as a named cross-check in the note under the cost of churn.

Before: the Café showed 25,49 € ("discounted", repurchase rate) beside 24 € (purchase model),
Berger 5.187 € beside a "simple" 27.273 € in the same paragraph.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from cxlib.kpis import analysis as kpis
from cxlib.kpis.facts import facts
from cxlib.kpis.readings import value_cross_check, value_note, value_reading, value_statement
from cxlib.kpis.tables import value_text
from cxlib.kpis.view import section
from cxlib.texts import wording

from .demo_clients import demo_client

CLIENTS = ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck")


@cache
def baseline(name: str) -> kpis.Baseline:
    return kpis.analyse(*demo_client(name))


def _shown(name: str, block: str) -> str:
    params, _ = demo_client(name)
    lang = wording("de", params.business_model)
    shown = section(baseline(name), lang).show(block)
    return " ".join(str(getattr(x, "data", x)) for x in shown)


@pytest.mark.parametrize("name", CLIENTS)
def test_one_fact_and_the_same_number_wherever_shown(name: str) -> None:
    base = baseline(name)
    risk = base.value_at_risk
    assert risk is not None
    sheet = facts(base).facts
    values = [f for f in sheet if f.definition == "kpi.clv"]
    assert [f.id for f in values] == ["kpi.clv"] and values[0].value == risk.clv
    # the KPI table's row is the same figure
    row = base.targets[base.targets["kpi"] == "clv"].iloc[0]
    assert row["value"] == risk.clv and (row["low"], row["high"]) == (
        risk.clv_interval.low,
        risk.clv_interval.high,
    )
    clv = value_text("clv", risk.clv, "de", "€")
    simple = value_text("clv", risk.clv_simple, "de", "€")
    assert clv != simple
    # reading and summary state THE value and cite its fact; the simple one is absent there
    reading, statement = value_reading(base, "de"), value_statement(base, "de")
    assert statement is not None and "kpi.clv" in statement.facts
    assert clv in reading and clv in statement.text
    assert simple not in reading and simple not in statement.text
    # the simple value appears once, named as a cross-check, in the note (with THE value)
    note = value_note(base, "de")
    assert note.count(simple) == 1 and "Gegenprobe" in note and clv in note
    assert value_cross_check(base, "de") in note
    assert "kpi.clv_simple" in {f.id for f in sheet}


def test_the_cafe_uses_the_purchase_models_value() -> None:
    """Without contracts the purchase model's mean value is THE value; the euros at risk
    are the buyers lost (recounted from the raw purchases) times that value."""
    base = baseline("cafe-bohnenglueck")
    model, risk = base.customer_base, base.value_at_risk
    assert model is not None and risk is not None and risk.basis == "model"
    assert risk.clv == model.value.value
    assert (risk.clv_interval.low, risk.clv_interval.high) == (model.value.low, model.value.high)
    params, data = demo_client("cafe-bohnenglueck")
    sales = data.get("transactions")
    cut = pd.Timestamp(params.cutoff)
    year = pd.DateOffset(years=1)
    last = set(sales.loc[(sales["date"] > cut - year) & (sales["date"] <= cut), "customer_id"])
    before = set(
        sales.loc[(sales["date"] > cut - 2 * year) & (sales["date"] <= cut - year), "customer_id"]
    )
    assert (risk.lost, risk.of) == (len(before - last), len(before))
    assert risk.value == pytest.approx(risk.lost * model.value.value)
    assert risk.interval.low < risk.value < risk.interval.high
    # the model block names it as the report's one value
    block = _shown("cafe-bohnenglueck", "customer_base")
    assert value_text("clv", risk.clv, "de", "€") in block
    assert "mit dem dieser Bericht überall rechnet" in block


def test_berger_keeps_the_discounted_value_and_names_the_simple_one_a_cross_check() -> None:
    base = baseline("berger-haustechnik")
    risk = base.value_at_risk
    assert risk is not None and risk.basis == "retention"
    assert risk.clv == base.economics.clv_discounted  # type: ignore[union-attr]
    shown = _shown("berger-haustechnik", "value_at_risk")
    simple = value_text("clv", risk.clv_simple, "de", "€")
    assert shown.count(simple) == 1 and "Gegenprobe „einfacher Kundenwert“" in shown
