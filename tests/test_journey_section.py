"""The journey section: blocks by name in report order, built when shown, words in de and en.

Expected texts come from the text catalogue (cxlib/texts), the parameter file and
the raw demo files, never from the section's own output.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import nbformat
import pandas as pd
import pytest

from cxlib import journeys
from cxlib.io.loading import ClientData, load_client_data
from cxlib.journeys.analysis import JourneyAnalysis
from cxlib.journeys.selection import Selection
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.report.section import Section, UnknownBlockError, check_block_names
from cxlib.texts import t

PROJECT = Path(__file__).resolve().parent.parent
UTILITY = PROJECT / "parameters" / "stadtwerke-lindenau.yaml"
#: The report order of the blocks (the order of notebook 02's cells).
BLOCKS = (
    "map",
    "chart",
    "ranking",
    "evidence",
    "plan",
    "levers",
    "loop",
    "checklist",
    "basis",
)
#: The sub-heading (text key) each block starts with.
HEADINGS = {
    "chart": "journeys.headings.ranking",
    "evidence": "journeys.headings.evidence",
    "plan": "journeys.headings.plan",
    "checklist": "journeys.headings.checklist",
}


def html(items) -> str:
    """The HTML of a block's outputs, joined."""
    return "".join(str(item.data) for item in items)


@pytest.fixture(scope="module")
def utility() -> tuple[ClientParameters, JourneyAnalysis]:
    params = load_parameters(UTILITY)
    return params, journeys.analyse(params, load_client_data(params))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_client_shows_every_block_in_report_order(utility, lang: str):
    params, result = utility
    section = journeys.section(result, lang)
    assert isinstance(section, Section) and section.id == "journey"
    assert section.names == BLOCKS
    for name in BLOCKS:
        shown = html(section.show(name))
        assert shown, f"block {name} shows nothing"
        if name == "plan":  # the plan is one block that prints on one page
            assert shown.startswith('<section class="cx-plan">') and shown.endswith("</section>")
            shown = shown.removeprefix('<section class="cx-plan">')
        if name in HEADINGS:
            assert shown.startswith(f'<h3 class="cx-subheading">{escape(t(HEADINGS[name], lang))}')
    # the data profile goes to the data quality in the appendix, under its own title
    basis = html(section.show("basis"))
    assert basis.startswith('<div class="cx-to-appendix" data-place="quality"')
    assert f'<h4 class="cx-appendix-title">{escape(t("journeys.headings.basis", lang))}' in basis
    assert "<img" in html(section.show("chart"))
    assert escape(t("journeys.evidence.note", lang)) in html(section.show("evidence"))
    ranking = html(section.show("ranking"))
    for journey in params.workshop.journeys:
        assert escape(journey.name) in ranking
    plan = html(section.show("plan"))
    chosen = next(j for j in params.workshop.journeys if j.name == result.selection.selected)
    for measure in (m for m in params.workshop.measures if m.journey == chosen.id):
        assert escape(measure.text) in plan


def test_notebook_02_shows_the_blocks_in_section_order(utility):
    notebook = nbformat.read(PROJECT / "notebooks" / "02-journey-auswahl.ipynb", as_version=4)
    shown = [
        m.group(1)
        for cell in notebook.cells
        if (m := re.fullmatch(r'section\.show\("(\w+)"\)', cell.source.strip()))
    ]
    check_block_names(journeys.section(utility[1], "de"), shown)


def test_unknown_block_raises(utility):
    section = journeys.section(utility[1], "en")
    with pytest.raises(UnknownBlockError, match="no_such_block"):
        section.show("no_such_block")


def test_blocks_are_built_when_shown(utility, monkeypatch):
    drawn = []
    real = Selection.plot
    monkeypatch.setattr(Selection, "plot", lambda *a, **k: drawn.append(1) or real(*a, **k))
    section = journeys.section(utility[1], "de")
    assert drawn == []
    section.show("chart")
    assert drawn == [1]


def test_basis_counts_the_raw_tickets(utility):
    params, result = utility
    raw = pd.read_csv(params.resolve(params.data.tickets.file), sep=None, engine="python")
    [table] = result.overview.tables
    assert table.table == "tickets" and table.rows == len(raw)


def test_figures_word_the_explanation_and_plan_in_the_language(utility):
    _, result = utility
    german, english = (journeys.section(result, lang).figures for lang in ("de", "en"))
    assert german["selection"] == english["selection"]  # numbers are the same
    assert german["explanation"] != english["explanation"]
    measures = [pd.DataFrame(f["plan"]["measures"]) for f in (german, english)]
    pd.testing.assert_frame_equal(*measures)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_client_without_workshop_or_data(minimal_params: Path, lang: str):
    result = journeys.analyse(load_parameters(minimal_params), ClientData({}))
    assert result.selection is None and result.plan is None and not result.overview
    section = journeys.section(result, lang)
    none_rated = t("journeys.none_rated", lang)
    assert section.key_message == none_rated
    assert section.names == BLOCKS
    assert escape(none_rated) in html(section.show("chart"))
    assert "<img" not in html(section.show("chart"))
    assert len(section.show("ranking")) == 0
    assert len(section.show("plan")) == 1  # the heading alone
    # no tickets: no data-basis block (a page holding only "no data" in print); the
    # evidence and the checklist say what is missing
    assert len(section.show("basis")) == 0
    for name in ("evidence", "checklist"):
        assert section.show(name), name
    [statement] = section.statements
    assert statement.text == none_rated and statement.light == "grey"
    assert section.figures["selection"] is None and section.figures["plan"] is None
    assert section.figures["symptoms_apply"] == 0
