"""The risk list explains itself (issue 17, item 6): every row says why it is there.

Factors are the covariates that raise a customer's risk against the average
customer, only effects that survive the churn section's test correction, the
reference level included (Stadtwerke's Vergleichsportal, the most frequent
channel and the model's reference, is the planted high-risk channel:
docs/demo-data.md).
"""

from __future__ import annotations

import pytest

from cxlib import survival
from cxlib.survival.risk_list import risk_list
from cxlib.texts import t

from .demo_clients import demo_client


@pytest.fixture(scope="module")
def stadtwerke():
    params, data = demo_client("stadtwerke-lindenau")
    return data, survival.analyse(params, data)


def test_the_reference_channel_is_named_where_it_raises_the_risk(stadtwerke):
    data, report = stadtwerke
    assert report.model.design.levels["channel"][0] == "Vergleichsportal"  # the reference
    risks = risk_list(report, "de")
    top = risks.head(50)
    customers = data.get("customers").set_index("customer_id")
    channel = customers.loc[top["Kundennummer"], "channel"].astype(str).to_numpy()
    named = top["Wichtigste Risikofaktoren"].str.contains("„Vergleichsportal“").to_numpy()
    # every Vergleichsportal customer among the 50 highest risks is told so, no one else
    assert (named == (channel == "Vergleichsportal")).all()
    assert named.sum() >= 40


def test_only_findings_of_the_test_family_are_named(stadtwerke):
    _, report = stadtwerke
    factors = " ".join(risk_list(report, "de")["Wichtigste Risikofaktoren"])
    for test in report.claims.tests:
        if test.kind == "cox" and ": " in test.name and not test.finding:
            level = test.name.split(": ")[1]
            assert f"„{level}“" not in factors, test.name


def test_every_row_says_why_it_is_there():
    params, data = demo_client("berger-haustechnik")  # no effect survives the correction
    risks = risk_list(survival.analyse(params, data), "de")
    assert len(risks) and (risks["Wichtigste Risikofaktoren"] == t("survival.risk_no_factor")).all()


def test_cafe_lists_no_non_significant_store():
    params, data = demo_client("cafe-bohnenglueck")
    report = survival.analyse(params, data)
    assert not report.claims.is_finding("cox", "region: Südstadt")
    factors = risk_list(report, "de")["Wichtigste Risikofaktoren"]
    assert not factors.str.contains("Südstadt").any()
    assert factors.str.contains("„Bahnhof“").any()
