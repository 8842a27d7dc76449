"""A shorter printed report: detail tables in the appendix, a churn section for non-statisticians.

Issue 18: detail tables move from the sections into the appendix (each
section keeps its reading and a pointer), data profiles go to the data
quality, the forest plot shows at most eight effects against named
comparison groups, relative risks above ten read "mehr als 10-mal", curves
end where too few customers are still observed, a cohort chart of tiny
cohorts gives way to a note, and the driver quadrant shows the whole scale.
Expected values are worked by hand from the definitions, not read from the code.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_notebook

from cxlib.kpis import analysis as kpi_analysis
from cxlib.kpis import plots as kpi_plots
from cxlib.kpis import retention
from cxlib.kpis import view as kpi_view
from cxlib.report import blocks as display
from cxlib.report.render import render_report
from cxlib.survival import analysis as survival_analysis
from cxlib.survival import plots as survival_plots
from cxlib.survival import view as survival_view
from cxlib.survival.claims import HR_CAP
from cxlib.survival.curves import kaplan_meier
from cxlib.survival.statements import key_message
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.texts import t

from .demo_clients import demo_client
from .results_factory import client_results
from .test_report import RESULTS, html_output, make_params


def _html(items) -> str:
    return "".join(str(getattr(item, "data", item)) for item in items)


# --- the appendix mechanism ---------------------------------------------------------------


def _cells(shown) -> NotebookNode:
    """A notebook with one code cell per shown block, as the notebooks' outputs come."""
    nb = new_notebook()
    for block in shown:
        cell = new_code_cell("x")
        cell.outputs = [html_output(block)]
        nb.cells.append(cell)
    return nb


def _notebook():
    cells = [
        display.section_heading("maturity", "CX-Reifegrad", "Stufe 2"),
        display.reading("MATURITY_READING"),
        display.appendix("Profil der Daten", display.reading("PROFILE_BODY"), place="quality"),
        display.section_heading("kpi", "Kennzahlen-Ausgangswerte", "NPS +12"),
        display.reading("KPI_READING"),
        display.appendix("Unterschiede nach Segment", display.reading("DETAIL_BODY")),
    ]
    return _cells(cells)


def test_appendix_blocks_leave_the_sections_with_a_pointer(tmp_path):
    page = render_report(_notebook(), make_params(tmp_path), client_results(**RESULTS), "de")
    main, appendix = page.split('<section class="appendix"', 1)
    # the section keeps its reading and a pointer, the detail is in the appendix
    assert "KPI_READING" in main and "DETAIL_BODY" not in main
    assert "„Unterschiede nach Segment“ steht im Anhang." in main
    details = appendix.split('id="sec-details"', 1)[1]
    assert "DETAIL_BODY" in details
    # under the title of the section it came from
    assert details.index("Kennzahlen-Ausgangswerte") < details.index("DETAIL_BODY")
    assert 'href="#sec-details"' in page  # the contents lead there
    # a data profile goes to the data quality, without a pointer in the section
    assert "PROFILE_BODY" not in main and "Profil der Daten" not in main
    quality = appendix.split('id="sec-data-quality"', 1)[1].split('id="sec-details"', 1)[0]
    assert "PROFILE_BODY" in quality


def test_details_moved_from_one_place_leave_one_pointer_line(tmp_path):
    cells = [
        display.section_heading("maturity", "CX-Reifegrad", "Stufe 2"),
        display.section_heading("kpi", "Kennzahlen-Ausgangswerte", "NPS +12"),
        display.reading("KPI_READING"),
        display.appendix("Tabelle A", display.reading("A_BODY")),
        display.appendix("Tabelle B", display.reading("B_BODY")),
        display.appendix("Tabelle C", display.reading("C_BODY")),
        display.reading("BETWEEN"),
        display.appendix("Tabelle D", display.reading("D_BODY")),
    ]
    nb = _cells(cells)
    page = render_report(nb, make_params(tmp_path), client_results(**RESULTS), "de")
    main = page.split('<section class="appendix"', 1)[0]
    pointers = re.findall(r'<p class="cx-pointer">([^<]*)</p>', main)
    # three in a row: one printed line; one after other content: its own line
    assert pointers == [
        "„Tabelle A“, „Tabelle B“ und „Tabelle C“ stehen im Anhang.",
        "„Tabelle D“ steht im Anhang.",
    ]
    assert all(body in page.split('id="sec-details"', 1)[1] for body in ("A_BODY", "D_BODY"))


def test_without_appendix_blocks_there_are_no_detail_tables(tmp_path):
    nb = _cells(display.section_heading(s["id"], s["title"], "") for s in RESULTS["sections"])
    page = render_report(nb, make_params(tmp_path), client_results(**RESULTS), "de")
    assert 'id="sec-details"' not in page and 'href="#sec-details"' not in page


def test_an_appendix_block_escapes_its_title_and_knows_only_two_places():
    shown = display.appendix("A & <b>", "plain <text>").data
    assert "A &amp; &lt;b&gt;" in shown and "plain &lt;text&gt;" in shown
    with pytest.raises(ValueError, match="place"):
        display.appendix("x", place="summary")  # type: ignore[arg-type]


# --- the churn section ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def utility():
    params, data = demo_client("stadtwerke-lindenau")
    return survival_analysis.analyse(params, data)


def test_the_forest_plot_shows_at_most_eight_effects_findings_first_largest_first(utility):
    hr = utility.model.hazard_ratios
    assert len(hr) > survival_analysis.FOREST_LIMIT  # the demo model has more than eight
    shown = utility.forest_columns()
    assert len(shown) == 8
    findings = {x.name for x in utility.claims.findings("cox")}
    # by hand: findings first, each group ordered by the distance of log(HR) from zero
    size = {c: abs(math.log(float(hr.loc[c, "hr"]))) for c in hr.index}
    first = sorted((c for c in hr.index if c in findings), key=lambda c: -size[c])
    rest = sorted((c for c in hr.index if c not in findings), key=lambda c: -size[c])
    assert list(shown) == (first + rest)[:8]
    # the reading says how many more are in the appendix, and that count is a fact
    section = survival_view.section(utility, "de")
    more = section.facts["survival.forest_more"]
    assert more.value == len(hr) - 8
    model = _html(section.show("model"))
    assert t("survival.forest_more", "de", n=str(len(hr) - 8)) in model
    # the full model table is for the appendix
    assert 'class="cx-to-appendix"' in model and t("survival.model_table_title", "de") in model


def test_every_forest_row_names_its_comparison_group(utility):
    ax = survival_plots.forest(
        utility.model.hazard_ratios,
        columns=utility.forest_columns(),
        compared=lambda c: survival_view._versus(utility, "de", c),
        cap=HR_CAP,
    )
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert len(labels) == 8
    for label in labels:
        assert "im Vergleich zu" in label
    assert any("im Vergleich zu Kunden mit „" in label for label in labels)
    # letters stay legible in print: the figure keeps A4 width and 9 pt tick labels
    assert ax.figure.get_figwidth() == pytest.approx(7.0)
    assert all(label.get_fontsize() >= 8 for label in ax.get_yticklabels())


def test_the_forest_axis_is_capped_and_marks_a_ratio_beyond_it():
    frame = pd.DataFrame(
        {"hr": [53.8, 2.0], "low": [34.4, 1.5], "high": [84.2, 2.6], "p": [1e-9, 1e-4]},
        index=["signal", "channel: Website"],
    )
    ax = survival_plots.forest(frame, cap=10.0)
    high = ax.get_xlim()[1]
    assert high == pytest.approx(10.0 * 1.15) and high < 34.4
    notes = [child.get_text() for child in ax.texts]
    assert "> 10" in notes


def test_a_relative_risk_above_ten_reads_more_than_ten_times(utility):
    headline = utility.headline_driver()
    assert headline is not None and headline.hr > 10  # the planted payment-delay signal
    text = key_message(utility, "de")
    assert "mehr als 10-mal so häufig" in text
    assert "53,8" not in text and re.search(r"\b\d{2},\d-mal", text) is None
    section = survival_view.section(utility, "de")
    assert section.facts["rule.hr_cap"].value == 10
    first = section.statements[0]
    assert "rule.hr_cap" in first.facts
    drivers = _html(section.show("drivers"))
    assert t("survival.capped_note", "de", cap="10") in drivers
    assert "&gt; 10" in drivers  # the drivers table's cell


def test_a_curve_ends_where_fewer_than_ten_percent_are_still_observed():
    # 20 customers: one leaves at each of days 1-20 (18 events, 2 censored at the end)
    durations = pd.Series(np.arange(1, 21, dtype=float))
    events = pd.Series([1] * 18 + [0, 0])
    curve = kaplan_meier(durations, events)
    # at risk at day d is 21 - d; at least max(10 % of 20, 10) = 10 up to day 11
    assert curve.shown_until() == 11.0
    # with a lower minimum the 10 % share rules: 2 at risk up to day 19
    assert curve.shown_until(minimum=1) == 19.0


def test_the_survival_charts_end_within_the_observed_range(utility):
    ax = survival_plots.km_curves({"": utility.overall})
    end = utility.overall.shown_until() / DAYS_PER_MONTH
    assert ax.get_xlim()[1] == pytest.approx(end)
    assert end < utility.overall.last_time / DAYS_PER_MONTH


def test_bands_only_for_the_compared_pair():
    frame = pd.DataFrame({"d": np.arange(1, 41, dtype=float), "e": [1, 0] * 20})
    curves = {
        name: kaplan_meier(frame["d"] + shift, frame["e"])
        for name, shift in zip("ABCD", range(4), strict=True)
    }
    ax = survival_plots.km_curves(curves, bands={"A", "C"})
    assert len(ax.collections) == 2  # one band per compared group, none for the others
    ax = survival_plots.km_curves(curves)
    assert len(ax.collections) == 0  # four bands would hide the curves


# --- the KPI section --------------------------------------------------------------------


def test_tiny_cohorts_give_a_note_instead_of_a_solid_block():
    customers = pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-04-09"]),
            "end_date": pd.NaT,
        }
    )
    # by hand: January 2, February 1, April 1 -> median 1
    assert retention.cohort_median(customers, pd.Timestamp("2024-01-01").date()) == 1.0
    params, data = demo_client("berger-haustechnik")
    base = kpi_analysis.analyse(params, data)
    assert base.cohort_median is not None and base.cohort_median < base.small_n
    shown = _html(kpi_view.BLOCKS["cohorts"](base, "de"))
    assert "<img" not in shown and "Startmonat" in shown


def test_the_driver_quadrant_shows_the_whole_rating_scale():
    params, data = demo_client("stadtwerke-lindenau")
    base = kpi_analysis.analyse(params, data)
    ax = kpi_plots.driver_quadrant(base)
    low, high = ax.get_xlim()
    assert low <= 1 and high >= 5  # tenths of a point do not fill the width
