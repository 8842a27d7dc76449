"""The journey map: its numbers equal counts made here from the demo data, it says what is missing.

Expected values are counted directly from the demo clients' tables with
pandas (tickets per phase, CSAT top-2-box answers per phase, early churn by
the KPI section's rule written out here), not through cxlib's evidence code;
the top comment theme per phase is checked against the KPI section's comment
themes, which group by the survey's own phase column.
"""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest

from cxlib.journeys.analysis import JourneyAnalysis, analyse
from cxlib.journeys.facts import facts, map_id
from cxlib.journeys.journey_map import PER_CUSTOMERS
from cxlib.journeys.map_view import PAIN_MARKS, map_figure
from cxlib.journeys.view import section
from cxlib.kpis.analysis import comment_themes_of
from cxlib.texts import t, wording

from .demo_clients import demo_client

CLIENTS = ("stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik")


@pytest.fixture(scope="module")
def analysed() -> dict[str, JourneyAnalysis]:
    out = {}
    for client in CLIENTS:
        params, data = demo_client(client)
        out[client] = analyse(params, data)
    return out


def _phase_of(frame: pd.DataFrame, mapping: dict[str, str], key: str) -> pd.Series:
    """Phase column where given, else the mapped category/touchpoint (written out here)."""
    own = frame["phase"] if "phase" in frame else pd.Series(None, index=frame.index)
    mapped = frame[key].map(mapping) if key in frame else pd.Series(None, index=frame.index)
    return own.astype("object").where(own.notna(), mapped)


def _cells(html: str) -> dict[str, list[str]]:
    """Visible text of each map row by its row header, one string per phase column."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        head = re.search(r'<th scope="row">(.*?)</th>', row, flags=re.S)
        if head is None:
            continue
        tds = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        texts = [unescape(re.sub(r"<[^>]+>", " ", td)).split() for td in tds]
        rows[unescape(head.group(1))] = [" ".join(x) for x in texts]
    return rows


def _german(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@pytest.mark.parametrize("client", CLIENTS)
def test_ticket_counts_per_phase_equal_a_direct_count(analysed, client) -> None:
    params, data = demo_client(client)
    journey_map = analysed[client].map
    tickets = data.get("tickets")
    if tickets is None:
        assert not journey_map.has_tickets
        assert all(cell.tickets is None for cell in journey_map.phases)
        return
    phase = _phase_of(tickets, params.workshop.phase_map, "category")
    customers = len(data.get("customers"))
    for cell in journey_map.phases:
        expected = int((phase == cell.phase).sum())
        assert cell.tickets == expected, cell.phase
        assert cell.tickets_per_100 == pytest.approx(100 * expected / customers)
    # every ticket with a known phase is on the map once
    assert sum(c.tickets or 0 for c in journey_map.phases) == int(phase.notna().sum())


@pytest.mark.parametrize("client", CLIENTS)
def test_satisfaction_per_phase_equals_a_direct_count(analysed, client) -> None:
    params, data = demo_client(client)
    survey = data.get("survey")
    phase = _phase_of(survey, params.workshop.phase_map, "touchpoint")
    for cell in analysed[client].map.phases:
        scores = survey.loc[phase == cell.phase, "csat"].dropna()
        assert cell.csat_n == len(scores), cell.phase
        if len(scores):
            assert cell.csat == pytest.approx((scores >= 4).sum() / len(scores))


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "berger-haustechnik"])
def test_early_churn_sits_in_its_phase_and_equals_the_rule_written_out(analysed, client) -> None:
    """New customers (from observation_start) observable for 6 months; lost = ended before."""
    params, data = demo_client(client)
    customers = data.get("customers")
    months = max(params.analysis.journey.early_churn_months)
    first = pd.Timestamp(params.analysis.observation_start or customers["start_date"].min())
    cutoff = pd.Timestamp(params.cutoff)
    start = customers["start_date"]
    due = start + pd.DateOffset(months=months)
    cohort = customers[(start >= first) & (due <= cutoff)]
    lost = cohort["end_date"].notna() & (cohort["end_date"] < due[cohort.index])
    cells = {c.phase: c for c in analysed[client].map.phases}
    own = cells[params.analysis.journey.early_churn_phase]
    assert own.early_churn_n == len(cohort)
    assert own.early_churn_lost == int(lost.sum())
    assert own.early_churn_months == months
    others = [c for c in cells.values() if c is not own]
    assert all(c.early_churn is None for c in others)


def test_top_theme_per_phase_equals_the_kpi_sections_theme_counts(analysed) -> None:
    """Stadtwerke's survey carries a phase on every answer: the KPI section's themes by phase
    (grouped by that column) must name the same top theme with the same counts."""
    params, data = demo_client("stadtwerke-lindenau")
    themes = comment_themes_of(params, data)
    by_phase = themes.frequency[themes.frequency["by"] == "phase"]
    checked = 0
    for cell in analysed["stadtwerke-lindenau"].map.phases:
        rows = by_phase[by_phase["group"] == cell.phase]
        if rows.empty or rows["n"].iloc[0] < params.analysis.min_n:
            assert cell.top_theme is None
            continue
        best = rows["mentions"].max()
        assert cell.top_theme is not None and cell.top_theme.mentions == best
        assert cell.top_theme.theme in set(rows.loc[rows["mentions"] == best, "theme"])
        assert cell.top_theme.n == rows["n"].iloc[0] == cell.comments
        checked += 1
    assert checked >= 4


def test_the_printed_map_shows_the_counted_numbers_and_marks_the_focus() -> None:
    params, data = demo_client("stadtwerke-lindenau")
    result = analyse(params, data)
    html = map_figure(result.map, "de", result.early_churn_phase).data
    rows = _cells(html)
    tickets = data.get("tickets")
    counts = tickets["phase"].value_counts()
    customers = len(data.get("customers"))
    printed = rows[t("journeys.map.row.tickets", "de")]
    for phase, text in zip(params.workshop.phases, printed, strict=True):
        count = int(counts.get(phase, 0))
        rate, detail = text.split(" ", 1)
        assert _german(rate) == pytest.approx(100 * count / customers, abs=0.05), phase
        assert _german(detail.split()[0]) == count
    # the focus journey's phase carries the accent and all three pain points, numbered
    assert re.search(r'<th scope="col" class="cx-map-on">Verlängerung/<wbr>Rechnung', html)
    assert all(mark in html for mark in PAIN_MARKS)
    for pain in params.workshop.pain_points:
        assert pain.text in unescape(html)


def test_a_phase_without_data_says_so_and_gets_no_number() -> None:
    params, data = demo_client("cafe-bohnenglueck")
    result = analyse(params, data)
    html = map_figure(result.map, "de", result.early_churn_phase).data
    rows = _cells(html)
    assert set(rows[t("journeys.map.row.tickets", "de")]) == {t("journeys.map.no_tickets", "de")}
    csat = dict(zip(params.workshop.phases, rows[t("journeys.map.row.csat", "de")], strict=True))
    assert csat["Orientierung"] == t("journeys.map.no_survey", "de")
    sheet = facts(result)
    assert not any(".tickets" in fact_id for fact_id in sheet)
    assert map_id("Orientierung", "csat") not in sheet


@pytest.mark.parametrize("client", CLIENTS)
def test_every_number_on_the_map_is_a_fact_of_the_section(analysed, client) -> None:
    result = analysed[client]
    html = map_figure(result.map, "de", result.early_churn_phase).data
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    shown = set()
    for fact in facts(result).values():
        shown |= {round(x, 1) for x in fact.shown()}
    shown.add(float(PER_CUSTOMERS))
    for written in re.findall(r"(?<![\w.,])\d{1,3}(?:\.\d{3})*(?:,\d+)?", text):
        value = _german(written)
        assert any(abs(value - x) <= 0.05 + 0.5 * (written.count(",") == 0) for x in shown), (
            client,
            written,
        )


@pytest.mark.parametrize("client", CLIENTS)
def test_the_map_is_the_first_figure_of_the_section_in_every_demo_report(analysed, client):
    params, _ = demo_client(client)
    shown = section(analysed[client], wording(params.language, params.business_model))
    assert shown.names[0] == "map"
    html = "".join(part.data for part in shown.blocks["map"]())
    assert 'class="cx-figure cx-journey-map"' in html


def test_moments_of_truth_are_the_client_s_where_given_else_the_method_s(analysed) -> None:
    params, _ = demo_client("stadtwerke-lindenau")
    result = analysed["stadtwerke-lindenau"]
    moments = _cells(map_figure(result.map, "de", result.early_churn_phase).data)[
        t("journeys.map.row.moments", "de")
    ]
    by_phase = dict(zip(params.workshop.phases, moments, strict=True))
    assert by_phase["Nutzung"] == params.workshop.moments_of_truth["Nutzung"]
    assert by_phase["Service/Problemfall"] == t("journeys.map.moments.Service/Problemfall", "de")
    # Berger sets none: no energy moment ("Umzug") on a heating engineer's map
    berger = analysed["berger-haustechnik"]
    page = map_figure(berger.map, "de", berger.early_churn_phase).data
    assert "Umzug" not in page
