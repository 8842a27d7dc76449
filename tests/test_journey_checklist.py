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
    """A signal shows when leavers show it in the month before leaving ≥ 1.5× as often."""
    # L leaves on 15.05.2025; in April (the month before) L pays in 20 days (own earlier
    # median 5: + 5 days or more is the signal) with 2 contacts (≥ 2: frequent queries).
    # S has 3 contacts in February; T has one ticket (never two in three months).
    customers = pd.DataFrame(
        {
            "customer_id": ["L", "S", "T"],
            "start_date": pd.to_datetime(["2020-01-01"] * 3),
            "end_date": pd.to_datetime(["2025-05-15", None, None]),
        }
    )
    months = list(pd.date_range("2025-01-01", periods=5, freq="MS"))
    signals = pd.DataFrame(
        {
            "customer_id": ["L"] * 5 + ["S"] * 5 + ["T"] * 5,
            "month": months * 3,
            "days_to_pay": [5, 5, 5, 20, 5] + [5] * 10,
            "contacts": [0, 0, 0, 2, 0] + [0, 3, 0, 0, 0] + [0] * 5,
        }
    )
    tickets = pd.DataFrame({"customer_id": ["T"], "opened": pd.to_datetime(["2025-02-03"])})
    data = Data(customers=customers, signals=signals, tickets=tickets)
    result = check(Workshop(), data, JourneyOptions(), min_n=1)
    rows = result.signals.set_index("key")
    # one leaver (L, April); the other 14 customer-months compare
    pay = rows.loc["slow_payment"]
    assert (pay["leavers"], pay["leavers_flagged"], pay["flagged"]) == (1, 1, 1)
    assert pay["share_other"] == 0 and pay["status"] == "shown"
    queries = rows.loc["frequent_queries"]
    assert queries["flagged"] == 2  # L in April, S in February
    assert queries["ratio"] == pytest.approx(1 / (1 / 14))
    assert queries["status"] == "shown"
    # counted in no month: not visible, whatever the leavers
    assert rows.loc["repeated_tickets", ["flagged", "status"]].tolist() == [0, "not_shown"]
    # no usage column: neither falling usage nor silent withdrawal can be checked
    assert rows.loc[["usage_drop", "silent"], "status"].tolist() == ["no_data"] * 2
    assert "bei 1 von 1 Kündigern" in result.signal_table("de").iloc[2, 2]


def test_utility_shows_the_planted_signals() -> None:
    """docs/demo-data.md effect 4: leavers pay later, ask more and use less before leaving."""
    params = load_parameters(PARAMETERS / "stadtwerke-lindenau.yaml")
    result = check(params.workshop, load_client_data(params), params.analysis.journey)
    status = result.signals.set_index("key")["status"]
    planted = ["usage_drop", "slow_payment", "frequent_queries"]
    assert status[planted].tolist() == ["shown"] * 3
    assert result.applies == 6
    # docs: leavers (other than Umzug) pay in 10.7 days the month before, stayers 5.3:
    # the signal (≥ own usual + 5 days) shows far more often before leaving
    assert result.signals.set_index("key").loc["slow_payment", "ratio"] > 10


def test_signals_on_too_few_leavers_give_no_verdict() -> None:
    """Berger Haustechnik: only a handful of contracts ended while tickets were recorded."""
    params = load_parameters(PARAMETERS / "berger-haustechnik.yaml")
    result = check(params.workshop, load_client_data(params), params.analysis.journey)
    tickets = result.signals.set_index("key").loc["repeated_tickets"]
    assert tickets["status"] == "too_few" and tickets["n"] < 10
    assert "zu wenige Abgänge" in result.signal_table("de").iloc[1, 2]


def test_silent_withdrawal_of_a_shop_counts_buyers_gone_quiet_by_hand() -> None:
    """Without contracts: of the customers who bought in the year before the quiet span,
    the share whose last purchase lies before it (two customers with a missing date)."""
    cutoff = pd.Timestamp("2025-12-31")
    ids = ["A", "A", "B", "C", "C", "D", "E", None, "F"]
    days = ["2025-12-01", "2024-01-05", "2025-03-01", "2025-01-10", None, "2023-01-01", None,
            "2025-12-30", "2025-06-01"]  # fmt: skip
    purchases = pd.DataFrame(
        {"customer_id": pd.Categorical(ids), "date": pd.to_datetime(days), "amount": 1.0}
    )
    result = check(
        Workshop(), Data(transactions=purchases), JourneyOptions(), cutoff=cutoff.date(),
        inactivity_days=180, min_n=1,
    )  # fmt: skip
    row = result.signals.set_index("key").loc["silent"]
    # quiet from 2025-07-04; bought in the year before it: A, B, C, F (D last in 2023,
    # E has no date); last purchase before the quiet span: B, C, F
    assert row["n"] == 4
    assert row["share_leavers"] == pytest.approx(3 / 4)
    assert row["status"] == "shown"
