"""The maturity section: blocks by name in report order, built when shown, words in de and en.

Expected texts come from the text catalogue (cxlib/texts) and the raw demo files,
never from the section's own output.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import nbformat
import pandas as pd
import pytest

from cxlib import maturity
from cxlib.io.loading import ClientData, load_client_data
from cxlib.io.overview import describe
from cxlib.maturity.analysis import MaturityAnalysis
from cxlib.maturity.assessment import assess
from cxlib.parameters.files import load_parameters
from cxlib.report.section import Section, UnknownBlockError, check_block_names
from cxlib.texts import t

PROJECT = Path(__file__).resolve().parent.parent
UTILITY = PROJECT / "parameters" / "stadtwerke-lindenau.yaml"
RAW = PROJECT / "data" / "stadtwerke-lindenau" / "reifegrad.csv"
#: The report order of the blocks (the order of notebook 01's cells).
BLOCKS = (
    "stage",
    "dimension_table",
    "radar",
    "heatmap",
    "disagreement",
    "typing",
    "fields",
    "seed_comparison",
    "basis",
    "categories",
)
#: The sub-heading (text key) each block starts with.
HEADINGS = {
    "dimension_table": "maturity.heading.dimensions",
    "radar": "maturity.heading.radar",
    "heatmap": "maturity.heading.heatmap",
    "disagreement": "maturity.heading.disagreement",
    "typing": "maturity.heading.typing",
    "fields": "maturity.heading.fields",
    "seed_comparison": "maturity.heading.seed",
    "basis": "maturity.heading.basis",
    "categories": "overview.categories_title",
}


def html(items) -> str:
    """The HTML of a block's outputs, joined."""
    return "".join(str(item.data) for item in items)


@pytest.fixture(scope="module")
def utility() -> MaturityAnalysis:
    params = load_parameters(UTILITY)
    return maturity.analyse(params, load_client_data(params))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_client_shows_every_block_in_report_order(utility: MaturityAnalysis, lang: str):
    section = maturity.section(utility, lang)
    assert isinstance(section, Section) and section.id == "maturity"
    assert section.names == BLOCKS
    for name in BLOCKS:
        shown = html(section.show(name))
        assert shown, f"block {name} shows nothing"
        if name in HEADINGS:
            heading = escape(t(HEADINGS[name], lang))
            assert heading in shown, f"block {name} lacks its heading {heading!r}"
    assert "<img" in html(section.show("radar"))


def test_notebook_01_shows_the_blocks_in_section_order(utility: MaturityAnalysis):
    notebook = nbformat.read(PROJECT / "notebooks" / "01-reifegrad.ipynb", as_version=4)
    shown = [
        m.group(1)
        for cell in notebook.cells
        if (m := re.fullmatch(r'section\.show\("(\w+)"\)', cell.source.strip()))
    ]
    check_block_names(maturity.section(utility, "de"), shown)


def test_unknown_block_raises(utility: MaturityAnalysis):
    section = maturity.section(utility, "de")
    with pytest.raises(UnknownBlockError, match="no_such_block"):
        section.show("no_such_block")


def test_blocks_are_built_when_shown(utility: MaturityAnalysis, monkeypatch):
    from cxlib.maturity import view as report

    drawn = []
    real = report.radar
    monkeypatch.setattr(report, "radar", lambda *a, **k: drawn.append(1) or real(*a, **k))
    section = maturity.section(utility, "de")
    assert drawn == []
    section.show("radar")
    assert drawn == [1]


def test_data_overview_figure_counts_the_raw_answers(utility: MaturityAnalysis):
    raw = pd.read_csv(RAW, sep=";", dtype=str)
    figures = json.loads(json.dumps(maturity.section(utility, "de").figures, default=str))
    [row] = figures["data_overview"]
    assert row["table"] == "maturity" and row["rows"] == len(raw)
    assert row["missing_cells"] == int(raw.isna().sum().sum())
    # the headline is the latest wave; its respondents are the raw file's
    latest = raw[raw["Welle"] == max(raw["Welle"])]
    assert figures["wave"] == max(raw["Welle"])
    assert figures["respondents"] == latest["Teilnehmer"].nunique()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_client_without_answers_gets_a_note_in_its_language(minimal_params: Path, lang: str):
    result = maturity.analyse(load_parameters(minimal_params), ClientData({}))
    assert result.assessment is None and not result.overview
    section = maturity.section(result, lang)
    no_data = t("maturity.no_data", lang)
    assert section.key_message == no_data
    assert section.names == BLOCKS
    assert no_data in html(section.show("stage"))
    for name in BLOCKS[1:-2]:
        assert len(section.show(name)) == 0, name
    basis = html(section.show("basis"))
    assert t("maturity.heading.basis", lang) in basis and t("overview.no_data", lang) in basis
    assert len(section.show("categories")) == 0
    assert section.statements == ()
    assert dict(section.figures) == {"available": False, "data_overview": []}


def test_statements_figures_and_escaping():
    params = load_parameters(UTILITY)
    data = load_client_data(params).get("maturity").copy()
    data["department"] = data["department"].replace("IT", "IT <Technik>")
    result = MaturityAnalysis(
        "Müller & <Söhne>", assess(data), describe({"maturity": data}, ["maturity"], "maturity")
    )
    section = maturity.section(result, "de")
    first, second = section.statements
    # docs/demo-data.md: index 61.9 in 2025-Q4, raw stage 4 capped to 3 by D8
    assert first.text == (
        "CX-Reifegrad: Stufe 3 von 5 (Mobilisieren), Index 62/100; "
        "schwächstes Feld: Technologie & Datenintegration."
    )
    assert first.light == "amber"
    assert "Uneinigkeit" in second.text and "IT <Technik>" in second.text
    assert "zurück" in section.key_message  # the cap is named in the key message
    figures = json.loads(json.dumps(dict(section.figures), default=str))
    assert figures["stage"] == 3 and figures["raw_stage"] == 4 and figures["capped"]
    assert [f["dimension"] for f in figures["fields_of_action"]] == ["D8", "D6", "D7"]
    shown = html([*section.show("stage"), *section.show("heatmap"), *section.show("disagreement")])
    assert "IT &lt;Technik&gt;" in shown and "<Technik>" not in shown
    assert "Stufe 4 (Skalieren)" in shown  # cap note
    assert "Müller &amp; &lt;Söhne&gt;" in html(section.show("radar"))
    english = maturity.section(result, "en")
    assert english.figures["stage_name"] == t("maturity.stages.mobilisieren.name", "en")
    assert english.statements[0].text.startswith("CX maturity")
