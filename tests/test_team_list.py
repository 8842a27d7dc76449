"""One list for the team to call (cxlib.survival.team_list): call-backs, churn risks and
early warnings merged.

Order, weeks and counts are worked by hand on a tiny list; on the Stadtwerke
demo every detractor, open ticket and complaint of the raw tables and every
high-risk customer must appear exactly once with its reasons, no name of the
customers file may be in the file, and the report's counts are the file's rows.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cxlib.io.exports import write_excel_csv
from cxlib.kpis.early_warning import EarlyWarning
from cxlib.survival.analysis import analyse
from cxlib.survival.risk_list import risk_list
from cxlib.survival.team_list import TEAM_LIST_FILE, team_facts, team_list
from cxlib.survival.view import section
from cxlib.texts import t
from cxlib.voice.callbacks import call_backs

from .demo_clients import PROJECT, demo_client

CUTOFF = dt.date(2025, 12, 31)


def _backs():
    """A: detractor scoring 2 (priority 1); B: complaint, closed; C: open ticket."""
    survey = pd.DataFrame(
        {
            "customer_id": ["A"],
            "date": pd.to_datetime(["2025-12-01"]),
            "nps": [2],
            "comment": ["Die Rechnung ist falsch, Herr Max Muster, Tel. 0171 2345678"],
        }
    )
    tickets = pd.DataFrame(
        {
            "customer_id": ["B", "C"],
            "opened": pd.to_datetime(["2025-12-10", "2025-12-20"]),
            "closed": pd.to_datetime(["2025-12-12", None]),
            "category": ["Beschwerde", "Rechnung"],
        }
    )
    return call_backs(survey, tickets, CUTOFF)


def _risks() -> pd.DataFrame:
    """The risk list cut to capacity: week, customer, tenure, probability, factors."""
    return pd.DataFrame(
        {
            "Anrufwoche": [1, 1, 1],
            "Kundennummer": ["E", "C", "D"],
            "Kunde seit (Monate)": [3.0, 5.0, 8.0],
            "Kündigungswahrscheinlichkeit (nächste 12 Monate)": [0.5, 0.4, 0.3],
            "Wichtigste Risikofaktoren": ["Kanal „Vergleichsportal“", "Tarif „Basis“", ""],
        }
    )


def test_the_tiny_list_by_hand() -> None:
    team = team_list(_backs(), _risks(), calls_per_week=2)
    rows = team.rows
    # priority 1: A (score 2) and C (open ticket and a churn risk), C first (it has a
    # probability); priority 2: B (complaint); priority 3: E (0.5) before D (0.3)
    assert rows["customer_id"].tolist() == ["C", "A", "B", "E", "D"]
    assert rows["priority"].tolist() == [1, 1, 2, 3, 3]
    assert rows["week"].tolist() == [1, 1, 2, 2, 3]
    # steps: open ticket 2, detractor 1, closed complaint 4, preventive calls 5
    assert rows["step"].tolist() == [2, 1, 4, 5, 5]
    assert rows["churn_risk"].tolist() == [True, False, False, True, True]
    assert rows["probability"].tolist()[0] == 0.4 and pd.isna(rows["probability"][1])
    assert (team.customers, team.call_backs, team.churn_risks, team.both) == (5, 3, 3, 1)
    assert team.weeks == 3
    frame = team.frame("de")
    reasons = frame[t("voice.list.reasons", "de")].tolist()
    assert reasons == [
        "offenes Ticket, hohes Kündigungsrisiko",
        "Kritiker",
        "Beschwerde",
        "hohes Kündigungsrisiko",
        "hohes Kündigungsrisiko",
    ]
    assert frame[t("survival.risk_factors", "de")][0] == "Tarif „Basis“"
    assert frame.columns[4] == "Kündigungswahrscheinlichkeit (nächste 12 Monate)"
    comment = frame[t("voice.list.comment", "de")][1]
    assert "0171" not in comment and "Muster" not in comment  # masked
    facts = {f.id: f.value for f in team_facts(team)}
    assert facts == {
        "survival.team.customers": 5,
        "survival.team.call_backs": 3,
        "survival.team.risks": 3,
        "survival.team.both": 1,
        "survival.team.signals": 0,
        "survival.team.weeks": 3,
    }


def _warning() -> EarlyWarning:
    """Early warnings in December: A (a call-back) and F (no other reason) show two signals."""
    flags = pd.DataFrame(
        {
            "customer_id": ["A", "F"],
            "usage_drop": [True, True],
            "slow_payment": [True, False],
            "silent": [False, True],
        }
    )
    month = pd.Timestamp("2025-12-01")
    return EarlyWarning(
        pd.DataFrame(), month, ("A", "F"), ("usage_drop", "slow_payment", "silent"), flags
    )


def test_early_warnings_join_the_list_by_hand() -> None:
    team = team_list(_backs(), _risks(), calls_per_week=2, warning=_warning())
    rows = team.rows
    # A was priority 1 already (score 2) and now comes before C (early warnings first);
    # F has nothing else: a preventive call, before the churn risks E and D, step 5
    assert rows["customer_id"].tolist() == ["A", "C", "B", "F", "E", "D"]
    assert rows["priority"].tolist() == [1, 1, 2, 3, 3, 3]
    assert rows["step"].tolist() == [1, 2, 4, 5, 5, 5]
    assert rows["early_warning"].tolist() == [True, False, False, True, False, False]
    assert (team.customers, team.call_backs, team.churn_risks, team.both) == (6, 3, 3, 1)
    assert team.warnings == 2 and team.weeks == 3
    frame = team.frame("de").set_index(t("voice.list.customer", "de"))
    assert frame.loc["A", t("voice.list.reasons", "de")] == "Kritiker, Frühwarnsignale"
    signals = frame[t("survival.team.signals", "de")]
    assert signals["A"] == "sinkende Nutzung, längere Zahlungsdauer"
    assert signals["F"] == "sinkende Nutzung, stiller Rückzug" and signals["B"] == ""
    # a customer who is only a call-back but shows early warnings moves up to priority 1
    b_warned = EarlyWarning(
        pd.DataFrame(),
        pd.Timestamp("2025-12-01"),
        ("B",),
        ("usage_drop", "silent"),
        pd.DataFrame({"customer_id": ["B"], "usage_drop": [True], "silent": [True]}),
    )
    moved = team_list(_backs(), None, calls_per_week=25, warning=b_warned).rows
    assert moved.set_index("customer_id").loc["B", "priority"] == 1


def test_without_risks_or_call_backs_the_list_holds_the_other() -> None:
    alone = team_list(_backs(), None, calls_per_week=25)
    assert alone.rows["customer_id"].tolist() == ["A", "C", "B"]  # P1, then by last contact
    assert alone.churn_risks == 0 and alone.both == 0 and alone.weeks == 1
    risks = team_list(None, _risks(), calls_per_week=1)
    assert risks.rows["customer_id"].tolist() == ["E", "C", "D"]
    assert risks.rows["week"].tolist() == [1, 2, 3] and risks.call_backs == 0


@pytest.fixture(scope="module")
def stadtwerke():
    params, data = demo_client("stadtwerke-lindenau")
    result = analyse(params, data)
    return params, data, result, section(result, "de")


def test_every_call_back_and_every_high_risk_customer_appears_once(stadtwerke) -> None:
    params, data, result, sec = stadtwerke
    frame = sec.exports[TEAM_LIST_FILE]
    ids = frame[t("voice.list.customer", "de")]
    assert ids.is_unique
    by_id = frame.set_index(ids.name)[t("voice.list.reasons", "de")]
    # recounted from the raw tables: 90 days before the cut-off
    cut = pd.Timestamp(params.cutoff)
    start = cut - pd.Timedelta(days=90)
    survey, tickets = data.get("survey"), data.get("tickets")
    window = survey[(survey["date"] > start) & (survey["date"] <= cut)]
    detractors = set(window.loc[(window["nps"] <= 6), "customer_id"].dropna().astype(str))
    open_ids = set(tickets.loc[tickets["closed"].isna(), "customer_id"].dropna().astype(str))
    complaint = tickets["category"].astype(str).eq("Beschwerde") & (tickets["opened"] > start)
    complaints = set(tickets.loc[complaint, "customer_id"].dropna().astype(str))
    assert detractors and open_ids and complaints
    for wanted, word in ((detractors, "Kritiker"), (open_ids, "offenes Ticket")):
        assert wanted <= set(ids)
        assert by_id.loc[sorted(wanted)].str.contains(word).all()
    assert by_id.loc[sorted(complaints)].str.contains("Beschwerde").all()
    # the 100 highest churn risks (25 calls a week for 4 weeks), each with its factors
    top = risk_list(result, "de").head(100)
    risky = set(top.iloc[:, 0])
    assert risky <= set(ids)
    assert by_id.loc[sorted(risky)].str.contains("hohes Kündigungsrisiko").all()
    # the customers with two or more early-warning signals in the latest month
    warned = set(result.warning.flagged)
    assert warned and warned <= set(ids)
    assert by_id.loc[sorted(warned)].str.contains("Frühwarnsignale").all()
    on_list = detractors | open_ids | complaints | risky | warned
    assert set(ids) == on_list  # nobody else
    assert by_id[~by_id.index.isin(risky)].str.contains("Kündigungsrisiko").sum() == 0
    # ordered by priority, 25 a week
    priority = frame[t("voice.list.priority", "de")]
    assert priority.is_monotonic_increasing
    week = frame[t("survival.risk_week", "de")]
    assert week.tolist() == [i // 25 + 1 for i in range(len(frame))]


def test_the_report_s_counts_are_the_file_s_rows(stadtwerke, tmp_path) -> None:
    _, _, result, sec = stadtwerke
    path = write_excel_csv(sec.exports[TEAM_LIST_FILE], tmp_path / TEAM_LIST_FILE, "de")
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    reasons = back[t("voice.list.reasons", "de")]
    risk = reasons.str.contains("Kündigungsrisiko")
    backs = reasons.str.contains("Kritiker|offenes Ticket|Beschwerde")
    facts = sec.facts
    assert facts["survival.team.customers"].value == len(back)
    assert facts["survival.team.risks"].value == int(risk.sum()) == 100
    assert facts["survival.team.call_backs"].value == int(backs.sum())
    assert facts["survival.team.call_backs"].value == result.call_backs.customers
    assert facts["survival.team.both"].value == int((risk & backs).sum())
    assert facts["survival.team.weeks"].value == -(-len(back) // 25)


def test_no_personal_data_of_the_customers_file_is_on_the_list(stadtwerke) -> None:
    _, _, _, sec = stadtwerke
    text = sec.exports[TEAM_LIST_FILE].to_csv(sep=";")
    raw = pd.read_csv(
        PROJECT / "data" / "stadtwerke-lindenau" / "kunden.csv",
        sep=";",
        encoding="cp1252",
        usecols=["Name"],
    )
    names = set(raw["Name"].dropna())
    listed = {name for name in names if name in text}
    assert not listed
    assert "@" not in text  # no e-mail address
