"""The 8-symptom checklist and the five early-warning signals (seed 003)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxlib.io.loading import load_client_data
from cxlib.journeys.checklist import check
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import JourneyOptions, Workshop

PARAMETERS = Path(__file__).resolve().parent.parent / "parameters"


class Data(dict):
    """A stand-in for ClientData: ``get`` by table name."""


def test_symptoms_are_counted_and_open_answers_kept() -> None:
    workshop = Workshop.model_validate(
        {
            "symptoms": {
                "fruehe_abbrueche": True,
                "service_frisst_zeit": True,
                "rabatte_als_gewohnheit": False,
            }
        }
    )
    result = check(workshop, Data(), JourneyOptions())
    assert (result.applies, result.answered) == (2, 3)
    table = result.symptom_table("de")
    assert len(table) == 8
    assert table.iloc[7].tolist() == [
        "Frühe Abbrüche: Kunden springen kurz nach dem Start ab",
        "trifft zu",
    ]
    assert table.iloc[0, 1] == "offen"
    assert set(result.signals["status"]) == {"no_data"}


def test_signals_by_hand() -> None:
    # two customers, one leaves in 2025-04: its last month pays in 20 days with 2 contacts
    customers = pd.DataFrame(
        {
            "customer_id": ["L", "S"],
            "start_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
            "end_date": pd.to_datetime(["2025-04-15", None]),
        }
    )
    months = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"])
    signals = pd.DataFrame(
        {
            "customer_id": ["L"] * 4 + ["S"] * 4,
            "month": list(months) * 2,
            "usage": [100, 100, 100, 50, 100, 100, 100, 100],
            "days_to_pay": [5, 5, 5, 20, 5, 5, 5, 5],
            "contacts": [0, 0, 0, 2, 0, 1, 0, 1],
        }
    )
    result = check(
        Workshop(), Data(customers=customers, signals=signals), JourneyOptions(), min_n=1
    )
    rows = result.signals.set_index("key")
    # days to pay: 20 in the month of leaving vs mean 5 of the stayer → ratio 4 ≥ 1.5
    assert rows.loc["days_to_pay", "leavers"] == 20 and rows.loc["days_to_pay", "ratio"] == 4
    # contacts: 2 vs 0.5 → 4
    assert rows.loc["contacts", "ratio"] == pytest.approx(4)
    # usage: 50/100 three months earlier = 0.5 vs the stayer's 1.0 → shown
    assert rows.loc["usage", "leavers"] == pytest.approx(0.5)
    assert list(rows["status"][["usage", "days_to_pay", "contacts"]]) == ["shown"] * 3
    assert rows.loc["repeat_tickets", "status"] == "no_data"


def test_utility_shows_the_planted_signals() -> None:
    """docs/demo-data.md effect 4: leavers pay later, ask more and use less before leaving."""
    params = load_parameters(PARAMETERS / "stadtwerke-lindenau.yaml")
    result = check(params.workshop, load_client_data(params), params.analysis.journey)
    status = result.signals.set_index("key")["status"]
    assert status[["usage", "days_to_pay", "contacts"]].tolist() == ["shown"] * 3
    assert result.applies == 6
    stayers = result.signals.set_index("key").loc["days_to_pay", "stayers"]
    assert stayers == pytest.approx(5.3, abs=0.1)  # documented: stayers 5.3 days


def test_signals_on_too_few_leavers_give_no_verdict() -> None:
    """Berger Haustechnik: only a handful of contracts ended while tickets were recorded."""
    params = load_parameters(PARAMETERS / "berger-haustechnik.yaml")
    result = check(params.workshop, load_client_data(params), params.analysis.journey)
    silent = result.signals.set_index("key").loc["silent"]
    assert silent["status"] == "too_few" and silent["n"] < 10
    assert "zu wenige Abgänge" in result.signal_table("de").iloc[4, 2]
