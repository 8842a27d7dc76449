"""Evidence per journey phase: tickets, repeat tickets, survey scores, early churn.

References: hand-worked small tables in the tests; for the demo clients the
realised figures in docs/demo-data.md (computed there from the raw files with
plain pandas, independently of cxlib).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from cxlib.io.loading import load_client_data
from cxlib.journeys.evidence import (
    collect,
    contradictions,
    early_churn,
    repeat_flags,
    survey_scores,
)
from cxlib.journeys.selection import from_workshop, select
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import JourneyOptions, Workshop

PARAMETERS = Path(__file__).resolve().parent.parent / "parameters"


@cache
def client(name: str):
    params = load_parameters(PARAMETERS / f"{name}.yaml")
    return params, load_client_data(params)


def evidence_of(name: str):
    params, data = client(name)
    return collect(
        data,
        params.workshop,
        params.analysis.journey,
        cutoff=params.cutoff,
        contractual=params.business_model == "contractual",
        observation_start=params.analysis.observation_start,
        inactivity_days=params.analysis.survival.inactivity_days,
    )


class Data(dict):
    """A stand-in for ClientData: ``get`` by table name."""


def test_repeat_tickets_by_hand() -> None:
    tickets = pd.DataFrame(
        {
            "customer_id": ["K1", "K1", "K1", "K2", "K2"],
            "opened": pd.to_datetime(
                ["2025-01-01", "2025-01-20", "2025-03-30", "2025-01-01", "2025-01-05"]
            ),
            "reopened": [False, False, False, True, False],
        }
    )
    phase = pd.Series(["Rechnung", "Rechnung", "Rechnung", "Rechnung", "Nutzung"])
    # K1: 2nd ticket 19 days after the 1st (repeat), 3rd 69 days later (not);
    # K2: 1st reopened (repeat), 2nd in another phase (not)
    assert list(repeat_flags(tickets, phase, 30)) == [False, True, False, True, False]


def test_survey_scores_by_hand() -> None:
    # CX_METHOD.md worked example: 15 promoters, 9 passives, 6 detractors → NPS 30
    survey = pd.DataFrame(
        {
            "nps": [10] * 15 + [7] * 9 + [3] * 6,
            "csat": [5] * 12 + [4] * 6 + [2] * 12,  # top-2-box 18/30 = 0.6
            "ces": [7] * 10 + [4] * 20,  # mean (70 + 80) / 30 = 5
        }
    )
    scores = survey_scores(survey)
    assert scores["nps"] == pytest.approx(30)
    assert scores["csat"] == pytest.approx(0.6)
    assert scores["ces"] == pytest.approx(5)
    assert scores["nps_n"] == scores["csat_n"] == scores["ces_n"] == 30


def test_early_churn_contractual_by_hand() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D", "E"],
            "start_date": pd.to_datetime(
                ["2025-01-01", "2025-01-15", "2025-02-01", "2025-11-01", "2024-01-01"]
            ),
            "end_date": pd.to_datetime(["2025-03-01", None, "2025-07-15", None, "2024-02-01"]),
        }
    )
    frame = early_churn(
        customers, None, [3, 6], pd.Timestamp("2025-12-31"), True, pd.Timestamp("2025-01-01")
    )
    # E started before the window (left truncation), D not observable for 3 months;
    # 3 months: A left (01.03. ≤ 01.04.) of A, B, C → 1/3; 6 months: A of A, B, C → 1/3
    # (C left 15.07., after 01.08.? no: 01.02. + 6 months = 01.08. → C counts too) → 2/3
    assert list(frame["n"]) == [3, 3]
    assert list(frame["lost"]) == [1, 2]


def test_early_churn_non_contractual_by_hand() -> None:
    customers = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "start_date": pd.to_datetime(["2025-01-01"] * 3)}
    )
    transactions = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "B", "B", "D", "D", "D"],
            "date": pd.to_datetime(
                [
                    "2025-01-01",
                    "2025-02-01",
                    "2025-01-01",
                    "2025-03-01",
                    "2025-09-01",
                    "2025-01-01",
                    "2025-01-15",
                    "2025-03-20",
                ]
            ),
        }
    )
    customers = pd.concat(
        [
            customers,
            pd.DataFrame({"customer_id": ["D"], "start_date": [customers["start_date"][0]]}),
        ],
        ignore_index=True,
    )
    frame = early_churn(customers, transactions, [3], pd.Timestamp("2025-12-31"), False, None, 120)
    # counted from the second purchase day (issue 15): A (01.02.) buys nothing from 01.05.
    # on, lost; B (01.03.) buys on 01.09., stays; D (15.01.) last buys on 20.03., before
    # 15.04., lost; C never bought and is not counted: 2 of 3 left early
    assert (frame.loc[0, "n"], frame.loc[0, "lost"]) == (3, 2)


def test_utility_survey_per_journey_matches_the_documented_figures() -> None:
    """docs/demo-data.md, effect 3 (realised, per phase)."""
    evidence = evidence_of("stadtwerke-lindenau").for_journey("Geldphase")
    assert evidence["nps_n"] == 697
    assert evidence["nps"] == pytest.approx(-32.0, abs=0.05)
    assert evidence["csat"] == pytest.approx(0.430, abs=0.0005)
    assert evidence["ces"] == pytest.approx(4.43, abs=0.005)
    problem = evidence_of("stadtwerke-lindenau").for_journey("Problemfall")
    assert (problem["nps_n"], round(problem["nps"], 1)) == (566, -19.6)


def test_utility_tickets_per_journey_against_plain_pandas() -> None:
    params, _ = client("stadtwerke-lindenau")
    raw = pd.read_csv(
        params.resolve(params.data.tickets.file), sep=";", encoding="utf-8", dtype=str
    )
    counts = raw["Phase"].value_counts()
    evidence = evidence_of("stadtwerke-lindenau")
    geld = evidence.for_journey("Geldphase")
    assert geld["tickets"] == counts["Verlängerung/Rechnung"]
    assert geld["ticket_share"] == pytest.approx(counts["Verlängerung/Rechnung"] / len(raw))
    start = evidence.for_journey("Startphase")
    assert start["tickets"] == counts.get("Kauf/Abschluss", 0) + counts["Onboarding"]
    reopened = raw["Wieder geöffnet"].str.lower().isin(["ja", "j", "true", "1"])
    assert geld["repeat_tickets"] >= int(
        (reopened & (raw["Phase"] == "Verlängerung/Rechnung")).sum()
    )


def test_craft_phase_map_assigns_tickets_and_survey() -> None:
    """docs/demo-data.md: Störung 130 + Notdienst 26 calls; CSAT after a Störung 62.5 % (n = 16)."""
    evidence = evidence_of("berger-haustechnik").for_journey("Problemfall")
    assert evidence["tickets"] == 156
    assert (evidence["csat_n"], evidence["csat"]) == (16, pytest.approx(0.625))
    assert evidence["nps"] == pytest.approx(0.0)
    table = evidence_of("berger-haustechnik").table("de")
    assert (
        table.loc[
            table["Journey (Phasen)"] == "Problemfall (Service/Problemfall)", "NPS (n)"
        ].item()
        == "0 (16) *"
    )


def test_cafe_has_no_tickets_and_early_churn_on_the_startphase() -> None:
    evidence = evidence_of("cafe-bohnenglueck")
    assert evidence.tickets_total == 0
    start = evidence.for_journey("Startphase")
    assert 0 < start["early_churn"] < 1
    assert "Tickets (Anteil)" not in evidence.table("de").columns


def test_contradiction_rated_rare_but_many_tickets() -> None:
    workshop = Workshop.model_validate(
        {
            "journeys": [
                {"id": "startphase", "name": "Startphase", "phases": ["Onboarding"]},
                {"id": "geldphase", "name": "Geldphase", "phases": ["Verlängerung/Rechnung"]},
            ]
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": list("abcde"),
            "customer_id": list("12345"),
            "opened": pd.to_datetime(["2025-01-01"] * 5),
            "phase": ["Verlängerung/Rechnung"] * 2 + ["Onboarding"] * 3,
        }
    )
    options = JourneyOptions()
    evidence = collect(Data(tickets=tickets), workshop, options, cutoff="2025-12-31")
    selection = select(
        pd.DataFrame(
            {
                "journey": ["Startphase", "Geldphase"],
                "frequency": [4, 2],  # Geldphase rated rare (2) but 2 of 5 = 40 % of tickets
                "damage": [4, 4],
                "feasibility": [4, 4],
            }
        )
    )
    flagged = contradictions(evidence, selection, options)
    assert [(c["journey"], c["kind"]) for c in flagged.contradictions] == [
        ("Geldphase", "rare_but_tickets")
    ]
    assert flagged.contradiction_texts("de") == [
        "Widerspruch: Geldphase wurde als selten bewertet (Häufigkeit 2,0), verursacht aber "
        "40\u202f% der Tickets."
    ]
    # the demo clients' ratings agree with their data
    params, _ = client("stadtwerke-lindenau")
    utility = contradictions(
        evidence_of("stadtwerke-lindenau"),
        from_workshop(params.workshop, params.analysis.journey),
        params.analysis.journey,
    )
    assert utility.contradictions == ()


def test_phase_table_shows_each_phase_with_shares_and_n():
    import numpy as np
    import pandas as pd

    from cxlib.journeys.evidence import Evidence

    phases = pd.DataFrame(
        {
            "phase": ["Onboarding", "Nutzung", "Orientierung"],
            "tickets": [30, 10, 0],
            "repeat_tickets": [6, 1, 0],
            "nps_n": [40.0, 8.0, 0.0],
            "nps": [-12.5, 50.0, np.nan],
            "csat_n": [40.0, 8.0, 0.0],
            "csat": [0.5, 0.75, np.nan],
            "ces_n": [0.0, 0.0, 0.0],
            "ces": [np.nan, np.nan, np.nan],
        }
    )
    evidence = Evidence(phases, pd.DataFrame(), pd.DataFrame(), tickets_total=40)
    table = evidence.phase_table("de")
    # 30/40 = 75 %, 6/30 = 20 %; n = 8 is below min_n = 10: no number; CES column empty
    assert table.columns.tolist() == [
        "Journey-Phase",
        "Tickets (Anteil)",
        "Folgetickets (Anteil)",
        "NPS (n)",
        "CSAT Top-2 (n)",
    ]
    assert table.iloc[0].tolist() == [
        "Onboarding",
        "30 (75\u202f%)",
        "6 (20\u202f%)",
        "−13 (40)",
        "50\u202f% (40)",
    ]
    assert table.iloc[1, 3] == "zu wenige Antworten (n = 8)"
    assert table.iloc[2, 2] == "–"
