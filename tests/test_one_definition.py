"""One definition per idea (issue 14): the sections agree on the same fact for every demo client.

* early churn: the KPI figure and the journey evidence are the same number, and
  both equal a count made by hand from the raw customer (and purchase) files;
* a pain point's tickets are a subset of its journey's tickets;
* the checklist's early-warning verdicts rest on the signals counted per month;
* the yearly retention table balances: start + new − lost − lost new = end, and
  churn and retention as shown add up to 100 %.

Raw files are read with plain pandas, independently of :mod:`cxlib.io.loading`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from cxlib import formatting as fmt
from cxlib.io.loading import ClientData, load_client_data
from cxlib.journeys import analysis as journeys
from cxlib.kpis import analysis as kpis
from cxlib.kpis.tables import retention_frame
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.survival import analysis as survival
from cxlib.survival import statements as survival_statements
from cxlib.texts import wording

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "data"
CLIENTS = ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck")


@cache
def client(name: str) -> tuple[ClientParameters, ClientData]:
    params = load_parameters(PROJECT / "parameters" / f"{name}.yaml")
    return params, load_client_data(params)


@cache
def journey_result(name: str) -> journeys.JourneyAnalysis:
    return journeys.analyse(*client(name))


@cache
def kpi_result(name: str) -> kpis.Baseline:
    return kpis.analyse(*client(name))


# --------------------------------------------------------------------------- raw files


def raw_customers(name: str) -> tuple[pd.Series, pd.Series]:
    """Start and end dates of every customer, straight from the client's export."""
    if name == "stadtwerke-lindenau":
        frame = pd.read_csv(DATA / name / "kunden.csv", sep=";", encoding="cp1252", dtype=str)
        start = pd.to_datetime(frame["Vertragsbeginn"], format="%d.%m.%Y")
        end = pd.to_datetime(frame["Vertragsende"], format="%d.%m.%Y")
        return start, end
    if name == "berger-haustechnik":
        path = DATA / name / "export_handwerkersoftware.xlsx"
        frame = pd.read_excel(path, sheet_name="Kunden", header=2)
        return pd.to_datetime(frame["Kunde seit"]), pd.to_datetime(frame["Vertragsende"])
    cards = pd.read_csv(DATA / name / "loyalty_cards.csv", parse_dates=["issued"])
    return cards.set_index("card_id")["issued"], pd.Series(dtype="datetime64[ns]")


def early_churn_by_hand(name: str, months: int = 6) -> tuple[int, int]:
    """(lost, n): customers who started in the window and were observable ``months`` months.

    Contracts: lost = contract ended before the day ``months`` months after the
    start. Loyalty cards: counted from the second purchase day (one-time buyers are
    a figure of their own); lost = no purchase on or after the day ``months`` months
    after it, observable when that day plus the inactivity period lies on or before
    the cut-off.
    """
    params, _ = client(name)
    start, end = raw_customers(name)
    cutoff = pd.Timestamp(params.cutoff)
    window = pd.Timestamp(params.analysis.observation_start or start.min())
    anniversary = pd.Series([s + relativedelta(months=months) for s in start], index=start.index)
    if params.business_model == "contractual":
        observable = (start >= window) & (anniversary <= cutoff)
        lost = end.notna() & (end < anniversary)
    else:
        # without contracts the months count from the second purchase day (issue 15)
        sales = pd.read_csv(DATA / name / "pos_transactions.csv", parse_dates=["date"])
        days = sales.assign(day=sales["date"].dt.normalize())[["card_id", "day"]]
        days = days.drop_duplicates().sort_values(["card_id", "day"])
        second = days[days.groupby("card_id").cumcount() == 1].set_index("card_id")["day"]
        second = second.reindex(start.index)
        last = sales.groupby("card_id")["date"].max().reindex(start.index)
        anniversary = pd.Series(
            [s + relativedelta(months=months) if pd.notna(s) else pd.NaT for s in second],
            index=start.index,
        )
        quiet = pd.Timedelta(days=params.analysis.survival.inactivity_days)
        observable = (start >= window) & second.notna() & (anniversary + quiet <= cutoff)
        lost = last < anniversary
    return int((observable & lost).sum()), int(observable.sum())


# --------------------------------------------------------------------------- early churn


@pytest.mark.parametrize("name", CLIENTS)
def test_early_churn_is_one_number_in_kpis_and_journey_evidence(name: str) -> None:
    lost, n = early_churn_by_hand(name)
    six = [e for e in kpi_result(name).early if e.months == 6]
    assert [(e.lost, e.n) for e in six] == [(lost, n)]
    evidence = journey_result(name).evidence
    phase = client(name)[0].analysis.journey.early_churn_phase
    rows = evidence.journeys[evidence.journeys["phases"].map(lambda p: phase in p)]
    assert len(rows) >= 1
    for _, row in rows.iterrows():
        assert (row["early_churn_months"], row["early_churn_n"]) == (6, n)
        assert row["early_churn"] == pytest.approx(lost / n)


@pytest.mark.parametrize("name", CLIENTS)
def test_the_churn_section_and_its_summary_state_the_same_early_churn(name: str) -> None:
    """Café: "49 %" in the summary against 53 % in the journey table, before one definition."""
    lost, n = early_churn_by_hand(name)
    params, data = client(name)
    result = survival.analyse(params, data)
    assert result.available
    assert result.early_churn(6) == pytest.approx(lost / n)
    shown = fmt.percent(lost / n, 0, "de")
    lang = wording("de", params.business_model)
    who = "wiederkehrenden Neukunden" if name == "cafe-bohnenglueck" else "Neukunden"
    assert f"{shown} der {who}" in survival_statements.key_message(result, lang)
    first = survival_statements.statements(result, "de")[0]
    assert shown in first.text


# --------------------------------------------------------------------------- pain points


@pytest.mark.parametrize("name", CLIENTS)
def test_pain_point_tickets_are_a_subset_of_the_journey_tickets(name: str) -> None:
    result = journey_result(name)
    plan = result.plan
    assert plan is not None
    journey = result.evidence.for_journey(plan.journey)
    pains = plan.pain_points
    counted = pains["tickets"].dropna()
    if name == "cafe-bohnenglueck":  # no ticket export: no evidence, nothing to compare
        assert counted.empty
        return
    assert len(counted) == 3
    # the pain points name different ticket categories, so their tickets are disjoint
    assert pains["ticket_category"].nunique() == len(pains)
    assert counted.sum() <= journey["tickets"]
    assert pains["repeat_tickets"].sum() <= journey["repeat_tickets"]


# --------------------------------------------------------------------------- signals


def test_checklist_signals_are_the_signals_counted_per_month() -> None:
    """Stadtwerke: a signal never counted in a month is not 'visible'; a visible one has its n."""
    name = "stadtwerke-lindenau"
    warning = kpi_result(name).warning
    assert warning is not None
    counted = warning.monthly[list(warning.available)].sum()
    signals = journey_result(name).checklist.signals.set_index("key")
    assert set(signals.index) == set(warning.available)
    for key, row in signals.iterrows():
        assert int(row["flagged"]) == counted[key]
        if counted[key] == 0:
            assert row["status"] != "shown"
    # the demo plants no month without usage (electricity and gas run on), so
    # silent withdrawal is never counted; leavers ask more, pay later, use less and
    # (Service leavers) open complaint tickets before leaving (docs/demo-data.md)
    assert counted["silent"] == 0
    assert signals.loc["silent", "status"] == "not_shown"
    shown = ["usage_drop", "repeated_tickets", "slow_payment", "frequent_queries"]
    assert signals.loc[shown, "status"].tolist() == ["shown"] * 4


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize("name", CLIENTS)
def test_yearly_retention_flows_balance_and_shares_add_to_100(name: str) -> None:
    base = kpi_result(name)
    if client(name)[0].business_model != "contractual":
        assert base.yearly is None  # no contracts, no yearly customer table
        return
    yearly = base.yearly
    assert len(yearly) >= 3
    for row in yearly.itertuples():
        assert row.start + row.new - row.lost - row.lost_new == row.end, row.year
    frame = retention_frame(base, "de")
    churn, retention = frame.columns[-2], frame.columns[-1]
    for c, r in zip(frame[churn], frame[retention], strict=True):
        shown = [fmt.percent(c, 1, "de"), fmt.percent(r, 1, "de")]
        values = [float(s.replace("\u202f%", "").replace(",", ".")) for s in shown]
        assert sum(values) == pytest.approx(100.0), shown
