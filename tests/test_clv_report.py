"""The purchase model's block in the KPI section: shown for the shop, not for contracts.

Café Bohnenglück (docs/demo-data.md) has no contracts, a purchases table and
loyalty cards with a segment (Privat, Firmenkunde); the Stadtwerke have
contracts. The block's figures are those of the analysis result, recounted
here from the raw purchases where they are counts.
"""

from __future__ import annotations

import re

import pytest

from cxlib.kpis.analysis import analyse
from cxlib.kpis.view import section
from tests.demo_clients import demo_client


@pytest.fixture(scope="module")
def cafe():
    params, data = demo_client("cafe-bohnenglueck")
    return params, data, analyse(params, data)


def text(items) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", "".join(i.data for i in items)))


def test_shop_block_shows_active_customers_value_per_segment_and_the_lost(cafe):
    params, data, base = cafe
    model = base.customer_base
    assert model is not None
    tx = data.get("transactions")
    bought = tx[tx["date"] <= str(params.cutoff)]
    # every customer with a purchase before the cut-off day is in the model
    first = bought.groupby("customer_id", observed=True)["date"].min()
    assert model.customers == int((first < str(params.cutoff)).sum())
    assert set(model.segments["segment"]) == {"Privat", "Firmenkunde"}
    assert model.margin_rate == params.analysis.kpi.margin_rate
    shown = text(section(base, "de").show("customer_base"))
    assert "Aktive Kunden und Kundenwert nach dem Kaufmodell" in shown
    assert f"Von den {model.customers:,} Kunden".replace(",", ".") in shown
    assert "Firmenkunde" in shown and "95 %-Intervall" in shown
    assert f"{model.lost:,} Kunden haben wahrscheinlich aufgehört".replace(",", ".") in shown
    english = text(section(base, "en").show("customer_base"))
    assert "probably stopped buying" in english and "Kündig" not in shown


def test_shop_figures_go_to_results_json(cafe):
    _params, _data, base = cafe
    figures = section(base, "de").figures["customer_base"]
    assert figures["active_low"] < figures["active"] < figures["active_high"]
    assert figures["lost"] == base.customer_base.lost
    assert {s["segment"] for s in figures["segments"]} == {"Privat", "Firmenkunde"}


def test_contract_clients_have_no_purchase_model() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    base = analyse(params, data)
    assert base.customer_base is None
    assert section(base, "de").show("customer_base").items == ()
