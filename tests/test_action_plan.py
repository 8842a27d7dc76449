"""The 1-3-3 action plan: three pain points by evidence, three measures with 4-6-week checks."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from cxlib.io.loading import load_client_data
from cxlib.journeys.analysis import analyse
from cxlib.journeys.churn_rate import ChurnRate
from cxlib.journeys.plan import PlanWarning, build, rate_detectable, rate_months_needed
from cxlib.journeys.view import section
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import JourneyOptions, Workshop
from cxlib.report_tests import report_tests
from tests.demo_clients import demo_client

PARAMETERS = Path(__file__).resolve().parent.parent / "parameters"


def workshop(check_days: list[int], pains: int = 3) -> Workshop:
    start = dt.date(2026, 2, 2)
    return Workshop.model_validate(
        {
            "journeys": [{"id": "startphase", "name": "Startphase", "phases": ["Onboarding"]}],
            "pain_points": [
                {"journey": "startphase", "text": f"Schmerz {i}", "ticket_category": c}
                for i, c in zip(
                    range(1, pains + 1), ["Anmeldung", "Zähler", "Willkommen"][:pains], strict=True
                )
            ],
            "measures": [
                {
                    "journey": "startphase",
                    "text": f"Maßnahme {i + 1}",
                    "owner": "Service",
                    "start": start,
                    "check_date": start + dt.timedelta(days=days),
                    "kpi": "CES Onboarding",
                }
                for i, days in enumerate(check_days)
            ],
        }
    )


def test_complete_plan_ranks_pain_points_by_tickets() -> None:
    tickets = pd.DataFrame(
        {
            "customer_id": list("123456"),
            "opened": pd.to_datetime(["2025-01-01"] * 6),
            "category": ["Zähler", "Willkommen", "Willkommen", "Willkommen", "Zähler", "x"],
            "phase": ["Onboarding"] * 6,  # all in the journey's phase
        }
    )
    plan = build(
        workshop([28, 35, 42]), "startphase", "Startphase", JourneyOptions(), None, tickets
    )
    # Willkommen 3 tickets, Zähler 2, Anmeldung 0
    assert list(plan.pain_points["text"]) == ["Schmerz 3", "Schmerz 2", "Schmerz 1"]
    assert list(plan.pain_points["tickets"]) == [3, 2, 0]
    assert plan.complete and plan.issues == ()
    assert plan.statement_text("de") == "Nächste Schritte: drei Maßnahmen bis 16.03.2026."


@pytest.mark.parametrize("days", [27, 43])
def test_check_date_outside_four_to_six_weeks_names_the_measure(days: int) -> None:
    with pytest.warns(PlanWarning, match=f"Maßnahme „Maßnahme 2“: Prüftermin {days} Tage"):
        plan = build(workshop([28, days, 42]), "startphase", "Startphase", JourneyOptions())
    assert not plan.complete
    assert plan.statement_text("de").startswith("Maßnahmenplan unvollständig")
    # the plan holds the issue as numbers; the words come in the language asked for
    [issue] = plan.issues
    assert issue.kind == "check" and dict(issue.values)["days"] == days
    assert plan.issue_texts("en") == [
        f"Measure “Maßnahme 2”: check date {days} days after the start; "
        "28 to 42 days (4–6 weeks) are intended."
    ]
    assert plan.to_dict("en")["issues"] == plan.issue_texts("en")


def test_two_pain_points_make_the_plan_incomplete() -> None:
    with pytest.warns(PlanWarning, match="2 statt 3 Schmerzpunkte"):
        plan = build(workshop([30, 30, 30], pains=2), "startphase", "Startphase", JourneyOptions())
    assert not plan.complete


def test_demo_plans_with_baselines_from_the_data() -> None:
    """Baselines: docs/demo-data.md (NPS Verlängerung/Rechnung −32.0; CSAT after Störung 62.5 %)."""
    params = load_parameters(PARAMETERS / "stadtwerke-lindenau.yaml")
    result = analyse(params, load_client_data(params))
    plan = result.plan
    assert plan.complete
    nps = plan.measures.set_index("metric").loc["nps"]
    assert nps["baseline"] == pytest.approx(-32.0, abs=0.05) and nps["baseline_source"] == "data"
    # pain points in the order of their ticket categories (Rechnung > Abschlag > Vertrag/Tarif)
    assert list(plan.pain_points["ticket_category"]) == ["Rechnung", "Abschlag", "Vertrag/Tarif"]
    # summary statements: the recommendation (grey: it has no target; the next steps stay
    # in the section, issue 14) and the plan's value in euros (grey: a potential)
    statements = section(result, "de").statements
    assert [s.light for s in statements] == ["grey", "grey"]
    assert statements[1].facts == ("plan.value.total.kept", "plan.value.total.value")
    table = plan.table("de")
    assert table.iloc[2]["Ausgangswert"].startswith("−32 (aus den Daten, n\u00a0=") or table.iloc[
        2
    ]["Ausgangswert"].startswith("−32 (aus den Daten, n =")
    assert table.iloc[2]["Ziel"] == "−10"
    # a workshop baseline is marked as such, both values with the same decimals
    assert table.iloc[0]["Ausgangswert"] == "6,4 (aus dem Workshop)"
    assert table.iloc[0]["Ziel"] == "5,0"
    # a monthly churn rate from the data, two decimals: the Vergleichsportal customers' planted
    # level outside the 2024 price spike is about 0.9 % a month (docs/demo-data.md)
    assert table.iloc[1]["Ausgangswert"].startswith(("0,9", "1,0"))
    assert "aus den Daten" in table.iloc[1]["Ausgangswert"]
    # its n counts the group's customers at the start of the period, not today's active
    # customers that the plan's value counts: the baseline says so
    assert table.iloc[1]["Ausgangswert"].endswith(" Kunden zu Beginn des Zeitraums)")
    assert plan.table("en").iloc[1]["Baseline"].endswith(" customers at the start of the period)")
    assert table.iloc[1]["Ziel"] == "0,70\u202f%"

    craft = load_parameters(PARAMETERS / "berger-haustechnik.yaml")
    plan = analyse(craft, load_client_data(craft)).plan
    # no baseline at all: said so, not a bare dash; the KPI is "in %", so is the target
    first = plan.table("de").iloc[0]
    assert first["Ausgangswert"] == "keine Daten (erste Messung zum Start)"
    assert first["Ziel"] == "90\u202f%"
    csat = plan.measures.set_index("metric").loc["csat"]
    assert csat["baseline"] == pytest.approx(62.5)
    table = plan.table("de")
    assert table.iloc[2]["Ausgangswert"] == "63\u202f% (aus den Daten, n = 16 Antworten)"
    assert table.iloc[2]["Ziel"] == "80\u202f%"
    assert table.iloc[1]["Ausgangswert"] == "13\u202f% (aus dem Workshop)"
    assert table.iloc[1]["Ziel"] == "8\u202f%"
    # 63 → 80 % on 16 answers: MDC = (1.96 + 0.84) · √(2 · 62.5 · 37.5 / 16) ≈ 48 points
    mdc = (1.959964 + 0.841621) * math.sqrt(2 * 62.5 * 37.5 / 16)
    assert csat["mdc"] == pytest.approx(mdc, rel=1e-4)
    assert table.iloc[2]["Ziel nachweisbar?"] == "nein (erst ab ±\u00a048 Prozentpunkten)"
    [warning] = plan.detection_texts("de")
    needed = math.ceil(16 * (mdc / 17.5) ** 2)  # MDC shrinks with 1/√n: 121 answers
    assert "um 18 Prozentpunkte" in warning and "n = 16" in warning
    assert f"etwa {needed} Antworten" in warning


def test_client_without_workshop_ratings_gets_a_note_not_an_error(minimal_params: Path) -> None:
    from cxlib.io.loading import ClientData

    result = analyse(load_parameters(minimal_params), ClientData({}))
    assert result.selection is None and result.plan is None
    report = section(result, "de")
    assert "noch keine Journeys bewertet" in report.key_message
    assert any("noch keine Journeys bewertet" in item.data for item in report.show("chart"))
    assert len(report.show("ranking")) == 0
    [heading] = report.show("plan")  # the heading alone: no plan without a chosen journey
    assert "Maßnahmenplan" in heading.data
    assert [s.light for s in report.statements] == ["grey"]
    assert report.figures["selection"] is None and report.figures["plan"] is None


def test_pain_point_tickets_are_the_journeys_tickets_of_its_category() -> None:
    """A pain point counts only tickets of its journey's phases; the rest are named apart."""
    tickets = pd.DataFrame(
        {
            "customer_id": list("1234567"),
            "opened": pd.to_datetime(["2025-01-01"] * 7),
            "category": ["Zähler", "Zähler", "Zähler", "Willkommen", "Willkommen", "x", "x"],
            "phase": ["Onboarding", "Nutzung", "Nutzung", *["Onboarding"] * 3, "Nutzung"],
        }
    )
    plan = build(
        workshop([28, 35, 42]), "startphase", "Startphase", JourneyOptions(), None, tickets
    )
    rows = plan.pain_points.set_index("ticket_category")
    # the journey (phase Onboarding) has 4 tickets: Zähler 1, Willkommen 2, x 1
    assert rows.loc["Zähler", ["tickets", "tickets_elsewhere"]].tolist() == [1, 2]
    assert rows.loc["Willkommen", ["tickets", "tickets_elsewhere"]].tolist() == [2, 0]
    assert rows.loc["Anmeldung", ["tickets", "tickets_elsewhere"]].tolist() == [0, 0]
    assert rows["tickets"].sum() <= 4
    text = plan.pain_table("de").iloc[1, 2]
    assert text.startswith("1 Tickets (Zähler)")
    assert "weitere 2 solche Tickets gehören nicht zu den Phasen" in text


def _rate(lost: int, exposure: int, active: int) -> ChurnRate:
    return ChurnRate(
        lost,
        exposure,
        n=active,
        active=active,
        first_month=dt.date(2025, 1, 1),
        last_month=dt.date(2025, 12, 1),
    )


def test_a_monthly_churn_target_is_checked_against_the_check_window_by_hand() -> None:
    # p = 1 %, 10,000 baseline customer-months, 1,000 customers for one month:
    # MDC = (1.95996 + 0.84162) * 100 * sqrt(0.0099 * (1/10,000 + 1/1,000)) = 0.92453 points
    rate = _rate(100, 10_000, 1_000)
    window, mdc = rate_detectable(rate, 21)  # under a month counts as one month
    assert window == 1_000
    assert mdc == pytest.approx(0.92453, abs=1e-4)
    # two months halve the window's share of the variance
    assert rate_detectable(rate, 61)[1] == pytest.approx(
        2.80158 * 100 * math.sqrt(0.0099 * (1e-4 + 1 / (1_000 * 61 / (365.25 / 12)))), rel=1e-4
    )
    # the window that detects exactly the MDC is the window the MDC was computed for
    assert rate_months_needed(rate, mdc) == pytest.approx(1.0, rel=1e-9)
    # the baseline alone is uncertain by 2.80158 * 100 * sqrt(0.0099 / 10,000) = 0.2788 points:
    # a smaller change is never detectable, however long the check
    assert math.isinf(rate_months_needed(rate, 0.25))


def test_the_rate_mdc_agrees_with_statsmodels_power_for_two_unequal_samples() -> None:
    from statsmodels.stats.power import NormalIndPower

    rate = _rate(99, 36_000, 3_000)
    window, mdc = rate_detectable(rate, 35)
    p = rate.rate
    d = NormalIndPower().solve_power(
        effect_size=None, nobs1=rate.exposure, ratio=window / rate.exposure, alpha=0.05, power=0.8
    )
    assert mdc == pytest.approx(d * math.sqrt(p * (1 - p)) * 100, rel=1e-3)


def test_stadtwerke_portal_target_is_not_detectable_in_one_month_and_says_how_long() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    plan = analyse(params, data, report_tests(params, data)).plan
    row = plan.measures[plan.measures["metric"] == "monthly_churn"].iloc[0]
    # 0.99 % -> 0.70 %: 0.29 points, less than one month of 3,000 customers can show
    assert row["target"] - row["baseline"] == pytest.approx(-0.29, abs=0.01)
    assert 0.29 < row["mdc"] < 1.0
    assert row["needed_months"] >= 2
    table = plan.table("de")
    assert table.iloc[1, -1].startswith("nein (erst ab ±\u00a00,")
    (text,) = [x for x in plan.detection_texts("de") if x.startswith("Maßnahme 2:")]
    assert f"über etwa {int(row['needed_months'])} Monate" in text
    assert "Antworten" not in text


def test_an_early_churn_target_is_checked_against_the_next_cohort_of_new_customers() -> None:
    from cxlib.journeys.plan import ActionPlan, _detectable

    # 7 % of 400 new customers leave early; the next cohort as large:
    # MDC = (1.95996 + 0.84162) * sqrt(2 * 100² * 0.07 * 0.93 / 400) = 5.0540 points
    n, mdc = _detectable("early_churn", {"early_churn": 0.07, "early_churn_n": 400})
    assert n == 400 and mdc == pytest.approx(5.0540, abs=1e-3)
    unknown = {"early_churn": float("nan"), "early_churn_n": 9}
    assert math.isnan(_detectable("early_churn", unknown)[1])
    measures = pd.DataFrame(
        [
            {
                "text": "Willkommen",
                "owner": "Vertrieb",
                "start": dt.date(2026, 2, 2),
                "check_date": dt.date(2026, 3, 9),
                "kpi": "Frühe Kündigungen (%)",
                "metric": "early_churn",
                "baseline": 7.0,
                "baseline_source": "data",
                "target": 5.0,
                "n": n,
                "mdc": mdc,
                "needed_months": float("nan"),
                "days": 35,
            }
        ]
    )
    plan = ActionPlan("Startphase", pd.DataFrame(), measures, ())
    assert plan.table("de").iloc[0]["Ziel nachweisbar?"] == "nein (erst ab ±\u00a05 Prozentpunkten)"
    [warning] = plan.detection_texts("de")
    needed = math.ceil(400 * (mdc / 2.0) ** 2)  # MDC shrinks with 1/√n: 2,555 new customers
    assert "bei n = 400 neuen Kunden je Messung" in warning
    assert f"etwa {needed:,} neue Kunden".replace(",", ".") in warning
    assert "Antworten" not in warning


def test_ticket_share_targets_are_checked_against_a_next_period_with_as_many_tickets() -> None:
    """The follow-up share of the journey's tickets and its share of all tickets come from
    the data with their n, and the plan says whether the target change can show."""
    from statsmodels.stats.power import NormalIndPower

    from cxlib.journeys.evidence import collect

    start = dt.date(2026, 2, 2)
    ws = Workshop.model_validate(
        {
            "journeys": [{"id": "startphase", "name": "Startphase", "phases": ["Onboarding"]}],
            "measures": [
                {
                    "journey": "startphase",
                    "text": text,
                    "owner": "Service",
                    "start": start,
                    "check_date": start + dt.timedelta(days=42),
                    "kpi": kpi,
                    "metric": metric,
                    "target": target,
                }
                for text, kpi, metric, target in (
                    ("Rückruf", "Folgetickets (%)", "repeat_tickets", 15.0),
                    ("Anleitung", "Anteil Onboarding-Tickets (%)", "ticket_share", 35.0),
                )
            ],
        }
    )
    # 200 tickets of 200 customers: 80 in the journey's phase, 20 of them reopened
    tickets = pd.DataFrame(
        {
            "customer_id": [f"K{i}" for i in range(200)],
            "opened": pd.Timestamp("2025-06-01"),
            "phase": ["Onboarding"] * 80 + ["Rechnung"] * 120,
            "reopened": [True] * 20 + [False] * 180,
        }
    )
    evidence = collect({"tickets": tickets}, ws, JourneyOptions(), cutoff="2025-12-31")
    plan = build(ws, "startphase", "Startphase", JourneyOptions(), evidence, tickets, warn=False)
    follow, share = (plan.measures.iloc[i] for i in range(2))
    # follow-up share 20/80 = 25 %: MDC = 2.80158 · √(2 · 100² · 0.25 · 0.75 / 80) = 19.18
    assert (follow["baseline"], follow["n"]) == (25.0, 80)
    assert follow["mdc"] == pytest.approx(2.801585 * math.sqrt(2 * 1e4 * 0.25 * 0.75 / 80))
    # the journey's share of all tickets 80/200 = 40 %, n = all 200 tickets: MDC 13.73
    assert (share["baseline"], share["n"]) == (40.0, 200)
    assert share["mdc"] == pytest.approx(2.801585 * math.sqrt(2 * 1e4 * 0.4 * 0.6 / 200))
    # statsmodels: the standardised effect two equal samples of n detect, times σ = √(p(1-p))
    for row, p in ((follow, 0.25), (share, 0.4)):
        d = NormalIndPower().solve_power(None, nobs1=row["n"], alpha=0.05, power=0.8, ratio=1)
        assert row["mdc"] == pytest.approx(d * math.sqrt(p * (1 - p)) * 100, rel=1e-3)
    table = plan.table("de")
    assert list(table["Ziel nachweisbar?"]) == [
        "nein (erst ab ±\u00a019 Prozentpunkten)",  # 10 points planned
        "nein (erst ab ±\u00a014 Prozentpunkten)",  # 5 points planned
    ]
    assert table.iloc[0]["Ausgangswert"] == "25\u202f% (aus den Daten, n = 80 Tickets)"
    first = plan.detection_texts("de")[0]
    assert "bei n = 80 Tickets je Messung" in first and "Antworten" not in first
